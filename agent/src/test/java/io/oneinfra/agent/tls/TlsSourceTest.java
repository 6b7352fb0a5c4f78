package io.oneinfra.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.identity.HypervisorIdentity;
import io.oneinfra.agent.identity.PortRange;
import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.GeneratedPki;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.proxy.Pem;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsSourceTest {
  private static final String PRIVATE = "rw-------";

  @TempDir
  Path tmp;

  private static HypervisorIdentity identity() throws Exception {
    return new HypervisorIdentity("hv-1.example", InetAddress.getByName("10.0.0.7"), false,
        new PortRange(30000, 32767));
  }

  private AgentConfig generateConfig() {
    return new AgentConfig(tmp.resolve("state"), null, null, null, null, null, null, null, null);
  }

  private static List<String> sans(X509Certificate certificate) throws Exception {
    List<String> names = new ArrayList<>();
    Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
    for (List<?> san : sans) {
      String name = String.valueOf(san.get(1));
      // the JDK spells IP SANs in full (0:0:0:0:0:0:0:1); compare addresses
      names.add((Integer) san.get(0) == 7 ? InetAddress.getByName(name).getHostAddress() : name);
    }
    return names;
  }

  private Path write(String name, String content, String mode) throws Exception {
    Path file = tmp.resolve(name);
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    return file;
  }

  private static AgentConfig filesConfig(Path certificate, Path key, Path clientCa, Path clientCertificate,
      Path clientKey) {
    return new AgentConfig(null, null, new AgentConfig.Tls(AgentConfig.Tls.Mode.FILES, null, null, null, certificate,
        key, clientCa, clientCertificate, clientKey, null), null, null, null, null, null, null);
  }

  // --- generate mode

  @Test
  void generateModeCreatesThePkiInTheStateDirectory() throws Exception {
    TlsSource source = new TlsSource(generateConfig());
    source.load(identity(), Instant.now(), false);
    assertThat(source.pkiDir()).isEqualTo(tmp.resolve("state").resolve("pki"));
    GeneratedPki pki = new GeneratedPki(source.pkiDir());
    assertThat(List.of(pki.serverCaCertificate(), pki.serverCaKey(), pki.serverCertificate(), pki.serverKey(),
        pki.clientCaCertificate(), pki.clientCaKey(), pki.clientCertificate(), pki.clientKey()))
        .allSatisfy(file -> assertThat(file).isRegularFile());
  }

  @Test
  void generateModePublishesTheServerCa() throws Exception {
    TlsSource source = new TlsSource(generateConfig());
    TlsState state = source.load(identity(), Instant.now(), false);
    assertThat(state.serverCaPem())
        .contains(Files.readString(new GeneratedPki(source.pkiDir()).serverCaCertificate()));
  }

  @Test
  void generateModePublishesTheClientCertificateAndKey() throws Exception {
    TlsSource source = new TlsSource(generateConfig());
    TlsState state = source.load(identity(), Instant.now(), false);
    GeneratedPki pki = new GeneratedPki(source.pkiDir());
    assertThat(state.client()).hasValueSatisfying(client -> {
      assertThat(client.certificate()).isEqualTo(readString(pki.clientCertificate()));
      assertThat(client.privateKey()).isEqualTo(readString(pki.clientKey()));
    });
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void generateModeServerCertificateNamesTheIdentityAndLoopback() throws Exception {
    TlsState state = new TlsSource(generateConfig()).load(identity(), Instant.now(), false);
    assertThat(sans(state.material().serverCertificate()))
        .contains("10.0.0.7", "hv-1.example", "localhost", "127.0.0.1", "0:0:0:0:0:0:0:1");
  }

  @Test
  void generateModeServerCertificateChainsToThePublishedCa() throws Exception {
    TlsState state = new TlsSource(generateConfig()).load(identity(), Instant.now(), false);
    X509Certificate ca = Pem.parseCertificates("server CA", state.serverCaPem().orElseThrow()).get(0);
    state.material().serverCertificate().verify(ca.getPublicKey());
  }

  @Test
  void generateModeClientCertificateChainsToTheProxysClientCa() throws Exception {
    TlsState state = new TlsSource(generateConfig()).load(identity(), Instant.now(), false);
    X509Certificate client = Pem.parseCertificates("client", state.client().orElseThrow().certificate()).get(0);
    assertThat(state.material().clientCas()).hasSize(1);
    client.verify(state.material().clientCas().get(0).getPublicKey());
  }

  @Test
  void generateModeReportsTheExpiryOfEveryCertificate() throws Exception {
    TlsState state = new TlsSource(generateConfig()).load(identity(), Instant.now(), false);
    assertThat(state.certificates()).containsOnlyKeys("server", "server_ca", "client_ca", "client");
    assertThat(state.certificates().get("server")).isEqualTo(state.material().serverCertificate());
  }

  @Test
  void generateModeKeepsTheServerCertificateOnASecondLoad() throws Exception {
    TlsSource source = new TlsSource(generateConfig());
    X509Certificate first = source.load(identity(), Instant.now(), false).material().serverCertificate();
    X509Certificate second = source.load(identity(), Instant.now(), false).material().serverCertificate();
    assertThat(second).isEqualTo(first);
  }

  @Test
  void forcedRotationIssuesANewServerCertificate() throws Exception {
    TlsSource source = new TlsSource(generateConfig());
    TlsState first = source.load(identity(), Instant.now(), false);
    TlsState rotated = source.load(identity(), Instant.now(), true);
    assertThat(rotated.material().serverCertificate()).isNotEqualTo(first.material().serverCertificate());
    assertThat(rotated.material().privateKey()).isNotEqualTo(first.material().privateKey());
  }

  @Test
  void forcedRotationKeepsTheCas() throws Exception {
    TlsSource source = new TlsSource(generateConfig());
    TlsState first = source.load(identity(), Instant.now(), false);
    TlsState rotated = source.load(identity(), Instant.now(), true);
    assertThat(rotated.serverCaPem()).isEqualTo(first.serverCaPem());
    assertThat(rotated.material().clientCas()).isEqualTo(first.material().clientCas());
    assertThat(rotated.client()).isEqualTo(first.client());
  }

  @Test
  void aNewIpAddressReissuesTheServerCertificate() throws Exception {
    TlsSource source = new TlsSource(generateConfig());
    TlsState first = source.load(identity(), Instant.now(), false);
    HypervisorIdentity moved = new HypervisorIdentity("hv-1.example", InetAddress.getByName("10.0.0.8"), false,
        new PortRange(30000, 32767));
    TlsState second = source.load(moved, Instant.now(), false);
    assertThat(second.material().serverCertificate()).isNotEqualTo(first.material().serverCertificate());
    assertThat(sans(second.material().serverCertificate())).contains("10.0.0.8");
  }

  @Test
  void serverNamesAddConfiguredExtrasOnceAfterTheIdentityAndLoopback() throws Exception {
    AgentConfig config = new AgentConfig(tmp, null, new AgentConfig.Tls(null, null,
        List.of("cri.example", "localhost", "10.0.0.7", "cri.example"), null, null, null, null, null, null, null),
        null, null, null, null, null, null);
    assertThat(new TlsSource(config).serverNames(identity()))
        .containsExactly("10.0.0.7", "hv-1.example", "localhost", "127.0.0.1", "::1", "cri.example");
  }

  // --- files mode

  @Test
  void filesModeRefusesAServerKeyReadableByOthersNamingTheFileAndMode() throws Exception {
    Issued ca = CertificateIssuer.certificate("files CA").certificateAuthority().issue();
    Issued server = CertificateIssuer.certificate("server").serverAuth().subjectAltName("10.0.0.7").signedBy(ca)
        .issue();
    Path certificate = write("server.crt", server.certificatePem(), "rw-r--r--");
    Path key = write("server.key", server.privateKeyPem(), "rw-r--r--");
    Path clientCa = write("client-ca.crt", ca.certificatePem(), "rw-r--r--");
    TlsSource source = new TlsSource(filesConfig(certificate, key, clientCa, null, null));
    assertThatIOException().isThrownBy(() -> source.load(identity(), Instant.now(), false))
        .withMessageContaining(key.toString()).withMessageContaining("0644");
  }

  @Test
  void filesModeRefusesAClientKeyReadableByOthersNamingTheFile() throws Exception {
    Issued ca = CertificateIssuer.certificate("files CA").certificateAuthority().issue();
    Issued server = CertificateIssuer.certificate("server").serverAuth().signedBy(ca).issue();
    Issued client = CertificateIssuer.certificate("oneinfra-client").clientAuth().signedBy(ca).issue();
    Path clientKey = write("client.key", client.privateKeyPem(), "rw-r--r--");
    TlsSource source = new TlsSource(filesConfig(write("server.crt", server.certificatePem(), "rw-r--r--"),
        write("server.key", server.privateKeyPem(), PRIVATE), write("client-ca.crt", ca.certificatePem(), "rw-r--r--"),
        write("client.crt", client.certificatePem(), "rw-r--r--"), clientKey));
    assertThatIOException().isThrownBy(() -> source.load(identity(), Instant.now(), false))
        .withMessageContaining(clientKey.toString()).withMessageContaining("0644");
  }

  @Test
  void configRefusesAClientCertificateWithoutItsKeyNamingBothKeys() {
    Path file = tmp.resolve("any");
    assertThatIllegalArgumentException().isThrownBy(() -> new AgentConfig.Tls(AgentConfig.Tls.Mode.FILES, null,
        null, null, file, file, file, file, null, null))
        .withMessageContaining("tls.clientCertificate").withMessageContaining("tls.clientPrivateKey");
  }

  @Test
  void configRefusesAClientKeyWithoutItsCertificateNamingBothKeys() {
    Path file = tmp.resolve("any");
    assertThatIllegalArgumentException().isThrownBy(() -> new AgentConfig.Tls(AgentConfig.Tls.Mode.FILES, null,
        null, null, file, file, file, null, file, null))
        .withMessageContaining("tls.clientCertificate").withMessageContaining("tls.clientPrivateKey");
  }

  @Test
  void filesModePublishesTheLastCertificateOfTheChainWhenItIsACa() throws Exception {
    Issued ca = CertificateIssuer.certificate("files CA").certificateAuthority().issue();
    Issued server = CertificateIssuer.certificate("server").serverAuth().subjectAltName("10.0.0.7").signedBy(ca)
        .issue();
    TlsSource source = new TlsSource(filesConfig(
        write("chain.crt", server.certificatePem() + ca.certificatePem(), "rw-r--r--"),
        write("server.key", server.privateKeyPem(), PRIVATE), write("client-ca.crt", ca.certificatePem(), "rw-r--r--"),
        null, null));
    TlsState state = source.load(identity(), Instant.now(), false);
    assertThat(state.serverCaPem()).contains(ca.certificatePem());
    assertThat(state.certificates()).containsEntry("server_ca", ca.certificate());
  }

  @Test
  void filesModePublishesNoServerCaWhenTheChainIsOnlyTheLeaf() throws Exception {
    Issued ca = CertificateIssuer.certificate("files CA").certificateAuthority().issue();
    Issued server = CertificateIssuer.certificate("server").serverAuth().signedBy(ca).issue();
    TlsSource source = leafOnlySource(ca, server);
    TlsState state = source.load(identity(), Instant.now(), false);
    assertThat(state.serverCaPem()).isEmpty();
    assertThat(state.certificates()).containsOnlyKeys("server", "client_ca");
  }

  @Test
  void filesModeWithoutAClientCertificatePublishesNone() throws Exception {
    Issued ca = CertificateIssuer.certificate("files CA").certificateAuthority().issue();
    Issued server = CertificateIssuer.certificate("server").serverAuth().signedBy(ca).issue();
    TlsSource source = leafOnlySource(ca, server);
    assertThat(source.load(identity(), Instant.now(), false).client()).isEmpty();
  }

  @Test
  void filesModePublishesTheConfiguredClientCertificateAndKey() throws Exception {
    Issued ca = CertificateIssuer.certificate("files CA").certificateAuthority().issue();
    Issued server = CertificateIssuer.certificate("server").serverAuth().signedBy(ca).issue();
    Issued client = CertificateIssuer.certificate("oneinfra-client").clientAuth().signedBy(ca).issue();
    TlsSource source = new TlsSource(filesConfig(write("server.crt", server.certificatePem(), "rw-r--r--"),
        write("server.key", server.privateKeyPem(), PRIVATE), write("client-ca.crt", ca.certificatePem(), "rw-r--r--"),
        write("client.crt", client.certificatePem(), "rw-r--r--"), write("client.key", client.privateKeyPem(),
            PRIVATE)));
    TlsState state = source.load(identity(), Instant.now(), false);
    assertThat(state.client()).hasValueSatisfying(published -> {
      assertThat(published.certificate()).isEqualTo(client.certificatePem());
      assertThat(published.privateKey()).isEqualTo(client.privateKeyPem());
    });
    assertThat(state.certificates()).containsEntry("client", client.certificate());
  }

  @Test
  void filesModeServesTheConfiguredMaterial() throws Exception {
    Issued ca = CertificateIssuer.certificate("files CA").certificateAuthority().issue();
    Issued server = CertificateIssuer.certificate("server").serverAuth().signedBy(ca).issue();
    TlsSource source = leafOnlySource(ca, server);
    TlsState state = source.load(identity(), Instant.now(), false);
    assertThat(state.material().serverCertificate()).isEqualTo(server.certificate());
    assertThat(state.material().privateKey().getEncoded()).isEqualTo(server.privateKey().getEncoded());
    assertThat(state.material().clientCas()).containsExactly(ca.certificate());
  }

  /** Files mode with a chain of only the leaf, its key and the CA as client CA; no client certificate. */
  private TlsSource leafOnlySource(Issued ca, Issued server) throws Exception {
    return new TlsSource(filesConfig(write("server.crt", server.certificatePem(), "rw-r--r--"),
        write("server.key", server.privateKeyPem(), PRIVATE), write("client-ca.crt", ca.certificatePem(), "rw-r--r--"),
        null, null));
  }
}
