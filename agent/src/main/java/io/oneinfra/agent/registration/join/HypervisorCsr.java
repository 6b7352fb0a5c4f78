package io.oneinfra.agent.registration.join;

import io.oneinfra.agent.pki.KeyType;
import io.oneinfra.proxy.Pem;
import java.io.IOException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A hypervisor's certificate request: a fresh EC P-256 key made on this host (it never leaves it; only the PKCS#10
 * request, signed with it, is sent) for {@code CN=system:oneinfra:hypervisor:<name>, O=system:oneinfra:hypervisors}.
 */
public final class HypervisorCsr {
  /** The built-in signer of client certificates the API server honours. */
  public static final String SIGNER = "kubernetes.io/kube-apiserver-client";
  /** What kubelet asks for with an EC key: no key encipherment (meaningless for ECDSA). */
  public static final List<String> USAGES = List.of("digital signature", "client auth");
  /** The user name prefix of hypervisor identities. */
  public static final String USER_PREFIX = "system:oneinfra:hypervisor:";
  /** The group of every hypervisor identity, which the shipped RBAC binds. */
  public static final String GROUP = "system:oneinfra:hypervisors";
  private static final String CLIENT_AUTH_OID = "1.3.6.1.5.5.7.3.2";

  private final String hypervisorName;
  private final KeyPair keys;
  private final String requestPem;

  private HypervisorCsr(String hypervisorName, KeyPair keys, String requestPem) {
    this.hypervisorName = hypervisorName;
    this.keys = keys;
    this.requestPem = requestPem;
  }

  /** A new key and a request for {@code hypervisorName}'s identity. */
  public static HypervisorCsr generate(String hypervisorName) {
    KeyPair keys = KeyType.EC_P256.generate();
    X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
    subject.addRDN(BCStyle.O, GROUP);
    subject.addRDN(BCStyle.CN, USER_PREFIX + hypervisorName);
    try {
      byte[] der = new JcaPKCS10CertificationRequestBuilder(subject.build(), keys.getPublic())
          .build(new JcaContentSignerBuilder(KeyType.EC_P256.signatureAlgorithm()).build(keys.getPrivate()))
          .getEncoded();
      return new HypervisorCsr(hypervisorName, keys, Pem.encode("CERTIFICATE REQUEST", der));
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot build a certificate request: " + e.getMessage(), e);
    }
  }

  /** The CSR object's name: the hypervisor's and a digest of the key, so two requests never share one. */
  public String objectName() {
    String name = hypervisorName.length() > 200 ? hypervisorName.substring(0, 200) : hypervisorName;
    try {
      return "hypervisor-" + name + "-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(keys.getPublic().getEncoded()), 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /** The user name the issued certificate authenticates as. */
  public String userName() {
    return USER_PREFIX + hypervisorName;
  }

  /** The PKCS#10 request (PEM), what goes into the CSR object's {@code spec.request}. */
  public String requestPem() {
    return requestPem;
  }

  /**
   * The private key for the kubeconfig only, as kubelet writes it: SEC1 {@code EC PRIVATE KEY} with its curve and
   * public key, which Go's and fabric8's kubeconfig readers both take (fabric8 reads a PKCS#8 one as RSA).
   */
  public String privateKeyPem() {
    try {
      java.security.interfaces.ECPrivateKey key = (java.security.interfaces.ECPrivateKey) keys.getPrivate();
      byte[] der = new ECPrivateKey(256, key.getS(),
          new DERBitString(SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData()
              .getBytes()), SECObjectIdentifiers.secp256r1).getEncoded();
      return Pem.encode("EC PRIVATE KEY", der);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the private key: " + e.getMessage(), e);
    }
  }

  /**
   * Checks what the signer returned: the leaf certifies this request's key, for this identity, for client auth, now.
   *
   * @return the leaf certificate
   * @throws JoinException (FAILED) naming what is wrong with it
   */
  public X509Certificate checkIssued(String csrName, String certificatePem) throws JoinException {
    X509Certificate leaf;
    try {
      leaf = Pem.parseCertificates("CSR " + csrName + " status.certificate", certificatePem).get(0);
      leaf.checkValidity();
    } catch (IOException | CertificateExpiredException | CertificateNotYetValidException e) {
      throw bad(csrName, e.getMessage());
    }
    if (!leaf.getPublicKey().equals(keys.getPublic())) {
      throw bad(csrName, "it certifies another public key than the one this request was made with");
    }
    if (!(userName().equals(attribute(leaf, "CN")) && GROUP.equals(attribute(leaf, "O")))) {
      throw bad(csrName, "its subject is '" + leaf.getSubjectX500Principal().getName() + "', not CN=" + userName()
          + ", O=" + GROUP);
    }
    try {
      List<String> eku = leaf.getExtendedKeyUsage();
      if (eku != null && !eku.contains(CLIENT_AUTH_OID)) {
        throw bad(csrName, "it is not valid for client authentication (extended key usage " + eku + ")");
      }
    } catch (CertificateParsingException e) {
      throw bad(csrName, e.getMessage());
    }
    return leaf;
  }

  private static JoinException bad(String csrName, String why) {
    return new JoinException(JoinException.Outcome.FAILED, "the certificate issued for CSR " + csrName
        + " is unusable: " + why);
  }

  /** The value of the single {@code type} attribute of the certificate's subject, or null. */
  static String attribute(X509Certificate certificate, String type) {
    try {
      return new LdapName(certificate.getSubjectX500Principal().getName()).getRdns().stream()
          .filter(rdn -> rdn.getType().equalsIgnoreCase(type)).map(Rdn::getValue).map(String::valueOf)
          .findFirst().orElse(null);
    } catch (InvalidNameException e) {
      return null;
    }
  }
}
