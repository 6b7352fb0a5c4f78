package io.oneinfra.proxy;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Keys and self-signed certificates for proxy tests (the proxy module cannot use the agent's issuer). */
public final class TestCerts {
  private TestCerts() {}

  public static KeyPair keyPair(String algorithm) {
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

  public static X509Certificate selfSigned(String commonName, KeyPair keys) {
    return selfSigned(commonName, keys, false);
  }

  /** A self-signed certificate; {@code authority} marks it a CA (basic constraints), as PKIX wants of an anchor. */
  static X509Certificate selfSigned(String commonName, KeyPair keys, boolean authority) {
    Instant now = Instant.now();
    X500Name name = new X500Name("CN=" + commonName);
    try {
      String signature = keys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
          Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(3600)), name, keys.getPublic());
      if (authority) {
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      }
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder(signature).build(keys.getPrivate())));
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An end-entity certificate for {@code subject}, signed with {@code issuerKeys} in the name of {@code issuer}. */
  static X509Certificate leaf(X509Certificate issuer, KeyPair issuerKeys, String subject, Instant notBefore,
      Instant notAfter) {
    try {
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
          X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()),
          BigInteger.valueOf(System.nanoTime()), Date.from(notBefore), Date.from(notAfter), new X500Name(subject),
          keyPair("EC").getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Server material whose certificate is also the client CA. */
  static TlsMaterial material(String commonName) {
    KeyPair keys = keyPair("EC");
    X509Certificate cert = selfSigned(commonName, keys);
    return new TlsMaterial(java.util.List.of(cert), keys.getPrivate(), java.util.List.of(cert));
  }

  /** Self-signed EC material made from {@code seed} alone: the same bytes on every run, for deterministic fuzzing. */
  static TlsMaterial seededMaterial(String commonName, long seed) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(seed);
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(256, random);
      KeyPair keys = generator.generateKeyPair();
      X500Name name = new X500Name("CN=" + commonName);
      Instant notBefore = Instant.parse("2026-01-01T00:00:00Z");
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
          BigInteger.valueOf(seed), Date.from(notBefore), Date.from(notBefore.plus(Duration.ofDays(365))), name,
          keys.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").setSecureRandom(random)
              .build(keys.getPrivate())));
      return new TlsMaterial(java.util.List.of(cert), keys.getPrivate(), java.util.List.of(cert));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }
}
