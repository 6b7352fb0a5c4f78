package io.oneinfra.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.oneinfra.proxy.Address;
import io.oneinfra.proxy.PreAuthLimits;
import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.proxy.Transport;
import io.oneinfra.proxy.cri.CriSettings;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.ThrowableAssertAlternative;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
  private final ConfigLoader loader = new ConfigLoader();

  @TempDir
  Path dir;

  private AgentConfig parse(String yaml) throws ConfigException {
    return loader.parse("test.yaml", new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
  }

  private ThrowableAssertAlternative<ConfigException> assertRejected(String yaml) {
    return assertThatExceptionOfType(ConfigException.class).isThrownBy(() -> parse(yaml));
  }

  @Test
  void embeddedDefaultLoads() throws Exception {
    AgentConfig config = loader.loadEmbeddedDefault();
    ProxySettings settings = config.proxy().settings();

    assertThat(config.stateDir()).isEqualTo(Path.of("state"));
    assertThat(settings.listen()).isEqualTo(new Address.Tcp("127.0.0.1", 7443));
    assertThat(settings.backend()).isEqualTo(new Address.Unix(Path.of("/run/containerd/containerd.sock")));
    assertThat(config.tls().mode()).isEqualTo(AgentConfig.Tls.Mode.GENERATE);
    assertThat(config.tls().serverNames()).containsExactly("127.0.0.1", "localhost", "::1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"---\n", "~\n", "--- ~\n"})
  void emptyDocumentGivesDefaults(String yaml) throws Exception {
    AgentConfig config = parse(yaml);
    ProxySettings settings = config.proxy().settings();

    assertThat(config.stateDir()).isEqualTo(Path.of("/var/lib/oneinfra-agent"));
    assertThat(settings.listen()).isEqualTo(new Address.Tcp("0.0.0.0", 7443));
    assertThat(settings.backend()).isEqualTo(new Address.Unix(Path.of("/run/containerd/containerd.sock")));
    assertThat(settings.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.tls().mode()).isEqualTo(AgentConfig.Tls.Mode.GENERATE);
    assertThat(config.tls().serverNames()).isEmpty();
  }

  @Test
  void statusDefaultsToLoopbackWithJmxOffAndReadsEveryKey() throws Exception {
    AgentConfig.Status defaults = parse("---\n").status();
    AgentConfig.Status set = parse("""
        status:
          enabled: false
          listen: 127.0.0.1:9000
          criCheckInterval: 2s
          jmx: true
        """).status();

    assertThat(defaults).isEqualTo(new AgentConfig.Status(true, new Address.Tcp("127.0.0.1", 7444),
        Duration.ofSeconds(5), false));
    assertThat(set).isEqualTo(new AgentConfig.Status(false, new Address.Tcp("127.0.0.1", 9000),
        Duration.ofSeconds(2), true));
  }

  @Test
  void readsEveryProxyKey() throws Exception {
    ProxySettings s = parse("""
        proxy:
          listen: "[::1]:9443"
          backend: 127.0.0.1:10010
          maxConnections: 12
          handshakeTimeout: 2s
          connectTimeout: 500ms
          idleTimeout: 5m
          maxLifetime: 1h
          drainTimeout: 0
          drainIdleGrace: 300ms
          transport: nio
          tlsProvider: jdk
          ioThreads: 3
          preauth:
            maxHandshakes: 40
            maxHandshakesPerSource: 4
            firstByteTimeout: 750ms
        """).proxy().settings();

    assertThat(s).isEqualTo(new ProxySettings(new Address.Tcp("::1", 9443), new Address.Tcp("127.0.0.1", 10010), 12,
        Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofMinutes(5), Duration.ofHours(1), Duration.ZERO,
        Duration.ofMillis(300), Transport.Preference.NIO, 3, ProxySettings.TlsProvider.JDK,
        new PreAuthLimits(40, 4, Duration.ofMillis(750)), ProxySettings.Mode.CRI, CriSettings.DEFAULTS));
  }

  @Test
  void thePreAuthenticationBudgetHasDocumentedDefaultsAndKeysMayBeSetAlone() throws Exception {
    assertThat(parse("stateDir: /tmp/x\n").proxy().settings().preAuth())
        .isEqualTo(new PreAuthLimits(256, 32, Duration.ofSeconds(2)));
    assertThat(parse("proxy:\n  preauth:\n    maxHandshakesPerSource: 8\n").proxy().settings().preAuth())
        .isEqualTo(new PreAuthLimits(256, 8, Duration.ofSeconds(2)));
  }

  @Test
  void rejectsAPreAuthenticationBudgetThatCannotWorkNamingTheKey() {
    assertRejected("proxy:\n  preauth:\n    maxHandshakes: 0\n")
        .withMessageContaining("proxy.preauth.maxHandshakes: 0 must be at least 1");
    assertRejected("proxy:\n  preauth:\n    maxHandshakes: 10\n    maxHandshakesPerSource: 20\n")
        .withMessageContaining("proxy.preauth.maxHandshakesPerSource: 20 must not exceed proxy.preauth.maxHandshakes");
    assertRejected("proxy:\n  preauth:\n    firstByteTimeout: 0\n")
        .withMessageContaining("proxy.preauth.firstByteTimeout");
    assertRejected("proxy:\n  preauth:\n    maxPending: 3\n")
        .withMessageContaining("unknown key 'proxy.preauth.maxPending'");
  }

  @Test
  void registrationDefaultsToFileAndReadsKubernetesSettings() throws Exception {
    assertThat(parse("stateDir: /tmp/x\n").registration().mode()).isEqualTo(AgentConfig.Registration.Mode.FILE);
    AgentConfig.Registration registration = parse("""
        registration:
          mode: kubernetes
          kubeconfig: /etc/oneinfra/kubeconfig
          renewInterval: 300ms
          firstSyncDelay: 0
        """).registration();
    assertThat(registration.kubeconfig()).hasToString("/etc/oneinfra/kubeconfig");
    assertThat(registration.namespace()).isEqualTo("oneinfra-system");
    assertThat(registration.leaseDurationSeconds()).isEqualTo(40);
    assertThat(registration.renewInterval()).hasMillis(300);
    assertThat(registration.resyncInterval()).hasMinutes(5);
    assertThat(registration.firstSyncDelay()).isZero();
    assertThat(registration.recreate()).isTrue();
  }

  @Test
  void kubernetesRegistrationDefaultsToTheKubeconfigJoinWritesInTheStateDir() throws Exception {
    AgentConfig config = parse("""
        stateDir: /var/lib/x
        registration:
          mode: kubernetes
        """);
    assertThat(config.registration().kubeconfig()).isNull();
    assertThat(config.registration().kubeconfigIn(config.stateDir())).hasToString("/var/lib/x/kubeconfig");
    assertThat(config.registration().certificateRenewal()).isTrue();
    assertThat(config.registration().renewalBackoffMax()).hasMinutes(5);
    assertThat(parse("""
        registration:
          mode: kubernetes
          kubeconfig: /etc/oneinfra/kubeconfig
        """).registration().kubeconfigIn(Path.of("/var/lib/x"))).hasToString("/etc/oneinfra/kubeconfig");
  }

  @Test
  void unknownTopLevelKeyNamesSourceLineKeyAndKnownKeys() {
    assertRejected("""
        stateDir: /tmp/x
        stateDirectory: /tmp/y
        """)
        .withMessageStartingWith("test.yaml:2: unknown key 'stateDirectory'")
        .withMessageContaining("known keys: access, cri, hypervisor, log, proxy, registration, stateDir, status, tls");
  }

  @Test
  void unknownNestedKeyNamesItsFullPathAndLine() {
    assertRejected("""
        stateDir: /tmp/x
        proxy:
          backend: unix:/run/x.sock
          listn: 127.0.0.1:1
        """)
        .withMessageStartingWith("test.yaml:4: unknown key 'proxy.listn'")
        .withMessageContaining("listen")
        .withMessageContaining("handshakeTimeout");
  }

  @Test
  void badDurationNamesLineAndKey() {
    assertRejected("""
        proxy:
          listen: 127.0.0.1:1
          handshakeTimeout: 10x
        """)
        .withMessageStartingWith("test.yaml:3:")
        .withMessageContaining("proxy.handshakeTimeout")
        .withMessageContaining("'10x' is not a duration");
  }

  @Test
  void durationWithoutUnitIsRejected() {
    assertRejected("proxy:\n  idleTimeout: 10\n")
        .withMessageStartingWith("test.yaml:2:")
        .withMessageContaining("proxy.idleTimeout")
        .withMessageContaining("'10' is not a duration");
  }

  @Test
  void badAddressNamesBackend() {
    assertRejected("""
        proxy:
          backend: unix:relative.sock
        """)
        .withMessageStartingWith("test.yaml:2:")
        .withMessageContaining("proxy.backend")
        .withMessageContaining("not absolute");
  }

  @Test
  void listenOnUnixSocketIsRejected() {
    assertRejected("proxy:\n  listen: unix:/run/x.sock\n")
        .withMessageStartingWith("test.yaml")
        .withMessageContaining("proxy.listen")
        .withMessageContaining("must be HOST:PORT");
  }

  @Test
  void invalidProxySettingIsRejectedAtLoad() {
    assertRejected("proxy:\n  maxConnections: 0\n")
        .withMessageStartingWith("test.yaml")
        .withMessageContaining("proxy.maxConnections");
  }

  @Test
  void nonNumericCountNamesKey() {
    assertRejected("proxy:\n  ioThreads: many\n")
        .withMessageStartingWith("test.yaml:2:")
        .withMessageContaining("proxy.ioThreads");
  }

  @ParameterizedTest
  @CsvSource({"500ms, PT0.5S", "10s, PT10S", "5m, PT5M", "1h, PT1H", "90d, PT2160H", "0, PT0S", "10S, PT10S",
      "' 7s ', PT7S"})
  void parsesDurations(String text, Duration expected) {
    assertThat(ConfigLoader.parseDuration(text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"10x", "10", "-1s", "1.5s", "s", "", "1w"})
  void rejectsMalformedDurations(String text) {
    assertThatIllegalArgumentException().isThrownBy(() -> ConfigLoader.parseDuration(text))
        .withMessageContaining("is not a duration");
  }

  @Test
  void durationsParseInYaml() throws Exception {
    ProxySettings s = parse("""
        proxy:
          handshakeTimeout: 500ms
          connectTimeout: 10s
          idleTimeout: 5m
          maxLifetime: 1h
          drainTimeout: 0
        """).proxy().settings();

    assertThat(List.of(s.handshakeTimeout(), s.connectTimeout(), s.idleTimeout(), s.maxLifetime(), s.drainTimeout()))
        .containsExactly(Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofHours(1),
            Duration.ZERO);
  }

  @Test
  void filesModeWithoutCertificateNamesIt() {
    assertRejected("""
        tls:
          mode: files
          privateKey: /etc/x.key
          clientCA: /etc/ca.crt
        """)
        .withMessageStartingWith("test.yaml")
        .withMessageContaining("tls.certificate: required when tls.mode is files");
  }

  @Test
  void filesModeWithAllFilesLoads() throws Exception {
    AgentConfig.Tls tls = parse("""
        tls:
          mode: FILES
          certificate: /etc/x.crt
          privateKey: /etc/x.key
          clientCA: /etc/ca.crt
        """).tls();

    assertThat(tls.mode()).isEqualTo(AgentConfig.Tls.Mode.FILES);
    assertThat(tls.certificate()).isEqualTo(Path.of("/etc/x.crt"));
    assertThat(tls.privateKey()).isEqualTo(Path.of("/etc/x.key"));
    assertThat(tls.clientCA()).isEqualTo(Path.of("/etc/ca.crt"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"NIO", "nio", "Nio"})
  void enumsAreCaseInsensitive(String value) throws Exception {
    assertThat(parse("proxy:\n  transport: " + value + "\n").proxy().settings().transport())
        .isEqualTo(Transport.Preference.NIO);
  }

  @Test
  void unknownEnumValueNamesKey() {
    assertRejected("proxy:\n  transport: kqueue\n")
        .withMessageStartingWith("test.yaml:2:")
        .withMessageContaining("proxy.transport");
  }

  @Test
  void loadReadsFileAndNamesItInErrors() throws Exception {
    Path file = Files.writeString(dir.resolve("agent.yaml"), "stateDir: /srv/agent\nproxy:\n  bogus: 1\n");

    assertThatExceptionOfType(ConfigException.class).isThrownBy(() -> loader.load(file))
        .withMessageStartingWith(file + ":")
        .withMessageContaining("unknown key 'proxy.bogus'");
  }

  @Test
  void loadReadsValidFile() throws Exception {
    Path file = Files.writeString(dir.resolve("agent.yaml"), "stateDir: /srv/agent\n");

    assertThat(loader.load(file).stateDir()).isEqualTo(Path.of("/srv/agent"));
  }

  @Test
  void missingFileIsNamed() {
    Path missing = dir.resolve("absent.yaml");

    assertThatExceptionOfType(ConfigException.class).isThrownBy(() -> loader.load(missing))
        .withMessageStartingWith(missing + ": cannot read");
  }

  @Test
  void malformedYamlNamesSourceAndLine() {
    assertRejected("proxy:\n  listen: [unclosed\n")
        .withMessageStartingWith("test.yaml:");
  }
}
