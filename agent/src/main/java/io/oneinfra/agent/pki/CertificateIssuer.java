package io.oneinfra.agent.pki;

import io.oneinfra.proxy.IpLiteral;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Issues CA and leaf certificates with BouncyCastle; a builder per certificate, in the style of a held certificate. */
public final class CertificateIssuer {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String commonName;
  private final List<String> organizationalUnits = new ArrayList<>();
  private final List<GeneralName> subjectAltNames = new ArrayList<>();
  private Instant notBefore = Instant.now().minusSeconds(3600);
  private Instant notAfter = notBefore.plusSeconds(2 * 86_400);
  private KeyType keyType = KeyType.EC_P256;
  private boolean ca;
  private KeyPurposeId extendedKeyUsage;
  private Issued signer;

  private CertificateIssuer(String commonName) {
    this.commonName = Objects.requireNonNull(commonName, "commonName");
  }

  /** Starts a certificate for {@code commonName}; by default EC P-256, valid from an hour ago for two days. */
  public static CertificateIssuer certificate(String commonName) {
    return new CertificateIssuer(commonName);
  }

  public CertificateIssuer organizationalUnit(String ou) {
    organizationalUnits.add(ou);
    return this;
  }

  public CertificateIssuer validity(Instant from, Instant until) {
    this.notBefore = from;
    this.notAfter = until;
    return this;
  }

  public CertificateIssuer keyType(KeyType type) {
    this.keyType = type;
    return this;
  }

  /** Makes it a CA (basicConstraints CA:true, keyCertSign, cRLSign). */
  public CertificateIssuer certificateAuthority() {
    this.ca = true;
    return this;
  }

  public CertificateIssuer serverAuth() {
    this.extendedKeyUsage = KeyPurposeId.id_kp_serverAuth;
    return this;
  }

  public CertificateIssuer clientAuth() {
    this.extendedKeyUsage = KeyPurposeId.id_kp_clientAuth;
    return this;
  }

  /**
   * Adds an IP address (literal) or DNS name to the subject alternative names.
   *
   * @throws IllegalArgumentException naming {@code name} when it is neither
   */
  public CertificateIssuer subjectAltName(String name) {
    try {
      if (isIpLiteral(name)) {
        subjectAltNames.add(new GeneralName(GeneralName.iPAddress, name));
      } else if (name.matches("[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?") && !name.matches("[0-9.]+")) {
        subjectAltNames.add(new GeneralName(GeneralName.dNSName, name));
      } else {
        throw new IllegalArgumentException("not an IP address or DNS name");
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tls.serverNames: '" + name + "' is not a valid IP address or DNS name",
          e);
    }
    return this;
  }

  public CertificateIssuer uriSubjectAltName(String uri) {
    subjectAltNames.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
    return this;
  }

  /** Signs with {@code issuer}; without it the certificate is self-signed. */
  public CertificateIssuer signedBy(Issued issuer) {
    this.signer = issuer;
    return this;
  }

  public Issued issue() {
    KeyPair keyPair = keyType.generate();
    X500NameBuilder name = new X500NameBuilder(BCStyle.INSTANCE);
    organizationalUnits.forEach(ou -> name.addRDN(BCStyle.OU, ou));
    name.addRDN(BCStyle.CN, commonName);
    X500Name subject = name.build();
    KeyPair signingKeys = signer != null ? signer.keyPair() : keyPair;
    try {
      X500Name issuerName = signer != null
          ? X500Name.getInstance(signer.certificate().getSubjectX500Principal().getEncoded())
          : subject;
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName,
          new BigInteger(127, RANDOM).add(BigInteger.ONE), Date.from(notBefore), Date.from(notAfter), subject,
          keyPair.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      builder.addExtension(Extension.keyUsage, true, ca
          ? new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature)
          : new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(Extension.subjectKeyIdentifier, false,
          extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
      builder.addExtension(Extension.authorityKeyIdentifier, false,
          extensions.createAuthorityKeyIdentifier(signingKeys.getPublic()));
      if (extendedKeyUsage != null) {
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(extendedKeyUsage));
      }
      if (!subjectAltNames.isEmpty()) {
        builder.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(subjectAltNames.toArray(GeneralName[]::new)));
      }
      KeyType signingType = KeyType.of(signingKeys.getPrivate());
      X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(
          new JcaContentSignerBuilder(signingType.signatureAlgorithm()).build(signingKeys.getPrivate())));
      return new Issued(certificate, keyPair);
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IllegalStateException("pki: cannot issue a certificate for '" + commonName + "': " + e.getMessage(),
          e);
    }
  }

  private static boolean isIpLiteral(String name) {
    return IpLiteral.parse(name).isPresent();
  }

}
