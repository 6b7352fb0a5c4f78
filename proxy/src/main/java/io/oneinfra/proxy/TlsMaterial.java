package io.oneinfra.proxy;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * What the TLS door needs: the server's certificate chain and key, and the CAs a client certificate must chain to.
 *
 * @param certificateChain the server certificate first, then intermediates
 * @param privateKey the server certificate's key
 * @param clientCas the only CAs trusted to issue client certificates
 * @param accessPolicy what a client certificate from those CAs must also satisfy
 */
public record TlsMaterial(List<X509Certificate> certificateChain, PrivateKey privateKey,
    List<X509Certificate> clientCas, AccessPolicy accessPolicy) {

  public TlsMaterial {
    certificateChain = List.copyOf(Objects.requireNonNull(certificateChain, "certificateChain"));
    Objects.requireNonNull(privateKey, "privateKey");
    clientCas = List.copyOf(Objects.requireNonNull(clientCas, "clientCas"));
    accessPolicy = Objects.requireNonNullElse(accessPolicy, AccessPolicy.ALLOW_ANY);
    if (certificateChain.isEmpty()) {
      throw new IllegalArgumentException("tls: the server certificate chain is empty");
    }
    if (clientCas.isEmpty()) {
      throw new IllegalArgumentException("tls: no client CA certificate; client authentication needs at least one");
    }
  }

  /** Without an access policy: any certificate from the client CAs passes. */
  public TlsMaterial(List<X509Certificate> certificateChain, PrivateKey privateKey,
      List<X509Certificate> clientCas) {
    this(certificateChain, privateKey, clientCas, AccessPolicy.ALLOW_ANY);
  }

  /** Loads PEM files: a certificate chain, its PKCS#8 key, and a client-CA bundle. */
  public static TlsMaterial load(Path certificateChain, Path privateKey, Path clientCas) throws IOException {
    return new TlsMaterial(Pem.readCertificates(certificateChain), Pem.readPrivateKey(privateKey),
        Pem.readCertificates(clientCas));
  }

  /** The same material under another access policy. */
  public TlsMaterial withAccessPolicy(AccessPolicy policy) {
    return new TlsMaterial(certificateChain, privateKey, clientCas, policy);
  }

  /** The server certificate (the first of the chain). */
  public X509Certificate serverCertificate() {
    return certificateChain.get(0);
  }

  @Override
  public String toString() {
    // never print the key
    return "TlsMaterial[server=" + serverCertificate().getSubjectX500Principal() + ", clientCas=" + clientCas.size()
        + ", " + accessPolicy + "]";
  }
}
