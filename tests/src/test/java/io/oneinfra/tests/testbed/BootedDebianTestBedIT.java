package io.oneinfra.tests.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Proves the booted test bed: systemd as PID 1, an untouched cached root, bounded commands, nothing left behind. */
class BootedDebianTestBedIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void bootsDebian12WithSystemdAsPidOneAndLeavesTheCachedRootUntouched() {
    try (BootedDebian machine = BootedDebian.builder().hostname("testbed-probe").boot()) {
      assertThat(machine.exec(TIMEOUT, "cat", "/proc/1/comm").requireSuccess().stdout()).isEqualTo("systemd\n");
      assertThat(machine.exec(TIMEOUT, "hostname").requireSuccess().stdout()).isEqualTo("testbed-probe\n");
      assertThat(machine.sh(TIMEOUT, ". /etc/os-release && echo $VERSION_CODENAME").stdout()).isEqualTo("bookworm\n");
      assertThat(machine.exec(TIMEOUT, "systemctl", "--version").stdout()).startsWith("systemd 252 ");
      assertThat(machine.exec(TIMEOUT, "getent", "hosts", "testbed-probe").exitCode()).as("no name service entry")
          .isNotZero();
      machine.sh(TIMEOUT, "echo written > /etc/testbed-probe").requireSuccess();
      assertThat(machine.hostPath("/etc/testbed-probe")).hasContent("written");
    }
    assertThat(DebianRoot.get().resolve("etc/testbed-probe")).doesNotExist();
  }

  @Test
  void aCommandThatOutlivesItsTimeoutIsKilled() {
    try (BootedDebian machine = BootedDebian.builder().boot()) {
      assertThatIllegalStateException().isThrownBy(() -> machine.exec(Duration.ofSeconds(1), "sleep", "300"))
          .withMessageContaining("sleep 300 timed out after PT1S");
      Poll.until(Duration.ofSeconds(10), "the timed-out sleep gone", () -> !machine.sh(TIMEOUT,
          "cat /proc/[0-9]*/comm").stdout().lines().toList().contains("sleep"));
    }
  }

  @Test
  void closePowersOffAndLeavesNoProcessOrDirectoryOnTheHost() {
    BootedDebian machine = BootedDebian.builder().boot();
    ProcessHandle nspawn = ProcessHandle.of(machine.nspawnPid()).orElseThrow();
    ProcessHandle leader = ProcessHandle.of(machine.leaderPid()).orElseThrow();

    machine.close();

    assertThat(nspawn.isAlive()).isFalse();
    assertThat(leader.isAlive()).isFalse();
    assertThat(Path.of("/run/systemd/nspawn/propagate", machine.name())).doesNotExist();
    assertThat(machine.console()).contains("has been shut down");
  }

  @Test
  void aMachineWhoseJvmDiedIsKilledBeforeTheNextBoot() throws Exception {
    String name = BootedDebian.NAME_PREFIX + "orphan";
    List<String> nspawn = BootedDebian.nspawnCommand(DebianRoot.get(), name, "orphan", List.of());
    // setsid -f: systemd-nspawn's parent exits at once, as when a test JVM dies
    List<String> detached = new ArrayList<>(List.of("setsid", "-f"));
    detached.addAll(nspawn);
    Commands.run(TIMEOUT, detached.toArray(String[]::new)).requireSuccess();
    Poll.until(TIMEOUT, "the orphaned systemd-nspawn", () -> !HostCleanup.pidsMatching("systemd-nspawn",
        "--machine=" + name + " ").isEmpty());
    List<Long> orphans = HostCleanup.pidsMatching("systemd-nspawn", "--machine=" + name + " ");

    BootedDebian.removeOrphans();

    for (long pid : orphans) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %d alive", pid).isFalse();
    }
    assertThat(Path.of("/run/systemd/nspawn/propagate", name)).doesNotExist();
  }
}
