package io.oneinfra.proxy;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Keys and self-signed certificates for proxy tests (the proxy module cannot use the agent's issuer). */
final class TestCerts {
  private TestCerts() {}

  static KeyPair keyPair(String algorithm) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      if (algorithm.equals("RSA")) {
        generator.initialize(2048);
      } else if (algorithm.equals("EC")) {
        generator.initialize(256);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static X509Certificate selfSigned(String commonName, KeyPair keys) {
    Instant now = Instant.now();
    X500Name name = new X500Name("CN=" + commonName);
    try {
      String signature = keys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
          BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(3600)),
          name, keys.getPublic()).build(new JcaContentSignerBuilder(signature).build(keys.getPrivate())));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Server material whose certificate is also the client CA. */
  static TlsMaterial material(String commonName) {
    KeyPair keys = keyPair("EC");
    X509Certificate cert = selfSigned(commonName, keys);
    return new TlsMaterial(java.util.List.of(cert), keys.getPrivate(), java.util.List.of(cert));
  }
}
