package io.oneinfra.tests.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.util.internal.PlatformDependent;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.proxy.HandshakeFailure;
import io.oneinfra.proxy.PreAuthLimits;
import io.oneinfra.tests.support.Door;
import io.oneinfra.tests.support.ProxyUnderTest;
import io.oneinfra.tests.support.TestPki;
import io.oneinfra.tests.support.TestThreads;
import io.oneinfra.tests.support.TlsClient;
import io.oneinfra.tests.support.UnixEchoBackend;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.Requirements;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each bad client is refused, the refusal is counted under its reason, the backend never sees a connection, and a
 * good client is served right after.
 */
class BadClientsIT {
  private static final Duration SHORT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);
  private final TestPki pki = new TestPki();
  private UnixEchoBackend backend;
  private ProxyUnderTest proxy;

  @TempDir
  Path dir;

  @BeforeEach
  void start() {
    backend = UnixEchoBackend.start(dir.resolve("cri.sock"));
    proxy = ProxyUnderTest.start(pki, backend.path()); // the default handshake timeout: a loaded host is slow
  }

  /** The proxy again, with a handshake timeout short enough for the cases about it to finish quickly. */
  private void restartWithShortHandshakeTimeout() {
    proxy.close();
    proxy = ProxyUnderTest.start(pki, backend.path(), b -> b.handshakeTimeout(SHORT_HANDSHAKE_TIMEOUT));
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    backend.close();
  }

  static Stream<Arguments> badCertificates() {
    return Stream.of(
        Arguments.of("expired", (Function<TestPki, Issued>) TestPki::expiredClient, "expired_certificate"),
        Arguments.of("not yet valid", (Function<TestPki, Issued>) TestPki::notYetValidClient,
            "not_yet_valid_certificate"),
        Arguments.of("serverAuth-only EKU", (Function<TestPki, Issued>) TestPki::serverAuthOnlyClient,
            "not_a_client_certificate"),
        Arguments.of("the client CA itself", (Function<TestPki, Issued>) p -> p.clientCa,
            "not_a_client_certificate"),
        Arguments.of("self-signed", (Function<TestPki, Issued>) TestPki::selfSignedClient, "untrusted_certificate"),
        Arguments.of("another CA's", (Function<TestPki, Issued>) p -> p.otherClient, "untrusted_certificate"));
  }

  @ParameterizedTest(name = "{0} certificate")
  @MethodSource("badCertificates")
  void refusesABadClientCertificate(String name, Function<TestPki, Issued> certificate, String reason)
      throws Exception {
    Door.assertTlsClientRefused(proxy, pki.clientContext(certificate.apply(pki)));
    Door.assertCounted(proxy, reason, backend, 0);
    Door.assertGoodClientServed(proxy, pki);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"-tls1", "-tls1_1"})
  void refusesOldProtocolVersions(String version) throws Exception {
    Requirements.require("openssl");
    Process client = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + proxy.port(), version,
        "-cipher", "DEFAULT:@SECLEVEL=0")
        .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(client.exitValue()).as(output).isNotZero();
    Door.assertCounted(proxy, "protocol", backend, 0);
    Door.assertGoodClientServed(proxy, pki);
  }

  @Test
  void refusesAnSslv3ClientHello() throws Exception {
    Door.sendRaw(proxy, sslv3ClientHello());
    Door.assertCounted(proxy, "protocol", backend, 0);
    Door.assertGoodClientServed(proxy, pki);
  }

  @Test
  void refusesAPlaintextHttp2Preface() throws Exception {
    byte[] back = Door.sendRaw(proxy, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(new String(back, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/2");
    Door.assertCounted(proxy, "not_tls", backend, 0);
    Door.assertGoodClientServed(proxy, pki);
  }

  @Test
  void refusesRandomGarbage() throws Exception {
    byte[] garbage = new byte[4096];
    new Random(3).nextBytes(garbage);
    garbage[0] = 0x47; // not a TLS content type, so the first byte already says "not TLS"
    Door.sendRaw(proxy, garbage);
    Door.assertCounted(proxy, "not_tls", backend, 0);
    Door.assertGoodClientServed(proxy, pki);
  }

  @Test
  void closesATruncatedClientHelloAtTheHandshakeTimeout() throws Exception {
    restartWithShortHandshakeTimeout();
    byte[] hello = sslv3ClientHello();
    hello[1] = 3;
    hello[2] = 3; // a TLS 1.2 record header announcing more than is sent
    byte[] truncated = java.util.Arrays.copyOf(hello, 12);
    Door.sendRaw(proxy, truncated); // returns when the proxy gives up on the silent client
    Door.assertCounted(proxy, "timeout", backend, 0);
    Door.assertGoodClientServed(proxy, pki);
  }

  @Test
  void closesASlowlorisHandshakeAtTheHandshakeTimeout() throws Exception {
    restartWithShortHandshakeTimeout();
    byte[] hello = sslv3ClientHello();
    hello[2] = 3; // TLS 1.2 version bytes, sent one every 150 ms: the 50 bytes would take 7.5 s
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    try (Socket socket = new Socket()) {
      socket.connect(proxy.address(), 5000);
      socket.setSoTimeout(10_000);
      AtomicInteger next = new AtomicInteger();
      pacer.scheduleAtFixedRate(() -> {
        int i = next.getAndIncrement();
        if (i < hello.length) {
          try {
            socket.getOutputStream().write(hello[i]);
          } catch (IOException closed) {
            next.set(hello.length); // the proxy hung up: stop dripping
          }
        }
      }, 0, 150, TimeUnit.MILLISECONDS);
      long start = System.nanoTime();
      assertThat(socket.getInputStream().read()).as("the proxy's answer to a dripping client").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    } finally {
      pacer.shutdownNow();
    }
    Door.assertCounted(proxy, "timeout", backend, 0);
    Door.assertGoodClientServed(proxy, pki);
  }

  /**
   * BoringSSL answers a renegotiation with a fatal {@code no_renegotiation} alert and the proxy closes the connection
   * (its log says {@code reason=error}). The handshake had succeeded, so it is no handshake failure: no refusal
   * counter moves, and this asserts that none does.
   */
  @Test
  void refusesAClientInitiatedRenegotiationAndKeepsServing() throws Exception {
    SSLSocket socket = (SSLSocket) pki.clientContext(pki.client).getSocketFactory().createSocket();
    try (socket) {
      socket.connect(proxy.address(), 5000);
      socket.setSoTimeout(10_000);
      socket.setEnabledProtocols(new String[] {"TLSv1.2"}); // TLS 1.3 has no renegotiation to attempt
      socket.startHandshake();
      assertThat(TlsClient.roundTrip(socket, "before")).isEqualTo("before");
      assertThatThrownBy(() -> {
        socket.startHandshake(); // a new ClientHello on the established connection
        TlsClient.roundTrip(socket, "after");
      }).isInstanceOf(SSLHandshakeException.class).hasMessageContaining("no_renegotiation");
    }
    Poll.until(Duration.ofSeconds(5), "the connection to close", () -> proxy.server.openConnections() == 0);
    assertThat(backend.accepted()).as("only the authenticated connection reached the backend").isEqualTo(1);
    assertThat(proxy.count("proxy.connections.relayed")).as("the connection was authenticated and relayed")
        .isEqualTo(1);
    for (HandshakeFailure reason : HandshakeFailure.values()) {
      assertThat(proxy.count("proxy.handshake.failures." + reason.metricName())).as(reason.metricName()).isZero();
    }
    assertThat(proxy.count("proxy.connections.refused")).isZero();
    Door.assertGoodClientServed(proxy, pki);
  }

  @Test
  void refusesAnOversizedRecord() throws Exception {
    ByteArrayOutputStream record = new ByteArrayOutputStream();
    record.write(new byte[] {0x16, 0x03, 0x03, (byte) 0xff, (byte) 0xff}); // 65535 bytes: over TLS's 16 kB + 2 kB
    record.write(new byte[20_000]);
    Door.sendRaw(proxy, record.toByteArray());
    Door.assertCounted(proxy, "protocol", backend, 0);
    Door.assertGoodClientServed(proxy, pki);
  }

  @Test
  void survivesAFloodOfFiveThousandHandshakesWithinItsLimitsWhileServingAGoodClient() throws Exception {
    int handshakes = 5000;
    int limit = 16;
    proxy.close();
    // handshakes in progress have a budget of their own (proxy.preauth), apart from authenticated connections
    proxy = ProxyUnderTest.start(pki, backend.path(), b -> b.maxConnections(32)
        .preAuth(new PreAuthLimits(limit, limit, Duration.ofSeconds(2))));
    long directBefore = PlatformDependent.usedDirectMemory();
    ExecutorService flood = Executors.newFixedThreadPool(48); // more at once than the budget admits
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger mostOpen = new AtomicInteger();
    sampler.scheduleAtFixedRate(() -> mostOpen.accumulateAndGet(proxy.server.pendingHandshakes(), Math::max),
        0, 2, TimeUnit.MILLISECONDS);
    AtomicBoolean flooding = new AtomicBoolean(true);
    AtomicInteger goodRoundTrips = new AtomicInteger();
    // the good client connects first, so it holds one of the slots throughout
    SSLSocket goodSocket = TlsClient.connect(pki.clientContext(pki.client), proxy.address());
    // a TLS 1.3 client is done before the server has read its Finished: until the server has, it is a pending
    // handshake from the flood's own address, the oldest one, which the budget evicts first
    Poll.until(Duration.ofSeconds(10), "the good client authenticated", () -> proxy.server.openConnections() == 1);
    TestThreads good = new TestThreads();
    good.start("good-client", () -> {
      try (goodSocket) {
        while (flooding.get()) {
          assertThat(TlsClient.roundTrip(goodSocket, "good")).isEqualTo("good");
          goodRoundTrips.incrementAndGet();
        }
      }
    });
    var noCertificate = pki.clientContext(null);
    List<Future<?>> attempts = new ArrayList<>();
    for (int i = 0; i < handshakes; i++) {
      attempts.add(flood.submit(() -> Door.assertTlsClientRefused(proxy, noCertificate)));
    }
    try {
      for (Future<?> attempt : attempts) {
        attempt.get(2, TimeUnit.MINUTES);
      }
      flooding.set(false);
      good.join(Duration.ofSeconds(30)); // the good client ended, and any failure of it fails the test
    } finally {
      flooding.set(false);
      flood.shutdownNow();
      sampler.shutdownNow();
    }
    Poll.until(Duration.ofSeconds(10), "every attempt accounted for", () ->
        proxy.count("proxy.handshake.failures.no_client_certificate") + proxy.count("proxy.handshake.failures.evicted")
            == handshakes);
    assertThat(proxy.count("proxy.handshake.failures.evicted")).as("evicted at the budget").isPositive();
    assertThat(mostOpen.get()).as("most handshakes in progress at once").isLessThanOrEqualTo(limit);
    assertThat(goodRoundTrips.get()).isPositive();
    assertThat(backend.accepted()).as("only the good client reached the backend").isEqualTo(1);
    Poll.until(Duration.ofSeconds(10), "connections to drain away", () -> proxy.server.openConnections() == 0);
    assertThat(PlatformDependent.usedDirectMemory() - directBefore).as("direct memory kept after the flood")
        .isLessThan(64L << 20);
  }

  /** A minimal SSL 3.0 ClientHello (version 3.0, one RSA cipher suite, no extensions). */
  private static byte[] sslv3ClientHello() {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(3);
    body.write(0); // client_version 3.0
    body.writeBytes(new byte[32]); // random
    body.write(0); // no session id
    body.writeBytes(new byte[] {0, 2, 0, 0x2f}); // TLS_RSA_WITH_AES_128_CBC_SHA
    body.writeBytes(new byte[] {1, 0}); // null compression
    byte[] hello = body.toByteArray();
    ByteArrayOutputStream record = new ByteArrayOutputStream();
    record.writeBytes(new byte[] {0x16, 3, 0, 0, (byte) (hello.length + 4)});
    record.writeBytes(new byte[] {1, 0, 0, (byte) hello.length});
    record.writeBytes(hello);
    return record.toByteArray();
  }
}
