package io.oneinfra.tests.booted;

import static io.oneinfra.tests.booted.InstalledAgent.COMMAND_TIMEOUT;
import static io.oneinfra.tests.booted.InstalledAgent.CONFIG;
import static io.oneinfra.tests.booted.InstalledAgent.SOCKET;
import static io.oneinfra.tests.booted.InstalledAgent.START_TIMEOUT;
import static io.oneinfra.tests.booted.InstalledAgent.STATE;
import static io.oneinfra.tests.booted.InstalledAgent.UNIT;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.cri.proto.ExecSyncRequest;
import io.oneinfra.agent.cri.proto.ExecSyncResponse;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.proxy.Pem;
import io.oneinfra.tests.booted.InstalledAgent.Running;
import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.CriCalls;
import io.oneinfra.tests.support.CriScenario;
import io.oneinfra.tests.support.Elapsed;
import io.oneinfra.tests.support.OpenConnectionCallers;
import io.oneinfra.tests.support.Pods;
import io.oneinfra.tests.testbed.BootedDebian;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The .deb installed with apt on a booted Debian 12 (systemd 252 as PID 1, no /etc/hosts, no procps) and run as
 * {@code oneinfra-agent.service} in front of a real containerd whose socket is mounted in: what an administrator does
 * after installing, in order (install, start, use, reload, restart, watch, stop).
 */
