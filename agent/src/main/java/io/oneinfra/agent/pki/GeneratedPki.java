package io.oneinfra.agent.pki;

import io.oneinfra.proxy.KeyMatch;
import io.oneinfra.proxy.Pem;
import io.oneinfra.proxy.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's own PKI in the state directory: a server CA and server certificate for the proxy, a client CA and one
 * client certificate for the controller.
 *
 * <p>The CAs and the client certificate are created once and never overwritten; a directory holding only some of
 * them is refused. The server certificate is disposable: it is re-issued from the server CA whenever it is missing,
 * does not match its key, lacks a required name, or has passed two thirds of its lifetime.
 *
 * @param dir the directory (mode 0700) holding the files below; keys are mode 0600
 */
public record GeneratedPki(Path dir) {
  private static final Logger LOG = LoggerFactory.getLogger(GeneratedPki.class);
  private static final Duration CA_LIFETIME = Duration.ofDays(3650);
  private static final Duration CLIENT_LIFETIME = Duration.ofDays(3650);
  private static final Duration BACKDATE = Duration.ofHours(1); // tolerate small clock skew between hosts
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

  private List<Path> lastingFiles() {
    return List.of(serverCaCertificate(), serverCaKey(), clientCaCertificate(), clientCaKey(), clientCertificate(),
        clientKey());
  }

  /**
   * Loads the PKI in {@code dir}, or creates its CAs and client certificate when the directory holds none of them.
   * Call {@link #ensureServerCertificate} next.
   *
   * @throws IOException when only some files exist, a key is accessible by others, or a file cannot be written
   */
  public static GeneratedPki loadOrCreate(Path dir, KeyType keyType) throws IOException {
    GeneratedPki pki = new GeneratedPki(dir);
    SecureFiles.createPrivateDirectory(dir);
    List<Path> present = new ArrayList<>();
    List<Path> missing = new ArrayList<>();
    for (Path file : pki.lastingFiles()) {
      (Files.exists(file) ? present : missing).add(file);
    }
    if (!missing.isEmpty() && !present.isEmpty()) {
      throw new IOException("pki: " + dir + " holds only part of the generated PKI (missing " + missing
          + "); refusing to overwrite the rest. Restore the missing files, or move the directory away to start anew");
    }
    if (missing.isEmpty()) {
      pki.checkLasting();
    } else {
      pki.createLasting(keyType);
    }
    return pki;
  }

  /** Every lasting key is private, readable, and belongs to its certificate; errors name the file. */
  private void checkLasting() throws IOException {
    List<Path[]> pairs = List.of(new Path[] {serverCaCertificate(), serverCaKey()},
        new Path[] {clientCaCertificate(), clientCaKey()}, new Path[] {clientCertificate(), clientKey()});
    for (Path[] pair : pairs) {
      SecureFiles.checkPrivate(pair[1]);
      X509Certificate certificate = Pem.readCertificates(pair[0]).get(0);
      PrivateKey key = Pem.readPrivateKey(pair[1]);
      if (!KeyMatch.matches(certificate, key)) {
        throw new IOException("pki: " + pair[1] + " does not belong to " + pair[0]
            + "; restore the pair from a backup, or move " + dir + " away to start anew");
      }
    }
  }

  private void createLasting(KeyType keyType) throws IOException {
    Instant now = Instant.now();
    Issued serverCa = CertificateIssuer.certificate("oneinfra-agent server CA").certificateAuthority()
        .keyType(keyType).validity(now.minus(BACKDATE), now.plus(CA_LIFETIME)).issue();
    Issued clientCa = CertificateIssuer.certificate("oneinfra-agent client CA").certificateAuthority()
        .keyType(keyType).validity(now.minus(BACKDATE), now.plus(CA_LIFETIME)).issue();
    Issued client = CertificateIssuer.certificate(CLIENT_COMMON_NAME).clientAuth().signedBy(clientCa)
        .keyType(keyType).validity(now.minus(BACKDATE), now.plus(CLIENT_LIFETIME)).issue();
    // keys before certificates: a crash part-way leaves an incomplete set, which start-up refuses loudly
    SecureFiles.writeAtomically(serverCaKey(), serverCa.privateKeyPem(), true);
    SecureFiles.writeAtomically(clientCaKey(), clientCa.privateKeyPem(), true);
    SecureFiles.writeAtomically(clientKey(), client.privateKeyPem(), true);
    SecureFiles.writeAtomically(serverCaCertificate(), serverCa.certificatePem(), false);
    SecureFiles.writeAtomically(clientCaCertificate(), clientCa.certificatePem(), false);
    SecureFiles.writeAtomically(clientCertificate(), client.certificatePem(), false);
    LOG.info("generated a new server CA, client CA and controller client certificate in {}", dir);
  }

