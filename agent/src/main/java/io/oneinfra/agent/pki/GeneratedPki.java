package io.oneinfra.agent.pki;

import io.oneinfra.proxy.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's own PKI in the state directory: a server CA and server certificate for the proxy, a client CA and one
 * client certificate for the controller. Created once, reused on restart, never overwritten.
 *
 * @param dir the directory (mode 0700) holding the files below; keys are mode 0600
 */
public record GeneratedPki(Path dir) {
  private static final Logger LOG = LoggerFactory.getLogger(GeneratedPki.class);
  private static final Duration CA_LIFETIME = Duration.ofDays(3650);
  private static final Duration LEAF_LIFETIME = Duration.ofDays(365);
  /** The client certificate's common name, as oneinfra's controller presents it. */
  public static final String CLIENT_COMMON_NAME = "oneinfra-client";

  public Path serverCaCertificate() {
    return dir.resolve("server-ca.crt");
  }

  public Path serverCaKey() {
    return dir.resolve("server-ca.key");
  }

  public Path serverCertificate() {
    return dir.resolve("server.crt");
  }

  public Path serverKey() {
    return dir.resolve("server.key");
  }

  public Path clientCaCertificate() {
    return dir.resolve("client-ca.crt");
  }

  public Path clientCaKey() {
    return dir.resolve("client-ca.key");
  }

  public Path clientCertificate() {
    return dir.resolve("client.crt");
  }

  public Path clientKey() {
    return dir.resolve("client.key");
  }

  private List<Path> files() {
    return List.of(serverCaCertificate(), serverCaKey(), serverCertificate(), serverKey(), clientCaCertificate(),
        clientCaKey(), clientCertificate(), clientKey());
  }

  private List<Path> keys() {
    return List.of(serverCaKey(), serverKey(), clientCaKey(), clientKey());
  }

  /**
   * Loads the PKI in {@code dir}, or creates it when the directory holds none of its files.
   *
   * @param serverNames IP addresses and DNS names the server certificate must carry
   * @throws IOException when only some files exist, a key is readable by others, or a file cannot be written
   */
  public static GeneratedPki loadOrCreate(Path dir, List<String> serverNames) throws IOException {
    GeneratedPki pki = new GeneratedPki(dir);
    SecureFiles.createPrivateDirectory(dir);
    List<Path> present = new ArrayList<>();
    List<Path> missing = new ArrayList<>();
    for (Path file : pki.files()) {
      (Files.exists(file) ? present : missing).add(file);
    }
    if (missing.isEmpty()) {
      for (Path key : pki.keys()) {
        SecureFiles.checkPrivate(key);
      }
      return pki;
    }
    if (!present.isEmpty()) {
      throw new IOException("pki: " + dir + " holds only part of the generated PKI (missing " + missing
          + "); refusing to overwrite the rest. Restore the missing files, or move the directory away to start anew");
    }
    pki.generate(serverNames);
    return pki;
  }

  private void generate(List<String> serverNames) throws IOException {
    Instant now = Instant.now();
    Instant from = now.minus(Duration.ofHours(1)); // tolerate small clock skew between hosts
    Issued serverCa = CertificateIssuer.certificate("oneinfra-agent server CA").certificateAuthority()
        .validity(from, now.plus(CA_LIFETIME)).issue();
    CertificateIssuer serverSpec = CertificateIssuer.certificate(serverNames.isEmpty() ? "oneinfra-agent"
        : serverNames.get(0)).serverAuth().signedBy(serverCa).validity(from, now.plus(LEAF_LIFETIME));
    serverNames.forEach(serverSpec::subjectAltName);
    Issued server = serverSpec.issue();
    Issued clientCa = CertificateIssuer.certificate("oneinfra-agent client CA").certificateAuthority()
        .validity(from, now.plus(CA_LIFETIME)).issue();
    Issued client = CertificateIssuer.certificate(CLIENT_COMMON_NAME).clientAuth().signedBy(clientCa)
        .validity(from, now.plus(LEAF_LIFETIME)).issue();
    // keys before certificates: a crash part-way leaves an incomplete set, which start-up refuses loudly
    for (var entry : List.of(
        new Pending(serverCaKey(), serverCa.privateKeyPem(), true),
        new Pending(clientCaKey(), clientCa.privateKeyPem(), true),
        new Pending(serverKey(), server.privateKeyPem(), true),
        new Pending(clientKey(), client.privateKeyPem(), true),
        new Pending(serverCaCertificate(), serverCa.certificatePem(), false),
        new Pending(clientCaCertificate(), clientCa.certificatePem(), false),
        new Pending(clientCertificate(), client.certificatePem(), false),
        new Pending(serverCertificate(), server.certificatePem(), false))) {
      SecureFiles.writeAtomically(entry.file(), entry.content(), entry.secret());
    }
    LOG.info("generated a new PKI in {} (server names {})", dir, serverNames);
  }

  private record Pending(Path file, String content, boolean secret) {}

  /** The proxy's TLS material: the server chain and key, and the client CA. */
  public TlsMaterial tlsMaterial() throws IOException {
    return TlsMaterial.load(serverCertificate(), serverKey(), clientCaCertificate());
  }
}
