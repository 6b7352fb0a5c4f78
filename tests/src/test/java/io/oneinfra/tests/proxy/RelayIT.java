package io.oneinfra.tests.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.oneinfra.proxy.Address;
import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.proxy.Transport;
import io.oneinfra.tests.support.Elapsed;
import io.oneinfra.tests.support.ProxyUnderTest;
import io.oneinfra.tests.support.TestPki;
import io.oneinfra.tests.support.TlsClient;
import io.oneinfra.tests.support.UnixEchoBackend;
import io.oneinfra.tests.testbed.Poll;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Bytes through the proxy: exact, with backpressure and half-close, within limits and timeouts. */
class RelayIT {
  private static final long GIB = 1L << 30;

  private final TestPki pki = new TestPki();

  @TempDir
  Path dir;

  @Test
  void relaysOneGibibyteThroughOneConnectionByteExact() throws Exception {
    try (UnixEchoBackend backend = UnixEchoBackend.start(dir.resolve("echo.sock"));
        ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path());
        SSLSocket socket = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
      socket.setSoTimeout(60_000);
      CompletableFuture<String> sent = CompletableFuture.supplyAsync(() -> send(socket, GIB));
      String received = readAndDigest(socket.getInputStream(), GIB);
      assertThat(received).as("SHA-256 of what came back").isEqualTo(sent.get(1, TimeUnit.MINUTES));
      assertThat(proxy.count("proxy.bytes.in")).isEqualTo(GIB);
      Poll.until(Duration.ofSeconds(10), "all bytes counted out", () -> proxy.count("proxy.bytes.out") == GIB);
    }
  }

  @ParameterizedTest
  @CsvSource({"OPENSSL, EPOLL", "JDK, EPOLL", "OPENSSL, NIO"})
  void clientHalfClosedWithTcpFinStillReceivesTheReturnTraffic(ProxySettings.TlsProvider provider,
      Transport.Preference transport) throws Exception {
    try (UnixEchoBackend backend = UnixEchoBackend.start(dir.resolve("echo.sock"));
        ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(),
            b -> b.tlsProvider(provider).transport(transport));
        Socket tcp = new Socket()) {
      assertThat(proxy.server.transport().name()).isEqualTo(transport.name());
      tcp.connect(proxy.address(), 5000);
      tcp.setSoTimeout(15_000);
      SSLSocket tls = (SSLSocket) pki.clientContext(pki.client).getSocketFactory()
          .createSocket(tcp, "127.0.0.1", proxy.port(), false);
      byte[] request = randomBytes(1 << 20);
      tls.getOutputStream().write(request);
      tls.getOutputStream().flush();
      tcp.shutdownOutput(); // FIN under the TLS layer: no more bytes from this client
      byte[] reply = tls.getInputStream().readAllBytes();
      assertThat(reply).hasSameSizeAs(request);
      assertThat(digest(reply)).isEqualTo(digest(request));
    }
  }

  @ParameterizedTest
  @EnumSource(value = Transport.Preference.class, names = {"EPOLL", "NIO"})
  void relaysToATcpBackendWithHalfClose(Transport.Preference transport) throws Exception {
    try (UnixEchoBackend backend = UnixEchoBackend.startTcp();
        ProxyUnderTest proxy = ProxyUnderTest.start(pki.material(), new Address.Tcp("127.0.0.1", backend.tcpPort()),
            b -> b.transport(transport));
        Socket tcp = new Socket()) {
      tcp.connect(proxy.address(), 5000);
      tcp.setSoTimeout(15_000);
      SSLSocket tls = (SSLSocket) pki.clientContext(pki.client).getSocketFactory()
          .createSocket(tcp, "127.0.0.1", proxy.port(), false);
      byte[] request = randomBytes(256 << 10);
      tls.getOutputStream().write(request);
      tls.getOutputStream().flush();
      tcp.shutdownOutput();
      assertThat(digest(tls.getInputStream().readAllBytes())).isEqualTo(digest(request));
      assertThat(backend.accepted()).isEqualTo(1);
    }
  }

  @Test
  void choosesEpollAutomaticallyWhereTheNativeLibraryLoads() {
    assertThat(Transport.select(Transport.Preference.AUTO)).isEqualTo(Transport.EPOLL);
  }

  // Netty's BoringSSL engine closes both directions on a received close_notify (netty#6167); the JDK engine keeps
  // TLS 1.3's half-close, so this one runs on the JDK provider. docs/SECURITY.md documents the difference.
  @Test
  void clientHalfClosedWithTlsCloseNotifyStillReceivesTheReturnTrafficOnTheJdkProvider() throws Exception {
    try (UnixEchoBackend backend = UnixEchoBackend.start(dir.resolve("echo.sock"));
        ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(),
            b -> b.tlsProvider(ProxySettings.TlsProvider.JDK));
        SSLSocket socket = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
      byte[] request = randomBytes(1 << 20);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      socket.shutdownOutput(); // TLS 1.3 close_notify: this client sends no more
      byte[] reply = socket.getInputStream().readAllBytes();
      assertThat(reply).hasSameSizeAs(request);
      assertThat(digest(reply)).isEqualTo(digest(request));
    }
  }

  @Test
  void closesClientPromptlyWhileBackendIsDownAndRecoversWhenItReturns() throws Exception {
    Path socketPath = dir.resolve("late.sock");
    try (ProxyUnderTest proxy = ProxyUnderTest.start(pki, socketPath)) {
      for (int i = 0; i < 3; i++) {
        try (SSLSocket socket = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
          Elapsed elapsed = Elapsed.start();
          assertThatThrownBy(() -> TlsClient.roundTrip(socket, "ping")).isInstanceOf(IOException.class);
          elapsed.assertBetween(Duration.ZERO, Duration.ofSeconds(5));
        }
      }
      Poll.until(Duration.ofSeconds(5), "backend_unavailable counted",
          () -> proxy.count("proxy.backend.unavailable") == 3);
      try (UnixEchoBackend backend = UnixEchoBackend.start(socketPath);
          SSLSocket socket = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
        assertThat(TlsClient.roundTrip(socket, "back again")).isEqualTo("back again");
        assertThat(backend.accepted()).isEqualTo(1);
      }
    }
  }

  @Test
  void refusesConnectionsBeyondTheLimitAndCountsThem() throws Exception {
    try (UnixEchoBackend backend = UnixEchoBackend.start(dir.resolve("echo.sock"));
        ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(), b -> b.maxConnections(2));
        SSLSocket second = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
      SSLSocket first = TlsClient.connect(pki.clientContext(pki.client), proxy.address());
      assertThat(TlsClient.roundTrip(first, "one")).isEqualTo("one");
      assertThat(TlsClient.roundTrip(second, "two")).isEqualTo("two");
      assertThatThrownBy(() -> {
        try (SSLSocket third = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
          TlsClient.roundTrip(third, "three");
        }
      }).isInstanceOf(IOException.class);
      assertThat(proxy.count("proxy.connections.refused")).isEqualTo(1);
      first.close();
      Poll.until(Duration.ofSeconds(5), "a slot to free up", () -> proxy.server.openConnections() == 1);
      try (SSLSocket again = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
        assertThat(TlsClient.roundTrip(again, "again")).isEqualTo("again");
      }
    }
  }

  @Test
  void closesConnectionIdleForTheIdleTimeout() throws Exception {
    try (UnixEchoBackend backend = UnixEchoBackend.start(dir.resolve("echo.sock"));
        ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(),
            b -> b.idleTimeout(Duration.ofMillis(300)));
        SSLSocket socket = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
      assertThat(TlsClient.roundTrip(socket, "active")).isEqualTo("active");
      Elapsed elapsed = Elapsed.start();
      assertThat(socket.getInputStream().read()).as("read after going quiet").isEqualTo(-1);
      elapsed.assertBetween(Duration.ofMillis(200),
          Duration.ofSeconds(10));
      assertThat(proxy.count("proxy.connections.timeouts.idle")).isEqualTo(1);
    }
  }

  @Test
  void closesConnectionOpenForTheMaxLifetimeEvenWhileBusy() throws Exception {
    try (UnixEchoBackend backend = UnixEchoBackend.start(dir.resolve("echo.sock"));
        ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(),
            b -> b.maxLifetime(Duration.ofMillis(500)));
        SSLSocket socket = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
      Elapsed elapsed = Elapsed.start();
      assertThatThrownBy(() -> {
        for (int i = 0; i < 100_000; i++) {
          TlsClient.roundTrip(socket, "busy " + i); // traffic does not extend a lifetime, unlike idleness
        }
      }).isInstanceOf(IOException.class);
      elapsed.assertBetween(Duration.ofMillis(400),
          Duration.ofSeconds(10));
      assertThat(proxy.count("proxy.connections.timeouts.lifetime")).isEqualTo(1);
    }
  }

  @Test
  void drainStopsAcceptingAndLetsAnOpenConnectionFinish() throws Exception {
    // drainIdleGrace 0: the drain waits for the client however quiet it is (DrainIT covers the grace)
    try (UnixEchoBackend backend = UnixEchoBackend.start(dir.resolve("echo.sock"));
        ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(), b -> b.drainIdleGrace(Duration.ZERO))) {
      SSLSocket open = TlsClient.connect(pki.clientContext(pki.client), proxy.address());
      assertThat(TlsClient.roundTrip(open, "before")).isEqualTo("before");
      CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(
          () -> proxy.server.drain(Duration.ofSeconds(20)));
      Poll.until(Duration.ofSeconds(5), "listener closed", () -> !proxy.accepts());
      assertThat(TlsClient.roundTrip(open, "during drain")).isEqualTo("during drain");
      assertThat(drained).isNotDone();
      open.close();
      assertThat(drained.get(10, TimeUnit.SECONDS)).as("finished without the timeout").isTrue();
    }
  }

  @Test
  void negotiatesH2WhenOfferedAndServesClientsOfferingNoAlpn() throws Exception {
    try (UnixEchoBackend backend = UnixEchoBackend.start(dir.resolve("echo.sock"));
        ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path())) {
      try (SSLSocket h2 = TlsClient.connect(pki.clientContext(pki.client), proxy.address(), "h2")) {
        assertThat(h2.getApplicationProtocol()).isEqualTo("h2");
        assertThat(TlsClient.roundTrip(h2, "h2")).isEqualTo("h2");
      }
      try (SSLSocket plain = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
        assertThat(plain.getApplicationProtocol()).isEmpty();
        assertThat(TlsClient.roundTrip(plain, "no alpn")).isEqualTo("no alpn");
      }
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    new Random(7).nextBytes(bytes);
    return bytes;
  }

  private static String digest(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** Sends {@code total} bytes of seeded pseudo-random data and returns their SHA-256. */
  private static String send(SSLSocket socket, long total) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] pool = new byte[(4 << 20) + 65_536];
      new Random(42).nextBytes(pool);
      OutputStream out = socket.getOutputStream();
      int chunk = 65_536;
      for (long sent = 0, i = 0; sent < total; sent += chunk, i++) {
        int offset = (int) ((i * 4099) % (4 << 20)); // vary the chunks so reordering would show
        digest.update(pool, offset, chunk);
        out.write(pool, offset, chunk);
      }
      out.flush();
      return HexFormat.of().formatHex(digest.digest());
    } catch (Exception e) {
      throw new IllegalStateException("sender failed", e);
    }
  }

  /** Reads exactly {@code total} bytes and returns their SHA-256. */
  private static String readAndDigest(InputStream in, long total) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[65_536];
    long read = 0;
    while (read < total) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, total - read));
      if (n < 0) {
        throw new EOFException("connection closed after " + read + " of " + total + " bytes");
      }
      digest.update(buffer, 0, n);
      read += n;
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
