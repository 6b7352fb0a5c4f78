package io.oneinfra.agent.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

import io.oneinfra.proxy.KeyMatch;
import io.oneinfra.proxy.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratedPkiTest {
  private static final List<String> NAMES = List.of("10.0.0.7", "node-7.example", "::1");
  private static final Duration LIFETIME = Duration.ofDays(30);

  @TempDir
  Path tmp;

  private GeneratedPki created() throws Exception {
    GeneratedPki pki = GeneratedPki.loadOrCreate(tmp.resolve("pki"), KeyType.EC_P256);
    pki.ensureServerCertificate(NAMES, LIFETIME, Instant.now());
    return pki;
  }

  private static String mode(Path file) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }

  private static X509Certificate certificate(Path file) throws Exception {
    return Pem.readCertificates(file).get(0);
  }

  private static Map<Path, byte[]> contents(Path dir) throws Exception {
    Map<Path, byte[]> contents = new LinkedHashMap<>();
    try (var files = Files.list(dir)) {
      for (Path file : files.sorted().toList()) {
        contents.put(file, Files.readAllBytes(file));
      }
    }
    return contents;
  }

  @Test
  void createsAPrivateDirectoryWithPrivateKeysAndReadableCertificates() throws Exception {
    GeneratedPki pki = created();
    assertThat(mode(pki.dir())).isEqualTo("rwx------");
    for (Path key : List.of(pki.serverCaKey(), pki.serverKey(), pki.clientCaKey(), pki.clientKey())) {
      assertThat(mode(key)).as("%s", key).isEqualTo("rw-------");
    }
    assertThat(mode(pki.serverCertificate())).isEqualTo("rw-r--r--");
  }

  @Test
  void reusesEverythingOnTheNextStart() throws Exception {
    GeneratedPki first = created();
    Map<Path, byte[]> before = contents(first.dir());
    GeneratedPki again = GeneratedPki.loadOrCreate(first.dir(), KeyType.EC_P256);
    assertThat(again.ensureServerCertificate(NAMES, LIFETIME, Instant.now())).isEmpty();
    assertThat(contents(again.dir())).containsExactlyEntriesOf(before);
  }

  @Test
  void refusesAPartialSetNamingTheMissingFileAndOverwritesNothing() throws Exception {
    GeneratedPki pki = created();
    Files.delete(pki.clientCaKey());
    Map<Path, byte[]> before = contents(pki.dir());
    assertThatIOException().isThrownBy(() -> GeneratedPki.loadOrCreate(pki.dir(), KeyType.EC_P256))
        .withMessageContaining(pki.clientCaKey().toString()).withMessageContaining("refusing to overwrite");
    assertThat(contents(pki.dir())).containsExactlyEntriesOf(before);
  }

  @Test
  void refusesAKeyReadableByItsGroupNamingTheFileAndMode() throws Exception {
    GeneratedPki pki = created();
    Files.setPosixFilePermissions(pki.clientCaKey(), PosixFilePermissions.fromString("rw-r-----"));
    assertThatIOException().isThrownBy(() -> GeneratedPki.loadOrCreate(pki.dir(), KeyType.EC_P256))
        .withMessageContaining(pki.clientCaKey().toString()).withMessageContaining("mode 0640")
        .withMessageContaining("want 0600");
  }

  @Test
  void refusesACorruptedCaKeyNamingTheFileAndOverwritesNothing() throws Exception {
    GeneratedPki pki = created();
    Files.writeString(pki.serverCaKey(), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    Map<Path, byte[]> before = contents(pki.dir());
    assertThatIOException().isThrownBy(() -> GeneratedPki.loadOrCreate(pki.dir(), KeyType.EC_P256))
        .withMessageContaining(pki.serverCaKey().toString());
    assertThat(contents(pki.dir())).containsExactlyEntriesOf(before);
  }

  @Test
  void refusesACaKeyThatBelongsToAnotherCertificate() throws Exception {
    GeneratedPki pki = created();
    Files.writeString(pki.serverCaKey(), Files.readString(pki.clientCaKey()));
    assertThatIOException().isThrownBy(() -> GeneratedPki.loadOrCreate(pki.dir(), KeyType.EC_P256))
        .withMessageContaining(pki.serverCaKey() + " does not belong to " + pki.serverCaCertificate());
  }

  @Test
  void serverCertificateCarriesEveryNameAndServerAuthAndChainsToTheServerCa() throws Exception {
    GeneratedPki pki = created();
    X509Certificate server = certificate(pki.serverCertificate());
    assertThat(server.getSubjectAlternativeNames()).extracting(san -> String.valueOf(san.get(1)))
        .contains("10.0.0.7", "node-7.example");
    assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    server.verify(certificate(pki.serverCaCertificate()).getPublicKey());
    assertThat(KeyMatch.matches(server, Pem.readPrivateKey(pki.serverKey()))).isTrue();
  }

  @Test
  void clientCertificateIsOneinfraClientWithClientAuthFromTheClientCa() throws Exception {
    GeneratedPki pki = created();
    X509Certificate client = certificate(pki.clientCertificate());
    assertThat(client.getSubjectX500Principal().getName()).isEqualTo("CN=oneinfra-client");
    assertThat(client.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    client.verify(certificate(pki.clientCaCertificate()).getPublicKey());
  }

  @Test
  void reissuesTheServerCertificateWhenTheAddressChanges() throws Exception {
    GeneratedPki pki = created();
    byte[] before = Files.readAllBytes(pki.serverCertificate());
    List<String> moved = List.of("10.0.0.8", "node-7.example", "::1");
    assertThat(pki.ensureServerCertificate(moved, LIFETIME, Instant.now())).hasValueSatisfying(
        reason -> assertThat(reason).contains("10.0.0.8"));
    assertThat(Files.readAllBytes(pki.serverCertificate())).isNotEqualTo(before);
    assertThat(certificate(pki.serverCertificate()).getSubjectAlternativeNames())
        .extracting(san -> String.valueOf(san.get(1))).contains("10.0.0.8").doesNotContain("10.0.0.7");
  }

  @Test
  void reissuesTheServerCertificateAtTwoThirdsOfItsLifetimeAndNotBefore() throws Exception {
    GeneratedPki pki = created();
    Instant due = GeneratedPki.rotationTime(certificate(pki.serverCertificate()));
    assertThat(pki.ensureServerCertificate(NAMES, LIFETIME, due.minusSeconds(60))).isEmpty();
    assertThat(pki.ensureServerCertificate(NAMES, LIFETIME, due)).hasValueSatisfying(
        reason -> assertThat(reason).contains("two thirds"));
  }

  @Test
  void reissuesTheServerCertificateWhenItsKeyDoesNotMatch() throws Exception {
    GeneratedPki pki = created();
    Files.writeString(pki.serverKey(), Files.readString(pki.clientKey())); // same mode 0600, wrong key
    assertThat(pki.ensureServerCertificate(NAMES, LIFETIME, Instant.now())).hasValue(
        "certificate and key do not match");
    assertThat(KeyMatch.matches(certificate(pki.serverCertificate()), Pem.readPrivateKey(pki.serverKey()))).isTrue();
  }

  @Test
  void keepsCasAndClientWhenTheServerCertificateIsReissued() throws Exception {
    GeneratedPki pki = created();
    byte[] serverCa = Files.readAllBytes(pki.serverCaCertificate());
    byte[] client = Files.readAllBytes(pki.clientCertificate());
    Files.delete(pki.serverCertificate());
    assertThat(pki.ensureServerCertificate(NAMES, LIFETIME, Instant.now())).hasValue("none yet");
    assertThat(Files.readAllBytes(pki.serverCaCertificate())).isEqualTo(serverCa);
    assertThat(Files.readAllBytes(pki.clientCertificate())).isEqualTo(client);
  }

  @Test
  void rsaKeyTypeGeneratesRsaKeysThroughout() throws Exception {
    GeneratedPki pki = GeneratedPki.loadOrCreate(tmp.resolve("rsa"), KeyType.RSA_2048);
    pki.ensureServerCertificate(NAMES, LIFETIME, Instant.now());
    assertThat(Pem.readPrivateKey(pki.serverKey()).getAlgorithm()).isEqualTo("RSA");
    assertThat(Pem.readPrivateKey(pki.clientKey()).getAlgorithm()).isEqualTo("RSA");
  }

  @Test
  void tlsMaterialServesTheServerCertificateAndTrustsTheClientCa() throws Exception {
    GeneratedPki pki = created();
    var material = pki.tlsMaterial();
    assertThat(material.serverCertificate()).isEqualTo(certificate(pki.serverCertificate()));
    assertThat(material.clientCas()).containsExactly(certificate(pki.clientCaCertificate()));
  }
}