@ExtendWith(SharedContainerd.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstalledServiceIT {
  /** A kernel host name no resolver knows and that is not a valid object name as it stands. */
  private static final String HOSTNAME = "Booted-HV-1";
  /** A debugging client the administrator grants ExecSync to, for a call that lasts across a stop. */
  private static final String TESTER = "booted-tester";
  private static final Duration CRI_DEADLINE = Duration.ofSeconds(30);
  private static final Pattern EXPOSURE =
      Pattern.compile("Overall exposure level for oneinfra-agent\\.service: (\\d+\\.\\d+) ");

  private static InstalledAgent agent;
  private static BootedDebian.Result install;

  @BeforeAll
  static void bootAndInstall(Containerd containerd) throws Exception {
    agent = InstalledAgent.boot(HOSTNAME, containerd);
    install = agent.installThisBuild();
  }

  @AfterAll
  static void powerOff() {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  @Order(1)
  void aptInstallsItEnabledButNotStartedOnAMinimalHost() {
    assertThat(install.stdout()).contains("Setting up oneinfra-agent (");
    assertThat(agent.systemd.systemctl("is-enabled", UNIT, SOCKET).stdout().lines()).containsExactly("enabled",
        "enabled");
    assertThat(agent.systemd.show(UNIT, "ActiveState", "NRestarts"))
        .containsEntry("ActiveState", "inactive").containsEntry("NRestarts", "0");
    assertThat(agent.systemd.property(SOCKET, "ActiveState")).as("nothing listens before the start")
        .isEqualTo("inactive");
    // The host really is minimal: no kill binary (procps), and nothing resolves the machine's own name.
    assertThat(agent.machine.sh(COMMAND_TIMEOUT, "command -v kill; test -e /bin/kill || echo no-kill-binary")
        .stdout()).contains("no-kill-binary");
    assertThat(agent.machine.exec(COMMAND_TIMEOUT, "getent", "hosts", HOSTNAME).exitCode()).isNotZero();
  }

  @Test
  @Order(2)
  void startsActiveWithReadySeenBySystemdOnTheSocketFromSystemdNoRestartAndTheKernelsHostName() {
    agent.configurePorts();
    agent.start(); // Type=notify: returns once systemd has READY=1
    assertThat(agent.systemd.show(UNIT, "Type", "ActiveState", "SubState", "NRestarts", "StatusText"))
        .containsEntry("Type", "notify").containsEntry("ActiveState", "active").containsEntry("SubState", "running")
        .containsEntry("NRestarts", "0").hasEntrySatisfying("StatusText", text -> assertThat(text)
            .startsWith("serving (cri gateway); "));
    // the start pulled the socket in (Wants=): systemd holds the port and passed it to the agent
    assertThat(agent.systemd.show(SOCKET, "ActiveState", "Listen")).containsEntry("ActiveState", "active")
        .containsEntry("Listen", "0.0.0.0:" + agent.port + " (Stream)");
    agent.awaitAgentMessage(line -> line.startsWith("i.o.p.ProxyServer: proxy listening on 0.0.0.0:" + agent.port
        + " (socket activation) for unix:/run/containerd/containerd.sock (mode cri,"));
    Poll.until(Duration.ofSeconds(30), "STATUS= with the first CRI check", () -> agent.systemd
        .property(UNIT, "StatusText").startsWith("serving (cri gateway); cri containerd 1.6"), () -> agent.systemd
        .property(UNIT, "StatusText"));
    assertThat(agent.systemd.property(UNIT, "StatusText")).contains("(v1, v1alpha2); registration file");

    assertThat(agent.manifest().metadata().name()).isEqualTo("booted-hv-1");
    String named = "i.o.a.i.IdentityResolver: hypervisor.name not set: using 'booted-hv-1', the host name "
        + "'Booted-HV-1' normalised to a DNS-1123 subdomain";
    agent.awaitAgentMessage(named::equals);
  }

  @ParameterizedTest
  @EnumSource(CriApiVersion.class)
  @Order(3)
  void theControllerRunsThePodLifecycleThroughTheServiceGivenOnlyTheManifest(CriApiVersion api,
      Containerd containerd) throws Exception {
    HypervisorManifest manifest = agent.running().manifest();
    assertThat(manifest.spec().remoteCriEndpoint().criEndpointUri()).endsWith(":" + agent.port);
    try (CriChannel channel = ControllerView.dial(manifest, null)) {
      CriScenario.podAndContainerLifecycle(new CriClient(channel.channel(), api, CRI_DEADLINE), containerd);
    }
  }

  @Test
  @Order(4)
  void reloadServesARotatedCertificateToNewConnectionsWithoutARestart() throws Exception {
    Running running = agent.running();
    HypervisorManifest manifest = running.manifest();
    long pid = running.pid();
    X509Certificate before = ControllerView.servedCertificate(manifest);

    agent.machine.exec(COMMAND_TIMEOUT, "oneinfra-agent", "certs", "rotate").requireSuccess();
    agent.systemd.systemctl("reload", UNIT).requireSuccess();

    X509Certificate rotated = Pem.parseCertificates("server.crt", agent.read(STATE + "/pki/server.crt")).get(0);
    assertThat(rotated.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
    Poll.until(Duration.ofSeconds(15), "the rotated certificate served to a new connection",
        () -> rotated.equals(servedCertificate(manifest)));
    assertThat(agent.mainPid()).as("same process").isEqualTo(pid);
    assertThat(agent.systemd.show(UNIT, "ActiveState", "NRestarts", "ExecReload"))
        .containsEntry("ActiveState", "active").containsEntry("NRestarts", "0")
        .hasEntrySatisfying("ExecReload", exec -> assertThat(exec).contains("path=/usr/bin/oneinfra-agent")
            .contains("argv[]=/usr/bin/oneinfra-agent reload $MAINPID"));
    assertThat(agent.awaitAgentMessage(line -> line.startsWith("i.o.a.Agent: reload: now serving server "
        + "certificate serial " + rotated.getSerialNumber().toString(16)))).contains("i.o.a.c.RunCommand: SIGHUP: "
        + "reloading " + CONFIG);
  }

  private static X509Certificate servedCertificate(HypervisorManifest manifest) {
    try {
      return ControllerView.servedCertificate(manifest);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @Order(5)
  void restartUnderLoadFailsNoCallAndComesBackAsANewProcessOnTheSameSocket() throws Exception {
    Running before = agent.running();
    String socketSince = agent.systemd.property(SOCKET, "ActiveEnterTimestampMonotonic");
    OpenConnectionCallers callers = OpenConnectionCallers.start(before.manifest(), 6, CriApiVersion.V1);
    callers.awaitMoreCalls(100, Duration.ofSeconds(30));
    agent.systemd.systemctl("restart", UNIT).requireSuccess(); // returns once the new process sent READY=1
    // the same callers, moved to the new process by the old one's GOAWAY, their reconnections queued by the socket
    callers.awaitMoreCalls(100, Duration.ofSeconds(30));
    callers.stopAndCheck(Duration.ofSeconds(60)); // rethrows a failed call

    assertThat(agent.systemd.show(UNIT, "ActiveState", "NRestarts")).containsEntry("ActiveState", "active")
        .containsEntry("NRestarts", "0");
    assertThat(agent.mainPid()).isNotEqualTo(before.pid());
    assertThat(agent.systemd.property(SOCKET, "ActiveEnterTimestampMonotonic")).as("the socket was kept")
        .isEqualTo(socketSince);
    agent.awaitAgentMessage("i.o.a.Agent: stopped (all connections finished)"::equals, "_PID=" + before.pid());
    // the first start recorded its classes and ExecStartPost= made the archive: this start maps it
    assertThat(agent.read("/proc/" + agent.mainPid() + "/cmdline").split("\0"))
        .anyMatch(arg -> arg.matches("-XX:SharedArchiveFile=/var/cache/oneinfra-agent/agent-\\d+\\.jsa"));
    assertThat(agent.machine.exec(COMMAND_TIMEOUT, "stat", "-c", "%a %U", "/var/cache/oneinfra-agent")
        .requireSuccess().stdout().strip()).isEqualTo("700 root");
  }

  @Test
  @Order(6)
  void theJournalHasEachLinesPriorityAndWarningFiltersTheWarnings() {
    agent.running();
    String config = agent.read(CONFIG);
    try {
      // A change reload cannot apply: the agent warns that it needs a restart.
      agent.machine.sh(COMMAND_TIMEOUT, "printf '  drainTimeout: 20s\\n' > /tmp/drain && sed -i '/^  listen: 0.0.0.0:/r "
          + "/tmp/drain' " + CONFIG).requireSuccess();
      agent.systemd.systemctl("reload", UNIT).requireSuccess();
      String warning = "i.o.a.Agent: reload: changes to stateDir, proxy (but for proxy.preauth), hypervisor, status, "
          + "registration or cri (but for cri.authorization and cri.audit.mode) take effect only after a restart";
      agent.awaitAgentMessage(warning::equals);

      List<Map<String, String>> all = agent.systemd.journal("--unit=" + UNIT, "--identifier=oneinfra-agent");
      assertThat(all).filteredOn(entry -> entry.get("MESSAGE").startsWith("i.o.p.ProxyServer: proxy listening on"))
          .isNotEmpty().allSatisfy(entry -> assertThat(entry).containsEntry("PRIORITY", "6"));
      assertThat(all).filteredOn(entry -> entry.get("MESSAGE").equals(warning)).singleElement()
          .satisfies(entry -> assertThat(entry).containsEntry("PRIORITY", "4"));
      assertThat(all).extracting(entry -> entry.get("MESSAGE")).as("the <N> prefix is journald's, not text")
          .noneMatch(message -> message.matches("^<\\d>.*"));

      List<Map<String, String>> warnings = agent.systemd.journal("--unit=" + UNIT, "--identifier=oneinfra-agent",
          "--priority=warning");
      assertThat(warnings).extracting(entry -> entry.get("MESSAGE")).contains(warning)
          .noneMatch(message -> message.startsWith("i.o.p.ProxyServer: proxy listening on"));
      assertThat(warnings).extracting(entry -> Integer.parseInt(entry.get("PRIORITY"))).allMatch(p -> p <= 4);
    } finally {
      agent.machine.sh(COMMAND_TIMEOUT, "cat > " + CONFIG + " <<'EOF'\n" + config + "EOF\n").requireSuccess();
    }
  }

  @Test
  @Order(7)
  void theWatchdogKillsAStoppedAgentWithinWatchdogSecAndSystemdRestartsIt() {
    // 30 s in the unit; 4 s in a drop-in here so the test is short (pings still go every half interval)
    String dropIn = "/etc/systemd/system/" + UNIT + ".d/watchdog.conf";
    agent.machine.sh(COMMAND_TIMEOUT, "mkdir -p /etc/systemd/system/" + UNIT + ".d && printf '[Service]\\n"
        + "WatchdogSec=4s\\n' > " + dropIn).requireSuccess();
    try {
      agent.systemd.daemonReload();
      agent.systemd.systemctl("restart", UNIT).requireSuccess();
      assertThat(agent.systemd.property(UNIT, "WatchdogUSec")).isEqualTo("4s");
      long stopped = agent.mainPid();
      // the shell's own kill: the machine has no kill binary
      long stoppedAtMicros = Long.parseLong(agent.machine.sh(COMMAND_TIMEOUT, "date +%s%6N && kill -STOP "
          + stopped).requireSuccess().stdout().strip());

      Poll.until(Duration.ofSeconds(60), "a new agent process after the watchdog's kill", () -> {
        Map<String, String> unit = agent.systemd.show(UNIT, "ActiveState", "MainPID", "NRestarts");
        return unit.get("ActiveState").equals("active") && !unit.get("MainPID").equals(Long.toString(stopped));
      });
      assertThat(agent.systemd.property(UNIT, "NRestarts")).isEqualTo("1");
      Map<String, String> timeout = agent.systemd.journal("--unit=" + UNIT, "_PID=1").stream()
          .filter(entry -> entry.get("MESSAGE").endsWith("Watchdog timeout (limit 4s)!")).findFirst().orElseThrow();
      long killedAfterMicros = Long.parseLong(timeout.get("__REALTIME_TIMESTAMP")) - stoppedAtMicros;
      assertThat(Duration.ofNanos(killedAfterMicros * 1000)).as("from SIGSTOP to the watchdog's kill")
          .isPositive().isLessThanOrEqualTo(Duration.ofSeconds(5)); // 4 s, plus systemd's timer slack
      assertThat(agent.systemd.messages("--unit=" + UNIT, "_PID=1")).contains("oneinfra-agent.service: Killing "
          + "process " + stopped + " (java) with signal SIGABRT.");
    } finally {
      agent.machine.exec(COMMAND_TIMEOUT, "rm", "-f", dropIn).requireSuccess();
      agent.systemd.daemonReload();
      agent.systemd.systemctl("restart", UNIT).requireSuccess();
    }
  }

  @Test
  @Order(8)
  void securityScoresAtMostTwoAndFromInsideTheAgentNothingButItsStateIsWritable() {
    long pid = agent.running().pid();
    BootedDebian.Result security = agent.machine.exec(COMMAND_TIMEOUT, "systemd-analyze", "security", UNIT);
    Matcher exposure = EXPOSURE.matcher(security.stdout());
    assertThat(exposure.find()).as(security.toString()).isTrue();
    System.out.printf("systemd-analyze security on the booted machine: exposure %s%n", exposure.group(1));
    assertThat(Double.parseDouble(exposure.group(1))).as(security.stdout()).isLessThanOrEqualTo(2.0);

    // Entering the agent's own namespaces (mount, user, ...) through its PID, as an administrator would with nsenter.
    String probe = "for dir in " + String.join(" ", SANDBOX_READ_ONLY) + " " + STATE + " /tmp /var/tmp; do "
        + "if [ -d $dir ]; then if echo x > $dir/sandbox-probe 2>/dev/null; then echo \"writable $dir\"; "
        + "else echo \"refused $dir\"; fi; fi; done";
    List<String> outcome = agent.machine.exec(COMMAND_TIMEOUT, "nsenter", "--target=" + pid, "--all",
        "sh", "-c", probe).requireSuccess().stdout().lines().toList();
    assertThat(outcome).contains("writable " + STATE, "writable /tmp", "writable /var/tmp");
    for (String dir : SANDBOX_READ_ONLY) {
      assertThat(outcome).as(dir).doesNotContain("writable " + dir);
    }
    assertThat(outcome).as("these exist in every Debian root").contains("refused /etc", "refused /usr",
        "refused /var/lib", "refused /run", "refused /run/containerd", "refused /root");
    // /tmp and /var/tmp are the service's own (PrivateTmp=): the machine's stay untouched.
    assertThat(agent.machine.sh(COMMAND_TIMEOUT, "ls /tmp/sandbox-probe /var/tmp/sandbox-probe 2>&1 || true")
        .stdout()).doesNotContain("sandbox-probe\n").contains("No such file");
    agent.machine.exec(COMMAND_TIMEOUT, "rm", STATE + "/sandbox-probe").requireSuccess();
  }

  private static final List<String> SANDBOX_READ_ONLY = List.of("/", "/etc", "/etc/oneinfra", "/usr", "/usr/bin",
      "/var", "/var/lib", "/var/log", "/var/cache", "/opt", "/srv", "/boot", "/home", "/root", "/run",
      "/run/containerd", "/run/systemd", "/mnt/packages");

  @Test
  @Order(9)
  void stoppingOnlyTheServiceLeavesThePortOpenAndTheNextConnectionStartsTheAgentAgain() throws Exception {
    long before = agent.running().pid();
    BootedDebian.Result stop = agent.systemd.systemctl("stop", UNIT).requireSuccess();
    assertThat(stop.stderr()).contains("Stopping oneinfra-agent.service, but it can still be activated by:",
        SOCKET);
    assertThat(agent.systemd.property(UNIT, "ActiveState")).isEqualTo("inactive");
    assertThat(agent.systemd.property(SOCKET, "ActiveState")).isEqualTo("active");

    // the controller's next connection waits in the socket's queue while systemd starts the agent for it
    try (CriChannel channel = ControllerView.dial(agent.manifest(), null)) {
      assertThat(new CriClient(channel.channel(), CriApiVersion.V1, CRI_DEADLINE).version().getRuntimeName())
          .isEqualTo("containerd");
    }
    // serving comes before READY=1 and ExecStartPost=: the unit turns active a moment later
    agent.systemd.awaitProperty(UNIT, "ActiveState", "active", START_TIMEOUT);
    assertThat(agent.mainPid()).isNotEqualTo(before).isPositive();
  }

  @Test
  @Order(10)
  void stoppingTheSocketStopsTheAgentLetsTheCallInFlightFinishMovesClientsOffAndClosesThePort(Containerd containerd)
      throws Exception {
    Running running = agent.running();
    // the administrator grants ExecSync to a debugging client; reload applies cri.authorization
    agent.allowExecSync(TESTER);
    String cursor = agent.systemd.cursor();
    agent.systemd.systemctl("reload", UNIT).requireSuccess();
    agent.awaitAgentEntryAfter(cursor, line -> line.startsWith("i.o.a.Agent: reload: cri.authorization profile "
        + "controller with 1 allow"));
    Pods.Pod pod = Pods.runSleeper(containerd, "booted-stop");
    ManagedChannel tester = ControllerView.dialAs(running.manifest(), agent.clientNamed(TESTER), 1 << 20);
    String marker = "stopped-" + pod.containerId().substring(0, 8);
    try (ControllerLoad controller = ControllerLoad.start(running.manifest().spec().remoteCriEndpoint()
        .criEndpointUri(), running.manifest(), 2, 1)) {
      controller.awaitMoreCalls(50, Duration.ofSeconds(30));
      CompletableFuture<ExecSyncResponse> inFlight = CompletableFuture.supplyAsync(() -> CriCalls.call(tester,
          CriApiVersion.V1, "ExecSync", ExecSyncRequest.newBuilder().setContainerId(pod.containerId())
              .addCmd("/bin/sh").addCmd("-c").addCmd("sleep 3; echo " + marker).build(),
          ExecSyncResponse.getDefaultInstance(), CRI_DEADLINE));
      Poll.until(Duration.ofSeconds(10), "the exec running", () -> Pods.running("sleep", "3"));

      Elapsed stopping = Elapsed.start();
      agent.systemd.systemctl("stop", SOCKET).requireSuccess(); // PartOf=: the service stops first, then the socket

      assertThat(inFlight.get(30, TimeUnit.SECONDS).getStdout().toStringUtf8()).isEqualTo(marker + "\n");
      // the drain ended with the call (3 s), not at proxy.drainTimeout (30 s)
      stopping.assertBetween(Duration.ZERO, Duration.ofSeconds(20));
      ControllerLoad.Figures moved = controller.stop();
      assertThat(moved.failures()).as("after the stop nothing listens: calls fail as unavailable")
          .isNotEmpty().allSatisfy(failure -> assertThat(failure).startsWith("Status{code=UNAVAILABLE"));
    } finally {
      tester.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      Pods.remove(containerd, pod);
    }
    assertThat(agent.systemd.show(UNIT, "ActiveState", "Result", "ExecMainCode", "ExecMainStatus"))
        .containsEntry("ActiveState", "inactive").containsEntry("Result", "success")
        .containsEntry("ExecMainCode", "1") // CLD_EXITED: it exited by itself
        .containsEntry("ExecMainStatus", "0");
    assertThat(agent.systemd.property(SOCKET, "ActiveState")).isEqualTo("inactive");
    assertThat(agent.accepting()).as("the port closed").isFalse();
    assertThat(agent.awaitAgentMessage("i.o.a.Agent: stopped (all connections finished)"::equals, "_PID="
        + running.pid())).anyMatch(line -> line.matches("i\\.o\\.a\\.Agent: stopping: draining \\d+ open "
        + "connections"));
  }
}
