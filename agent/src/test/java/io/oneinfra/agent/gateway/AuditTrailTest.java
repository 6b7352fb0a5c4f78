package io.oneinfra.agent.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import io.oneinfra.agent.config.CriConfig;
import io.oneinfra.agent.config.DataSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditTrailTest {
  @TempDir
  Path tmp;

  private static CriConfig.Audit audit(CriConfig.AuditMode mode) {
    return new CriConfig.Audit(mode, null, null, null, null);
  }

  @Test
  void writesEveryCallInAllMode() throws Exception {
    MetricRegistry metrics = new MetricRegistry();
    AuditTrail trail = AuditTrail.open(audit(CriConfig.AuditMode.ALL), tmp, metrics);
    trail.ended(Records.allowed("Version", 0, Map.of()));
    trail.ended(Records.denied("ExecSync"));
    trail.close();
    assertThat(Files.readAllLines(tmp.resolve("audit/cri-audit.log"))).hasSize(2);
    assertThat(metrics.meter("cri.audit.records").getCount()).isEqualTo(2);
    assertThat(metrics.meter("cri.audit.dropped").getCount()).isZero();
  }

  @Test
  void deniedOnlySkipsAllowedCallsAndTheModeSwitchesAtRunTime() throws Exception {
    AuditTrail trail = AuditTrail.open(audit(CriConfig.AuditMode.DENIED_ONLY), tmp, new MetricRegistry());
    trail.ended(Records.allowed("Version", 0, Map.of()));
    trail.ended(Records.denied("ExecSync"));
    trail.mode(CriConfig.AuditMode.OFF);
    assertThat(trail.recording()).isFalse();
    trail.ended(Records.denied("Exec"));
    trail.close();
    assertThat(Files.readAllLines(trail.file())).singleElement().asString().contains("/ExecSync");
  }

  @Test
  void aFileThatCannotBeOpenedIsNamed() throws IOException {
    Path blocker = Files.writeString(tmp.resolve("blocker"), "a file, not a directory");
    CriConfig.Audit config = new CriConfig.Audit(null, blocker.resolve("audit.log"), new DataSize(4096), 1, false);
    assertThatThrownBy(() -> AuditTrail.open(config, tmp, new MetricRegistry())).isInstanceOf(IOException.class)
        .hasMessageContaining("cri.audit.file: " + blocker.resolve("audit.log"));
  }

  @Test
  void journaldThatIsNotThereIsNamed() {
    CriConfig.Audit config = new CriConfig.Audit(null, null, null, null, true);
    assertThatThrownBy(() -> AuditTrail.open(config, tmp, new MetricRegistry(), tmp.resolve("no-journal.socket")))
        .isInstanceOf(IOException.class).hasMessageContaining("cri.audit.journald: cannot connect to journald at");
  }
}
