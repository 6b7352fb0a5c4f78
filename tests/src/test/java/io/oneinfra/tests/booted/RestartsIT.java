package io.oneinfra.tests.booted;

import static io.oneinfra.tests.booted.InstalledAgent.COMMAND_TIMEOUT;
import static io.oneinfra.tests.booted.InstalledAgent.SOCKET;
import static io.oneinfra.tests.booted.InstalledAgent.STATE;
import static io.oneinfra.tests.booted.InstalledAgent.UNIT;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.proto.ExecSyncRequest;
import io.oneinfra.agent.cri.proto.ExecSyncResponse;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.CriCalls;
import io.oneinfra.tests.support.Elapsed;
import io.oneinfra.tests.support.Pods;
import io.oneinfra.tests.support.TestAgents;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restarts and upgrades no client notices, on a booted Debian 12: the controller's calls (persistent and fresh
 * connections, {@link ControllerLoad}) through five {@code systemctl restart oneinfra-agent}, a call in flight across
 * a restart, and an upgrade to a newer build, with the socket unit: no failed call, no refused connection. The same
 * restarts without the socket unit, and haproxy's {@code systemctl reload} with the documented config on the same
 * machine, measured for comparison. The figures are printed (docs/SYSTEMD.md, "Restarts").
 */
@ExtendWith(SharedContainerd.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestartsIT {
  private static final int RESTARTS = 5;
  private static final int PERSISTENT = 2;
  private static final int FRESH = 2;
  private static final Duration CALLS_TIMEOUT = Duration.ofSeconds(60);
  private static final String TESTER = "restarts-tester";
  private static final String NEWER_DIR = "/mnt/newer";
  private static final List<String> REPORT = new ArrayList<>();

  @TempDir
  static Path work;
  private static InstalledAgent agent;
  private static String newerVersion;

  @BeforeAll
  static void bootInstallAndStart(Containerd containerd) throws Exception {
    newerVersion = InstalledAgent.thisVersion() + "+newer";
    Path newer = InstalledAgent.debAs(newerVersion, Files.createDirectories(work.resolve("newer")));
    agent = InstalledAgent.boot("booted-restarts", containerd, new InstalledAgent.Mount(newer.getParent(),
        NEWER_DIR));
    agent.installThisBuild();
    agent.configurePorts();
    agent.allowExecSync(TESTER);
    agent.start();
  }

  @AfterAll
  static void reportAndPowerOff() {
    System.out.println("RestartsIT figures (machine load " + loadAverage() + "):\n  " + String.join("\n  ", REPORT));
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  @Order(1)
  void fiveRestartsWithTheSocketUnitFailNoCallAndRefuseNoConnection() throws Exception {
    String socketSince = agent.systemd.property(SOCKET, "ActiveEnterTimestampMonotonic");
    ControllerLoad.Figures figures = restartsUnderLoad(endpoint(), "with the socket unit");

    assertUnnoticed(figures, socketSince);
  }

  /** No call failed, no connection was refused, and the socket was never restarted: the port stayed open. */
  private static void assertUnnoticed(ControllerLoad.Figures figures, String socketSince) {
    assertThat(figures.failures()).as(figures.line()).isEmpty();
    assertThat(figures.failed()).as(figures.line()).isZero();
    assertThat(figures.refused()).as(figures.line()).isZero();
    assertThat(agent.systemd.property(SOCKET, "ActiveEnterTimestampMonotonic")).as("the port was never closed")
        .isEqualTo(socketSince);
  }

  @Test
  @Order(2)
  void aCallInFlightAcrossARestartFinishesAndTheOldProcessLeavesWhenItEnds(Containerd containerd) throws Exception {
    HypervisorManifest manifest = agent.manifest();
    String socketSince = agent.systemd.property(SOCKET, "ActiveEnterTimestampMonotonic");
    Pods.Pod pod = Pods.runSleeper(containerd, "booted-restart");
    ManagedChannel tester = ControllerView.dialAs(manifest, agent.clientNamed(TESTER), 1 << 20);
    String marker = "restarted-" + pod.containerId().substring(0, 8);
    try (ControllerLoad load = ControllerLoad.start(endpoint(), manifest, PERSISTENT, FRESH)) {
      load.awaitMoreCalls(100, CALLS_TIMEOUT);
      CompletableFuture<ExecSyncResponse> inFlight = CompletableFuture.supplyAsync(() -> CriCalls.call(tester,
          CriApiVersion.V1, "ExecSync", ExecSyncRequest.newBuilder().setContainerId(pod.containerId())
              .addCmd("/bin/sh").addCmd("-c").addCmd("sleep 3; echo " + marker).build(),
          ExecSyncResponse.getDefaultInstance(), Duration.ofSeconds(60)));
      Poll.until(Duration.ofSeconds(10), "the exec running", () -> Pods.running("sleep", "3"));
      long before = agent.mainPid();
      String cursor = agent.systemd.cursor();

      Elapsed restart = Elapsed.start();
      agent.systemd.systemctl("restart", UNIT).requireSuccess();

      assertThat(inFlight.get(60, TimeUnit.SECONDS).getStdout().toStringUtf8()).isEqualTo(marker + "\n");
      // the old process waited for the call (3 s), not for proxy.drainTimeout (30 s)
      restart.assertBetween(Duration.ZERO, Duration.ofSeconds(20));
      load.awaitMoreCalls(100, CALLS_TIMEOUT);
      ControllerLoad.Figures figures = load.stop();
      RestartTimeline timeline = RestartTimeline.read(agent, cursor);
      REPORT.add("a 3 s ExecSync in flight across a restart: finished; restart " + timeline.line() + "; load: "
          + figures.line());
      assertUnnoticed(figures, socketSince);
      assertThat(agent.mainPid()).isNotEqualTo(before);
      agent.awaitAgentMessage("i.o.a.Agent: stopped (all connections finished)"::equals, "_PID=" + before);
    } finally {
      tester.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      Pods.remove(containerd, pod);
    }
  }

  @Test
  @Order(3)
  void anUpgradeToANewerBuildWhileTheControllerCallsFailsNoCall() throws Exception {
    long before = agent.mainPid();
    String socketSince = agent.systemd.property(SOCKET, "ActiveEnterTimestampMonotonic");
    String cursor = agent.systemd.cursor();
    ControllerLoad.Figures figures;
    try (ControllerLoad load = ControllerLoad.start(endpoint(), agent.manifest(), PERSISTENT, FRESH)) {
      load.awaitMoreCalls(100, CALLS_TIMEOUT);
      agent.aptInstall(NEWER_DIR, "oneinfra-agent_" + newerVersion + "_all.deb").requireSuccess();
      load.awaitMoreCalls(100, CALLS_TIMEOUT);
      figures = load.stop();
    }
    REPORT.add("upgrade to a newer build (apt-get install): restart " + RestartTimeline.read(agent, cursor).line()
        + "; load: " + figures.line());

    assertThat(agent.installedVersion()).isEqualTo(newerVersion);
    assertThat(agent.mainPid()).as("restarted by the upgrade").isNotEqualTo(before);
    assertUnnoticed(figures, socketSince);
  }

  @Test
  @Order(4)
  void withoutTheSocketUnitTheSameRestartsRefuseConnectionsForComparison() throws Exception {
    // the administrator opts out: masked, the socket is not pulled in and the agent binds proxy.listen itself
    agent.systemd.systemctl("stop", SOCKET).requireSuccess();
    agent.systemd.systemctl("mask", SOCKET).requireSuccess();
    ControllerLoad.Figures figures;
    try {
      String cursor = agent.systemd.cursor();
      agent.start();
      agent.awaitAgentEntryAfter(cursor, line -> line.startsWith("i.o.p.ProxyServer: proxy listening on ")
          && !line.contains("(socket activation)"));
      figures = restartsUnderLoad(endpoint(), "without the socket unit");
    } finally {
      agent.systemd.systemctl("stop", UNIT).requireSuccess();
      agent.systemd.systemctl("unmask", SOCKET).requireSuccess();
      agent.start();
    }
    // what the socket unit removes: while the agent restarts nothing listens, and connections are refused
    assertThat(figures.refused()).as(figures.line()).isPositive();
    assertThat(agent.systemd.property(SOCKET, "ActiveState")).isEqualTo("active");
  }

  @Test
  @Order(5)
  void haproxyReloadWithTheDocumentedConfigForComparison() throws Exception {
    // Debian's own haproxy package from the machine's mirror; its unit reloads with /bin/kill, which procps brings
    agent.machine.exec(COMMAND_TIMEOUT, "apt-get", "install", "-y", "haproxy", "procps").requireSuccess();
    assertThat(agent.machine.exec(COMMAND_TIMEOUT, "haproxy", "-v").requireSuccess().stdout())
        .startsWith("HAProxy version 2.6.");
    int port = TestAgents.freePort();
    String pki = STATE + "/pki/";
    // the documented hand-made setup, with the agent's own certificates (the same client credentials dial it)
    agent.machine.sh(COMMAND_TIMEOUT, "umask 077 && cat " + pki + "server.crt " + pki + "server.key > "
        + "/etc/haproxy/server.pem && cp " + pki + "client-ca.crt /etc/haproxy/client-ca.pem && cat > "
        + "/etc/haproxy/haproxy.cfg <<'EOF'\n" + """
        defaults
          mode tcp
          timeout connect 10s
          timeout client 60s
          timeout server 60s
        frontend cri_frontend
          bind 127.0.0.1:%d ssl crt /etc/haproxy/server.pem ca-file /etc/haproxy/client-ca.pem verify required alpn h2
          default_backend cri_backend
        backend cri_backend
          server cri unix@/run/containerd/containerd.sock
        """.formatted(port) + "EOF\n").requireSuccess();
    agent.systemd.systemctl("restart", "haproxy").requireSuccess();
    long master = Long.parseLong(agent.systemd.property("haproxy.service", "MainPID"));
    String cursor = agent.systemd.cursor();

    ControllerLoad.Figures figures;
    try (ControllerLoad load = ControllerLoad.start("127.0.0.1:" + port, agent.manifest(), PERSISTENT, FRESH)) {
      load.awaitMoreCalls(200, CALLS_TIMEOUT);
      for (int i = 0; i < RESTARTS; i++) {
        agent.systemd.systemctl("reload", "haproxy").requireSuccess();
        load.awaitMoreCalls(100, CALLS_TIMEOUT);
      }
      figures = load.stop();
    }
    REPORT.add("haproxy 2.6, " + RESTARTS + " x systemctl reload (master-worker): " + figures.line()
        + (figures.failures().isEmpty() ? "" : "; first failures " + figures.failures()));

    assertThat(agent.systemd.property("haproxy.service", "MainPID")).as("the master stays")
        .isEqualTo(Long.toString(master));
    assertThat(agent.systemd.journalAfter(cursor, "--unit=haproxy.service").stream()
        .map(entry -> entry.get("MESSAGE")).filter(message -> message.contains("New worker"))).hasSize(RESTARTS);
    assertThat(figures.calls()).isPositive();
  }

  /** The controller's calls through {@link #RESTARTS} restarts of the service; the figures go to the report. */
  private static ControllerLoad.Figures restartsUnderLoad(String endpoint, String what) throws Exception {
    List<RestartTimeline> timelines = new ArrayList<>();
    ControllerLoad.Figures figures;
    try (ControllerLoad load = ControllerLoad.start(endpoint, agent.manifest(), PERSISTENT, FRESH)) {
      load.awaitMoreCalls(200, CALLS_TIMEOUT);
      for (int i = 0; i < RESTARTS; i++) {
        long before = agent.mainPid();
        String cursor = agent.systemd.cursor();
        // six starts within 10 s (a quiet machine restarts in about 0.6 s) are over systemd's default start limit
        // (5 per 10 s), which would fail the restart: the test restarts faster than any administrator would
        agent.systemd.systemctl("reset-failed", UNIT).requireSuccess();
        agent.systemd.systemctl("restart", UNIT).requireSuccess(); // returns once the new process sent READY=1
        assertThat(agent.mainPid()).isNotEqualTo(before);
        load.awaitMoreCalls(100, CALLS_TIMEOUT);
        timelines.add(RestartTimeline.read(agent, cursor));
      }
      figures = load.stop();
    }
    REPORT.add(RESTARTS + " x systemctl restart, " + what + ": " + figures.line()
        + (figures.failures().isEmpty() ? "" : "; first failures " + figures.failures()));
    timelines.forEach(timeline -> REPORT.add("  restart " + timeline.line()));
    return figures;
  }

  private static String endpoint() {
    return agent.manifest().spec().remoteCriEndpoint().criEndpointUri();
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  /**
   * One restart as the journal tells it: the old process's drain and exit (systemd's Stopping to Stopped), and the new
   * process from exec to listening (the agent's "proxy listening" line) and to READY=1 (systemd's Started). From
   * Stopping to listening no process accepts: that bounds how long a queued connection waits.
   */
  record RestartTimeline(Duration stopping, Duration toListening, Duration toReady, Duration unserved) {
    static RestartTimeline read(InstalledAgent agent, String cursor) {
      List<Map<String, String>> entries = new ArrayList<>();
      Poll.until(Duration.ofSeconds(20), "the restart's journal entries", () -> {
        entries.clear();
        entries.addAll(agent.systemd.journalAfter(cursor, "--unit=" + UNIT));
        return at(entries, "Started oneinfra-agent.service").isPresent()
            && at(entries, "i.o.p.ProxyServer: proxy listening on ").isPresent();
      });
      long stopping = at(entries, "Stopping oneinfra-agent.service").orElseThrow();
      long stopped = at(entries, "Stopped oneinfra-agent.service").orElseThrow();
      long starting = at(entries, "Starting oneinfra-agent.service").orElseThrow();
      long listening = at(entries, "i.o.p.ProxyServer: proxy listening on ").orElseThrow();
      long started = at(entries, "Started oneinfra-agent.service").orElseThrow();
      return new RestartTimeline(micros(stopped - stopping), micros(listening - starting), micros(started - starting),
          micros(listening - stopping));
    }

    /** The realtime stamp (µs) of the first entry whose message starts with {@code prefix}. */
    private static Optional<Long> at(List<Map<String, String>> entries, String prefix) {
      return entries.stream().filter(entry -> entry.getOrDefault("MESSAGE", "").startsWith(prefix))
          .map(entry -> Long.parseLong(entry.get("__REALTIME_TIMESTAMP"))).findFirst();
    }

    private static Duration micros(long value) {
      return Duration.ofNanos(value * 1000);
    }

    String line() {
      return String.format(Locale.ROOT, "old process drained and exited in %d ms, new one listening %d ms after exec "
          + "(READY %d ms); no process accepting for %d ms", stopping.toMillis(), toListening.toMillis(),
          toReady.toMillis(), unserved.toMillis());
    }
  }
}
