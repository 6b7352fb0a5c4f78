package io.oneinfra.tests.booted;

import static io.oneinfra.tests.booted.InstalledAgent.COMMAND_TIMEOUT;
import static io.oneinfra.tests.booted.InstalledAgent.CONFIG;
import static io.oneinfra.tests.booted.InstalledAgent.SOCKET;
import static io.oneinfra.tests.booted.InstalledAgent.START_TIMEOUT;
import static io.oneinfra.tests.booted.InstalledAgent.UNIT;
import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What systemd does with a start that fails, on a booted Debian 12: a configuration error (exit 2) fails the unit at
 * once and is not restarted; the port taken fails the socket, the agent then tries to bind it itself, exits 75
 * ("cannot start now") and is restarted until the port is free, when the socket comes back too.
 */
@ExtendWith(SharedContainerd.class)
class StartFailuresIT {
  private static InstalledAgent agent;
  private static String goodConfig;

  @BeforeAll
  static void bootAndInstall(Containerd containerd) throws Exception {
    agent = InstalledAgent.boot("booted-failures", containerd);
    agent.installThisBuild();
    agent.configurePorts();
    goodConfig = agent.read(CONFIG);
  }

  @AfterAll
  static void powerOff() {
    if (agent != null) {
      agent.close();
    }
  }

  @BeforeEach
  @AfterEach
  void stoppedWithTheGoodConfig() {
    agent.systemd.systemctl("stop", SOCKET, UNIT).requireSuccess();
    agent.systemd.systemctl("reset-failed", SOCKET, UNIT);
    agent.machine.sh(COMMAND_TIMEOUT, "cat > " + CONFIG + " <<'EOF'\n" + goodConfig + "EOF\n").requireSuccess();
  }

  @Test
  void aConfigErrorFailsTheUnitAtOnceWithExitTwoNamingFileAndLineAndIsNotRestarted() {
    agent.machine.sh(COMMAND_TIMEOUT, "sed -i 's/^  listen: 0.0.0.0:/  lisen: 0.0.0.0:/' " + CONFIG)
        .requireSuccess();
    int line = Integer.parseInt(agent.machine.sh(COMMAND_TIMEOUT, "grep -n '^  lisen: ' " + CONFIG
        + " | cut -d: -f1").requireSuccess().stdout().strip());

    String cursor = agent.systemd.cursor();
    assertThat(agent.systemd.systemctl("start", UNIT).exitCode()).isNotZero();

    // "failed" is final: a restart systemd meant to make would show as activating (auto-restart) instead.
    assertThat(agent.systemd.show(UNIT, "ActiveState", "SubState", "Result", "ExecMainStatus", "NRestarts"))
        .containsEntry("ActiveState", "failed").containsEntry("SubState", "failed")
        .containsEntry("Result", "exit-code").containsEntry("ExecMainStatus", "2").containsEntry("NRestarts", "0");
    assertThat(agent.awaitAgentEntryAfter(cursor, message -> message.contains(CONFIG + ":" + line)
        && message.contains("unknown key 'proxy.lisen'"))).containsEntry("PRIORITY", "3");
    assertThat(systemdSaid(cursor, UNIT))
        .contains("oneinfra-agent.service: Main process exited, code=exited, status=2/INVALIDARGUMENT")
        .noneMatch(message -> message.contains("Scheduled restart job"));

    // The administrator fixes the file and starts it again.
    agent.machine.sh(COMMAND_TIMEOUT, "sed -i 's/^  lisen: /  listen: /' " + CONFIG).requireSuccess();
    agent.start();
    assertThat(agent.systemd.property(UNIT, "ActiveState")).isEqualTo("active");
  }

  @Test
  void aTakenPortFailsTheSocketExitsSeventyFiveAndSystemdRestartsItUntilThePortIsFree() throws Exception {
    String cursor = agent.systemd.cursor();
    try (ServerSocket taken = new ServerSocket()) {
      // the machine shares the host's network: this is the port agent.yaml and the socket's drop-in name
      taken.bind(new InetSocketAddress("0.0.0.0", agent.port));
      agent.systemd.systemctl("start", "--no-block", UNIT).requireSuccess();
      Poll.until(Duration.ofSeconds(60), "two automatic restarts", () -> Integer.parseInt(
          agent.systemd.property(UNIT, "NRestarts")) >= 2, () -> agent.systemd.systemctl("status", UNIT).stdout());
      // Wants=, not Requires=: the socket failing does not keep the agent from trying the port itself
      assertThat(systemdSaid(cursor, SOCKET)).contains("oneinfra-agent.socket: Failed to create listening socket "
          + "(0.0.0.0:" + agent.port + "): Address already in use");
      assertThat(agent.awaitAgentEntryAfter(cursor, message -> message.startsWith("i.o.a.c.RunCommand: cannot start "
          + "now: proxy.listen: cannot listen on 0.0.0.0:" + agent.port + ": ")
          && message.contains("Address already in use"))).containsEntry("PRIORITY", "3");
      assertThat(systemdSaid(cursor, UNIT))
          .contains("oneinfra-agent.service: Main process exited, code=exited, status=75/TEMPFAIL",
              "oneinfra-agent.service: Scheduled restart job, restart counter is at 2.");
    }
    // No administrator action: the next automatic restart tries the socket, then the agent, and one of them gets
    // the port (the agent, when it is freed between the two)...
    agent.systemd.awaitProperty(UNIT, "ActiveState", "active", START_TIMEOUT);
    assertThat(agent.systemd.property(UNIT, "StatusText")).startsWith("serving (cri gateway); ");
    // ...and a restart stops the agent before it starts the socket, so from then on the socket holds the port
    String restart = agent.systemd.cursor();
    agent.systemd.systemctl("restart", UNIT).requireSuccess();
    assertThat(agent.systemd.property(SOCKET, "ActiveState")).isEqualTo("active");
    agent.awaitAgentEntryAfter(restart, message -> message.startsWith("i.o.p.ProxyServer: proxy listening on 0.0.0.0:"
        + agent.port + " (socket activation)"));
  }

  /** What systemd itself logged about {@code unit} after {@code cursor}. */
  private static List<String> systemdSaid(String cursor, String unit) {
    return agent.systemd.journalAfter(cursor, "--unit=" + unit, "_PID=1").stream()
        .map(entry -> entry.get("MESSAGE")).toList();
  }
}
