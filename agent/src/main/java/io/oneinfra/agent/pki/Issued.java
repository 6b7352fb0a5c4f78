package io.oneinfra.agent.pki;

import io.oneinfra.proxy.Pem;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;

/**
 * A certificate with its key pair.
 *
 * @param certificate the certificate
 * @param keyPair its key pair
 */
public record Issued(X509Certificate certificate, KeyPair keyPair) {

  public PrivateKey privateKey() {
    return keyPair.getPrivate();
  }

  /** The certificate as PEM. */
  public String certificatePem() {
    try {
      return Pem.encode("CERTIFICATE", certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("pki: cannot encode " + certificate.getSubjectX500Principal(), e);
    }
  }

  /** The private key as unencrypted PKCS#8 PEM (what Go's tls.X509KeyPair and Netty both read). */
  public String privateKeyPem() {
    return Pem.encode("PRIVATE KEY", keyPair.getPrivate().getEncoded());
  }

  @Override
  public String toString() {
    return "Issued[" + certificate.getSubjectX500Principal() + "]";
  }
}
