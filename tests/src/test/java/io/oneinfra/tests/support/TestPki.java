package io.oneinfra.tests.support;

import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.proxy.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.net.Socket;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/** Two CAs (server, client), the proxy's server certificate, a good client, and a client from another CA. */
public final class TestPki {
  public final Issued serverCa = CertificateIssuer.certificate("test server CA").certificateAuthority().issue();
  public final Issued server = CertificateIssuer.certificate("127.0.0.1").serverAuth()
      .subjectAltName("127.0.0.1").subjectAltName("localhost").signedBy(serverCa).issue();
  public final Issued clientCa = CertificateIssuer.certificate("test client CA").certificateAuthority().issue();
  public final Issued client = CertificateIssuer.certificate("oneinfra-client").clientAuth().signedBy(clientCa)
      .issue();
  public final Issued otherCa = CertificateIssuer.certificate("other CA").certificateAuthority().issue();
  public final Issued otherClient = CertificateIssuer.certificate("oneinfra-client").clientAuth()
      .signedBy(otherCa).issue();

  /** Another client certificate from the client CA, with its own common name. */
  public Issued clientNamed(String commonName) {
    return CertificateIssuer.certificate(commonName).clientAuth().signedBy(clientCa).issue();
  }

  /** A client certificate from the client CA that expired yesterday. */
  public Issued expiredClient() {
    Instant now = Instant.now();
    return CertificateIssuer.certificate("oneinfra-client").clientAuth().signedBy(clientCa)
        .validity(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1))).issue();
  }

  /** A client certificate from the client CA that becomes valid tomorrow. */
  public Issued notYetValidClient() {
    Instant now = Instant.now();
    return CertificateIssuer.certificate("oneinfra-client").clientAuth().signedBy(clientCa)
        .validity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(30))).issue();
  }

  /** A certificate from the client CA meant for servers only (EKU serverAuth). */
  public Issued serverAuthOnlyClient() {
    return CertificateIssuer.certificate("oneinfra-client").serverAuth().signedBy(clientCa).issue();
  }

  /** A self-signed client certificate (its own CA). */
  public Issued selfSignedClient() {
    return CertificateIssuer.certificate("oneinfra-client").clientAuth().issue();
  }

  /** A CRL from the client CA listing {@code revoked}, as an operator would publish it. */
  public X509CRL crlRevoking(Issued... revoked) {
    try {
      Date now = new Date();
      X509v2CRLBuilder builder = new X509v2CRLBuilder(
          X500Name.getInstance(clientCa.certificate().getSubjectX500Principal().getEncoded()), now);
      builder.setNextUpdate(new Date(now.getTime() + 86_400_000L));
      for (Issued certificate : revoked) {
        builder.addCRLEntry(certificate.certificate().getSerialNumber(), now, CRLReason.keyCompromise);
      }
      return new JcaX509CRLConverter().getCRL(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(clientCa.privateKey())));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("test pki: cannot build a CRL", e);
    }
  }

  /** What the proxy serves with. */
  public TlsMaterial material() {
    return new TlsMaterial(List.of(server.certificate()), server.privateKey(), List.of(clientCa.certificate()));
  }

  /** A JDK client context trusting the server CA and presenting {@code identity} (null for none). */
  public SSLContext clientContext(Issued identity) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", serverCa.certificate());
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      if (identity != null) {
        keys.setKeyEntry("client", identity.privateKey(), new char[0], new Certificate[] {identity.certificate()});
      }
      kmf.init(keys, new char[0]);
      SSLContext context = SSLContext.getInstance("TLS");
      KeyManager[] keyManagers = identity == null ? kmf.getKeyManagers()
          : new KeyManager[] {new AlwaysPresent((X509ExtendedKeyManager) kmf.getKeyManagers()[0])};
      context.init(keyManagers, tmf.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("test pki: cannot build a client context", e);
    }
  }

  /**
   * Presents the client certificate even when its issuer is not among the CAs the server asks for, as a hostile
   * client would; the JDK's own key manager would quietly send no certificate instead.
   */
  private static final class AlwaysPresent extends X509ExtendedKeyManager {
    private final X509ExtendedKeyManager delegate;

    AlwaysPresent(X509ExtendedKeyManager delegate) {
      this.delegate = delegate;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return "client";
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return "client";
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[] {"client"};
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return delegate.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return delegate.getPrivateKey(alias);
    }
  }

  /** Writes haproxy's files into {@code dir}: a server bundle (chain + key) and the client CA. */
  public Path[] writeHaproxyFiles(Path dir) throws IOException {
    Path bundle = dir.resolve("server-bundle.pem");
    Path ca = dir.resolve("client-ca.pem");
    Files.writeString(bundle, server.certificatePem() + server.privateKeyPem());
    Files.writeString(ca, clientCa.certificatePem());
    return new Path[] {bundle, ca};
  }
}
