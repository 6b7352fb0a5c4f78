package io.oneinfra.tests.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.proxy.Address;
import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.tests.support.Elapsed;
import io.oneinfra.tests.support.ProxyUnderTest;
import io.oneinfra.tests.support.TestPki;
import io.oneinfra.tests.support.TlsClient;
import io.oneinfra.tests.support.UnixEchoBackend;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drain ends when the work ends, with {@code proxy.drainTimeout} only as a cap: a raw (l4) connection is closed once
 * quiet for {@code proxy.drainIdleGrace} and served while busy; a gateway connection that joins after the drain began
 * still gets GOAWAY at once.
 */
@ExtendWith(SharedContainerd.class)
class DrainIT {
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
  private static final int PING = 6;
  private static final int GOAWAY = 7;
  private static final int ACK = 0x1;

  @TempDir
  Path dir;

  private final TestPki pki = new TestPki();

  @Test
  void anL4ConnectionQuietForTheGraceIsClosedAndTheDrainEndsLongBeforeItsTimeout() throws Exception {
    try (UnixEchoBackend backend = UnixEchoBackend.start(dir.resolve("echo.sock"));
        ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(),
            b -> b.drainIdleGrace(Duration.ofMillis(300)).drainTimeout(DRAIN_TIMEOUT));
        SSLSocket open = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
      assertThat(TlsClient.roundTrip(open, "before")).isEqualTo("before");

      Elapsed elapsed = Elapsed.start();
      assertThat(proxy.server.drain(DRAIN_TIMEOUT)).as("ended before the timeout").isTrue();
      elapsed.assertBetween(Duration.ZERO, Duration.ofSeconds(10));
      assertThat(open.getInputStream().read()).as("closed by the proxy").isEqualTo(-1);
    }
  }

  @Test
  void anL4ConnectionBusyAcrossTheDrainIsServedUntilItGoesQuiet() throws Exception {
    try (UnixEchoBackend backend = UnixEchoBackend.start(dir.resolve("echo.sock"));
        ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(), b -> b.drainTimeout(DRAIN_TIMEOUT));
        SSLSocket busy = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
      Duration grace = proxy.server.settings().drainIdleGrace();
      assertThat(grace).as("the default").isEqualTo(Duration.ofSeconds(2));
      assertThat(TlsClient.roundTrip(busy, "before")).isEqualTo("before");
      CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> proxy.server.drain(DRAIN_TIMEOUT));
      Poll.until(Duration.ofSeconds(5), "listener closed", () -> !proxy.accepts());

      // twice the grace of back-to-back round trips: never quiet that long, so never cut
      long until = System.nanoTime() + grace.multipliedBy(2).toNanos();
      int trips = 0;
      while (System.nanoTime() < until) {
        assertThat(TlsClient.roundTrip(busy, "busy " + trips)).isEqualTo("busy " + trips);
        trips++;
      }
      assertThat(drained).as("still draining while the client is busy").isNotDone();

      Elapsed quiet = Elapsed.start();
      assertThat(busy.getInputStream().read()).as("closed once quiet").isEqualTo(-1);
      quiet.assertBetween(grace.minusMillis(200), grace.plusSeconds(8));
      assertThat(drained.get(10, TimeUnit.SECONDS)).as("ended before the timeout").isTrue();
      System.out.printf("drain with a busy l4 client: %d round trips served while draining%n", trips);
    }
  }

  @Test
  void aGatewayConnectionJoiningAfterTheDrainBeganGetsGoAwayAtOnce(Containerd containerd) throws Exception {
    try (ProxyUnderTest proxy = ProxyUnderTest.start(pki.material(), new Address.Unix(containerd.socket()),
        b -> b.mode(ProxySettings.Mode.CRI).drainTimeout(DRAIN_TIMEOUT));
        Socket tcp = new Socket()) {
      // accepted, its handshake pending (not even begun): it gets proxy.drainIdleGrace (2 s) to finish it
      tcp.connect(proxy.address(), 5000);
      Poll.until(Duration.ofSeconds(10), "the connection accepted", () -> proxy.server.pendingHandshakes() == 1);
      Elapsed elapsed = Elapsed.start();
      CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> proxy.server.drain(DRAIN_TIMEOUT));
      Poll.until(Duration.ofSeconds(5), "listener closed", () -> !proxy.accepts());

      try (SSLSocket tls = (SSLSocket) pki.clientContext(pki.client).getSocketFactory().createSocket(tcp,
          "127.0.0.1", proxy.port(), true)) {
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2"});
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        OutputStream out = tls.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
        out.flush();
        // as a gRPC client does: ACK the PINGs (the gateway's GOAWAY is followed by one, and the final GOAWAY by its ACK)
        List<Integer> frames = framesUntilClosed(tls);
        assertThat(frames).as("frames from the gateway").containsSubsequence(GOAWAY, PING, GOAWAY);
        // the client never closes its end: the gateway does, once its (no) calls are done, not at the timeout
        assertThat(drained.get(15, TimeUnit.SECONDS)).as("ended before the timeout").isTrue();
        elapsed.assertBetween(Duration.ZERO, Duration.ofSeconds(8));
      }
    }
  }

  /** Frame types read until the server closes the connection, each PING (not an ACK) answered with its ACK. */
  private static List<Integer> framesUntilClosed(SSLSocket socket) throws IOException {
    socket.setSoTimeout(15_000);
    DataInputStream in = new DataInputStream(socket.getInputStream());
    OutputStream out = socket.getOutputStream();
    List<Integer> types = new ArrayList<>();
    try {
      while (true) {
        int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        in.skipNBytes(4); // stream id
        byte[] payload = in.readNBytes(length);
        types.add(type);
        if (type == PING && (flags & ACK) == 0) {
          out.write(new byte[] {0, 0, 8, PING, ACK, 0, 0, 0, 0});
          out.write(payload);
          out.flush();
        }
      }
    } catch (EOFException | SocketTimeoutException | SocketException e) {
      return types;
    }
  }
}
