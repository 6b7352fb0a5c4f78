package io.oneinfra.tests.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.Elapsed;
import io.oneinfra.tests.support.TlsClient;
import io.oneinfra.tests.support.UnixEchoBackend;
import io.oneinfra.tests.testbed.Poll;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The door before authentication, against the agent as a real process in front of a unix echo socket: FIN before the
 * handshake, the budget's evictions, the two deadlines, SIGHUP and SIGTERM with handshakes in progress.
 */
class PreAuthDoorIT {
  @TempDir
  Path dir;
  private UnixEchoBackend backend;
  private RunningAgent agent;
  private final List<Socket> held = new ArrayList<>();

  @BeforeEach
  void backend() {
    backend = UnixEchoBackend.start(dir.resolve("cri.sock"));
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket socket : held) {
      socket.close();
    }
    if (agent != null) {
      agent.close();
    }
    backend.close();
  }

  private void start(String proxyKeys) throws IOException {
    // as deployed: the paranoid leak detector would time itself, not the door (the attack and soak run it)
    // l4: the backend is an echo server, not a CRI runtime
    agent = RunningAgent.start(dir, RunningAgent.config(dir, backend.path(), "mode: l4\n" + proxyKeys, ""), false);
  }

  private InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", agent.port());
  }

  /** A plain TCP connection from {@code source} that sends nothing. */
  private Socket connectFrom(String source) throws IOException {
    Socket socket = new Socket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(source, 0));
    socket.connect(address(), 5000);
    socket.setSoTimeout(30_000);
    held.add(socket);
    return socket;
  }

  private SSLContext controller() throws Exception {
    return ControllerView.jdkContext(agent.manifest());
  }

  private void assertControllerServed() throws Exception {
    try (SSLSocket socket = TlsClient.connect(controller(), address())) {
      assertThat(TlsClient.roundTrip(socket, "served")).isEqualTo("served");
    }
  }

  @Test
  void connectionsClosedBeforeTheirHandshakeAreFreedAtOnceAndLeaveNoCloseWait() throws Exception {
    // the finding: 300 clients that connect and close at once, against 256 connection slots
    start("""
        maxConnections: 256
        preauth:
          maxHandshakes: 512
          maxHandshakesPerSource: 512
          firstByteTimeout: 60s
        """);
    // a first round loads and compiles the close path once; the second is timed
    for (int round = 1; round <= 2; round++) {
      List<Socket> clients = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        clients.add(connectFrom("127.0.0.1"));
      }
      Poll.until(Duration.ofSeconds(10), "300 handshakes pending",
          () -> agent.metric("proxy_preauth_pending") == 300);
      for (Socket client : clients) {
        client.close(); // a FIN, as port scanners and load-balancer TCP checks send
      }
      // the kernel's view is read directly (an HTTP scrape alone can take longer than 100 ms on a busy machine); a
      // socket leaves CLOSE-WAIT when the agent closes it, in the same event-loop task that frees its slot
      Elapsed elapsed = Elapsed.start();
      Poll.until(Duration.ofSeconds(5), "no socket left in CLOSE-WAIT", () -> HostProbe.closeWait(agent.port()) == 0,
          () -> "CLOSE-WAIT " + HostProbe.closeWait(agent.port()));
      if (round == 2) {
        // 6 to 13 ms on a quiet machine, up to a few hundred on the loaded CI machine; before the fix it was the
        // handshake timeout. The bound tells the FIN path from any deadline (all 60 s here) with room for the load.
        System.out.printf("preauth: 300 FIN'd handshakes freed in %d ms%n", elapsed.millis());
        elapsed.assertBetween(Duration.ZERO, Duration.ofSeconds(1));
      }
      assertThat(agent.metric("proxy_preauth_pending")).as("slots still taken").isZero();
      assertThat(agent.metric("proxy_handshake_failures_closed_total")).isEqualTo(300 * round);
    }
    assertControllerServed();
  }

  @Test
  void aFullBudgetClosesTheOldestOfTheLargestSourceSoANewClientAlwaysGetsItsTurn() throws Exception {
    start("""
        handshakeTimeout: 60s
        preauth:
          maxHandshakes: 16
          maxHandshakesPerSource: 8
          firstByteTimeout: 60s
        """);
    // one at a time, each admitted before the next: two event loops could otherwise admit a burst out of order
    List<Socket> first = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Socket socket = connectFrom(i < 8 ? "127.0.0.2" : "127.0.0.3");
      if (i < 8) {
        first.add(socket);
      }
      int pending = i + 1;
      Poll.until(Duration.ofSeconds(10), pending + " pending", () -> agent.metric("proxy_preauth_pending") == pending);
    }
    for (int i = 0; i < 3; i++) {
      connectFrom("127.0.0.2"); // over its share: 127.0.0.2 loses its own oldest
      int evicted = i + 1;
      Poll.until(Duration.ofSeconds(10), evicted + " evicted by their own source",
          () -> agent.metric("proxy_preauth_evictions_source_total") == evicted);
    }
    for (int i = 0; i < 3; i++) {
      assertThat(first.get(i).getInputStream().read()).as("the oldest of 127.0.0.2, closed").isEqualTo(-1);
    }
    connectFrom("127.0.0.4"); // the budget is full: of the two holding the most, 127.0.0.2 has the oldest
    assertThat(first.get(3).getInputStream().read()).isEqualTo(-1);
    assertControllerServed(); // through a full budget: now 127.0.0.3 holds the most and loses its oldest
    assertThat(agent.metric("proxy_preauth_evictions_global_total")).isEqualTo(2);
    assertThat(agent.metric("proxy_handshake_failures_evicted_total")).isEqualTo(5);
    assertThat(agent.metric("proxy_preauth_pending")).as("the budget less the controller, done").isEqualTo(15);
    assertThat(agent.metric("proxy_preauth_sources")).isEqualTo(3);
  }

  @Test
  void aSilentConnectionIsClosedAtTheFirstByteDeadlineAndASlowOneAtTheHandshakeTimeout() throws Exception {
    start("""
        handshakeTimeout: 3s
        preauth:
          firstByteTimeout: 1s
        """);
    Socket silent = connectFrom("127.0.0.2");
    Socket slow = connectFrom("127.0.0.3");
    Elapsed elapsed = Elapsed.start();
    slow.getOutputStream().write(0x16); // the first byte of a TLS record, then nothing more
    assertThat(silent.getInputStream().read()).as("the silent connection").isEqualTo(-1);
    elapsed.assertBetween(Duration.ofMillis(800), Duration.ofMillis(2500));
    assertThat(slow.getInputStream().read()).as("the slow handshake").isEqualTo(-1);
    elapsed.assertBetween(Duration.ofMillis(2500), Duration.ofSeconds(6));
    assertThat(agent.metric("proxy_preauth_timeouts_first_byte_total")).isEqualTo(1);
    assertThat(agent.metric("proxy_preauth_timeouts_handshake_total")).isEqualTo(1);
    assertThat(agent.metric("proxy_handshake_failures_timeout_total")).isEqualTo(2);
  }

  @Test
  void sighupSwapsTheBudgetWithoutDroppingAConnection() throws Exception {
    start("handshakeTimeout: 60s\npreauth:\n  maxHandshakesPerSource: 8\n");
    try (SSLSocket open = TlsClient.connect(controller(), address())) {
      assertThat(TlsClient.roundTrip(open, "before")).isEqualTo("before");
      Socket pending = connectFrom("127.0.0.2");
      Poll.until(Duration.ofSeconds(10), "one pending", () -> agent.metric("proxy_preauth_pending") == 1);
      Files.writeString(agent.config(), RunningAgent.config(dir, backend.path(), """
          mode: l4
          handshakeTimeout: 60s
          preauth:
            maxHandshakes: 64
            maxHandshakesPerSource: 2
            firstByteTimeout: 30s
          """, ""));
      agent.process().signal("HUP");
      Poll.until(Duration.ofSeconds(10), "the new budget in force",
          () -> agent.metric("proxy_preauth_limits_per_source") == 2);
      assertThat(agent.metric("proxy_preauth_limits_handshakes")).isEqualTo(64);
      assertThat(agent.process().log()).contains("pre-authentication budget now 64 handshakes, 2 per source")
          .doesNotContain("take effect only after a restart");
      assertThat(TlsClient.roundTrip(open, "after")).as("the open connection, after the reload").isEqualTo("after");
      assertThat(agent.metric("proxy_preauth_pending")).as("the pending handshake, kept").isEqualTo(1);
      connectFrom("127.0.0.2");
      connectFrom("127.0.0.2"); // the third from this source: its oldest goes
      assertThat(pending.getInputStream().read()).isEqualTo(-1);
      assertThat(agent.metric("proxy_preauth_evictions_source_total")).isEqualTo(1);
    }
  }

  @Test
  void sigtermDuringAFloodClosesHandshakesAfterTheGraceAndExitsWithTheAuthenticatedConnection() throws Exception {
    start("""
        handshakeTimeout: 60s
        drainTimeout: 60s
        preauth:
          firstByteTimeout: 60s
        """);
    SSLSocket authenticated = TlsClient.connect(controller(), address());
    assertThat(TlsClient.roundTrip(authenticated, "before")).isEqualTo("before");
    for (int source = 2; source <= 9; source++) {
      for (int i = 0; i < 20; i++) {
        Socket socket = connectFrom("127.0.0." + source);
        if (i % 2 == 0) {
          socket.getOutputStream().write(0x16); // a handshake begun, never finished
        }
      }
    }
    Poll.until(Duration.ofSeconds(10), "160 handshakes pending",
        () -> agent.metric("proxy_preauth_pending") == 160);
    agent.process().signal("TERM");
    agent.process().awaitLog(Pattern.compile("stopping: draining 1 open connections"), Duration.ofSeconds(10));
    assertThat(TlsClient.roundTrip(authenticated, "during")).as("the authenticated client, while draining")
        .isEqualTo("during");
    Elapsed elapsed = Elapsed.start();
    authenticated.close();
    assertThat(agent.process().awaitExit(Duration.ofSeconds(5))).as("exit code").isZero();
    elapsed.assertBetween(Duration.ZERO, Duration.ofSeconds(5));
    assertThat(agent.process().log()).contains("stopped (all connections finished)");
    for (Socket socket : held) {
      // had proxy.drainIdleGrace (2 s) to finish, far below the 60 s deadlines, then were closed by the stop
      socket.setSoTimeout(10_000);
      assertThat(socket.getInputStream().read()).as("a pending handshake, closed by the stop").isEqualTo(-1);
    }
  }
}