  /**
   * Re-issues the server certificate from the server CA when it is missing, unusable, lacks one of {@code names}, or
   * is past two thirds of its lifetime.
   *
   * @return why it was re-issued, or empty when the current one is kept
   */
  public Optional<String> ensureServerCertificate(List<String> names, Duration lifetime, Instant now)
      throws IOException {
    Optional<String> reason = reissueReason(names, now);
    if (reason.isPresent()) {
      issueServerCertificate(names, lifetime, now);
      LOG.info("issued a new server certificate for {} ({})", names, reason.get());
    }
    return reason;
  }

  private Optional<String> reissueReason(List<String> names, Instant now) throws IOException {
    if (!Files.exists(serverCertificate()) || !Files.exists(serverKey())) {
      return Optional.of("none yet");
    }
    SecureFiles.checkPrivate(serverKey());
    X509Certificate current;
    PrivateKey key;
    try {
      current = Pem.readCertificates(serverCertificate()).get(0);
      key = Pem.readPrivateKey(serverKey());
    } catch (IOException e) {
      return Optional.of("the current one is unreadable: " + e.getMessage());
    }
    if (!KeyMatch.matches(current, key)) {
      return Optional.of("certificate and key do not match");
    }
    Set<String> missing = new HashSet<>(lowerCase(names));
    missing.removeAll(subjectAltNames(current));
    if (!missing.isEmpty()) {
      return Optional.of("it lacks " + missing);
    }
    if (!now.isBefore(rotationTime(current))) {
      return Optional.of("two thirds of its lifetime have passed");
    }
    return Optional.empty();
  }

  private void issueServerCertificate(List<String> names, Duration lifetime, Instant now) throws IOException {
    X509Certificate caCertificate = Pem.readCertificates(serverCaCertificate()).get(0);
    Issued serverCa = new Issued(caCertificate,
        new KeyPair(caCertificate.getPublicKey(), Pem.readPrivateKey(serverCaKey())));
    KeyType keyType = KeyType.of(serverCa.privateKey());
    CertificateIssuer spec = CertificateIssuer.certificate(names.isEmpty() ? "oneinfra-agent" : names.get(0))
        .serverAuth().signedBy(serverCa).keyType(keyType).validity(now.minus(BACKDATE), now.plus(lifetime));
    names.forEach(spec::subjectAltName);
    Issued server = spec.issue();
    // a crash between these two leaves a mismatched pair, which the next start detects and re-issues
    SecureFiles.writeAtomically(serverKey(), server.privateKeyPem(), true);
    SecureFiles.writeAtomically(serverCertificate(), server.certificatePem(), false);
  }

  /** When a certificate is due for re-issue: two thirds into its validity. */
  public static Instant rotationTime(X509Certificate certificate) {
    Instant from = certificate.getNotBefore().toInstant();
    Instant until = certificate.getNotAfter().toInstant();
    return from.plus(Duration.between(from, until).multipliedBy(2).dividedBy(3));
  }

  /** The proxy's TLS material: the server chain and key, and the client CA. */
  public TlsMaterial tlsMaterial() throws IOException {
    return TlsMaterial.load(serverCertificate(), serverKey(), clientCaCertificate());
  }

  private static Set<String> subjectAltNames(X509Certificate certificate) {
    Set<String> names = new HashSet<>();
    try {
      Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          names.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
        }
      }
    } catch (CertificateParsingException e) {
      // unreadable SANs count as missing, which re-issues
    }
    return normalisedIps(names);
  }

  private static Set<String> lowerCase(List<String> names) {
    Set<String> out = new HashSet<>();
    names.forEach(n -> out.add(n.toLowerCase(Locale.ROOT)));
    return normalisedIps(out);
  }

  // the JDK prints IPv6 SANs in full form (0:0:0:0:0:0:0:1); compare addresses, not spellings
  private static Set<String> normalisedIps(Set<String> names) {
    Set<String> out = new HashSet<>();
    for (String name : names) {
      if (name.indexOf(':') >= 0) {
        try {
          out.add(java.net.InetAddress.getByName(name).getHostAddress());
          continue;
        } catch (java.net.UnknownHostException e) {
          // not an address after all; keep the text
        }
      }
      out.add(name);
    }
    return out;
  }
}
