package io.oneinfra.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.proxy.cri.CriMethods;
import io.oneinfra.proxy.cri.CriSettings;
import io.oneinfra.proxy.cri.MethodPolicy;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CriConfigTest {
  private static AgentConfig parse(String yaml) throws ConfigException {
    return new ConfigLoader().parse("agent.yaml", new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void defaultsToTheGatewayWithTheControllerProfileBridgingWhenNeededAndAuditingAll() throws Exception {
    AgentConfig config = parse("stateDir: /var/lib/x\n");
    assertThat(config.proxySettings().mode()).isEqualTo(ProxySettings.Mode.CRI);
    assertThat(config.proxySettings().cri()).isEqualTo(CriSettings.DEFAULTS);
    assertThat(config.cri().authorization().policy()).isEqualTo(MethodPolicy.CONTROLLER);
    assertThat(config.cri().audit().mode()).isEqualTo(CriConfig.AuditMode.ALL);
    assertThat(config.cri().audit().fileIn(config.stateDir()))
        .isEqualTo(Path.of("/var/lib/x/audit/cri-audit.log"));
    assertThat(parse("# nothing\n").proxySettings().mode()).isEqualTo(ProxySettings.Mode.CRI);
  }

  @Test
  void newInstallsRunTheGatewayWithTheControllerProfile() throws Exception {
    // the packaged /etc/oneinfra/agent.yaml and the embedded default
    for (AgentConfig config : new AgentConfig[] {
        new ConfigLoader().load(Path.of("../packaging/src/main/packaging/config/agent.yaml")),
        new ConfigLoader().loadEmbeddedDefault()}) {
      assertThat(config.proxySettings().mode()).isEqualTo(ProxySettings.Mode.CRI);
      assertThat(config.proxySettings().cri().bridge()).isEqualTo(CriSettings.Bridge.AUTO);
      assertThat(config.cri().authorization().policy()).isEqualTo(MethodPolicy.CONTROLLER);
      assertThat(config.cri().audit().mode()).isEqualTo(CriConfig.AuditMode.ALL);
    }
  }

  @Test
  void readsEveryKey() throws Exception {
    AgentConfig config = parse("""
        proxy:
          mode: l4
        cri:
          bridge: always
          maxConcurrentStreams: 64
          maxHeaderListSize: 32KiB
          maxMessageSize: 4MiB
          maxPingsPerMinute: 30
          authorization:
            profile: read-only
            allow:
              - methods: [ExecSync, Exec]
                clients:
                  commonNames: [oneinfra-debug]
                  spkiSha256: ["AB:CD"]
            deny:
              - methods: ["*"]
                clients:
                  organizationalUnits: [untrusted]
          audit:
            mode: denied-only
            file: /var/log/oneinfra-agent/audit.log
            maxFileSize: 1MiB
            maxFiles: 3
            journald: true
        """);
    assertThat(config.proxySettings().mode()).isEqualTo(ProxySettings.Mode.L4);
    assertThat(config.proxySettings().cri()).isEqualTo(new CriSettings(CriSettings.Bridge.ALWAYS, 64, 32 * 1024,
        4 << 20, 30));
    MethodPolicy policy = config.cri().authorization().policy();
    assertThat(policy.profile()).isEqualTo(CriMethods.Profile.READ_ONLY);
    assertThat(policy.allow()).singleElement().satisfies(rule -> {
      assertThat(rule.name()).isEqualTo("cri.authorization.allow[0]");
      assertThat(rule.methods()).containsExactlyInAnyOrder("ExecSync", "Exec");
      assertThat(rule.clients().commonNames()).containsExactly("oneinfra-debug");
      assertThat(rule.clients().spkiSha256()).containsExactly("abcd");
    });
    assertThat(policy.deny()).singleElement().satisfies(rule ->
        assertThat(rule.clients().organizationalUnits()).containsExactly("untrusted"));
    CriConfig.Audit audit = config.cri().audit();
    assertThat(audit).isEqualTo(new CriConfig.Audit(CriConfig.AuditMode.DENIED_ONLY,
        Path.of("/var/log/oneinfra-agent/audit.log"), new DataSize(1 << 20), 3, true));
  }

  @Test
  void aMisspeltMethodNamesTheRuleAndTheKnownMethods() {
    assertThatThrownBy(() -> parse("""
        cri:
          authorization:
            deny:
              - methods: [Version]
              - methods: [ExecSnyc]
        """)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("agent.yaml")
        .hasMessageContaining("cri.authorization.deny[1].methods: 'ExecSnyc' is not a CRI method")
        .hasMessageContaining("ExecSync");
  }

  @Test
  void anUnknownProfileSaysWhichAreKnown() {
    assertThatThrownBy(() -> parse("cri:\n  authorization:\n    profile: admin\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("agent.yaml:3")
        .hasMessageContaining("cri.authorization.profile: 'admin' is not a profile; want one of [controller, "
            + "read-only, all, none]");
  }

  @Test
  void aRuleWithoutMethodsIsRefused() {
    assertThatThrownBy(() -> parse("cri:\n  authorization:\n    allow:\n      - clients: {commonNames: [x]}\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("a rule needs methods");
  }

  @Test
  void limitsAreChecked() {
    assertThatThrownBy(() -> parse("cri:\n  maxConcurrentStreams: 0\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cri.maxConcurrentStreams: 0 must be at least 1");
    assertThatThrownBy(() -> parse("cri:\n  maxMessageSize: 4GiB\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cri.maxMessageSize: 4294967296 bytes is more than the most allowed");
    assertThatThrownBy(() -> parse("cri:\n  maxHeaderListSize: lots\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cri.maxHeaderListSize: 'lots' is not a size");
    assertThatThrownBy(() -> parse("cri:\n  audit:\n    maxFiles: 0\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cri.audit.maxFiles: 0 must be at least 1");
    assertThatThrownBy(() -> parse("cri:\n  audit:\n    mode: some\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cri.audit.mode");
    assertThatThrownBy(() -> parse("proxy:\n  mode: tcp\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("proxy.mode");
  }

  @Test
  void sizesReadBinaryUnits() {
    assertThat(DataSize.parse("16MiB").bytes()).isEqualTo(16L << 20);
    assertThat(DataSize.parse("64 kib").bytes()).isEqualTo(64L << 10);
    assertThat(DataSize.parse("2GB").bytes()).isEqualTo(2L << 30);
    assertThat(DataSize.parse("1234").bytes()).isEqualTo(1234);
    assertThat(new DataSize(16 << 20)).hasToString("16MiB");
    assertThat(new DataSize(3 << 10)).hasToString("3KiB");
    assertThat(new DataSize(1000)).hasToString("1000B");
    assertThatThrownBy(() -> DataSize.parse("-1")).hasMessageContaining("is not a size");
    assertThatThrownBy(() -> DataSize.parse("99999999999999GiB")).hasMessageContaining("too large");
  }
}
