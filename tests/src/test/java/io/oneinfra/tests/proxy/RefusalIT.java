package io.oneinfra.tests.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.tests.support.Elapsed;
import io.oneinfra.tests.support.ProxyUnderTest;
import io.oneinfra.tests.support.TestPki;
import io.oneinfra.tests.support.TlsClient;
import io.oneinfra.tests.support.UnixEchoBackend;
import io.oneinfra.tests.testbed.Poll;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Clients without a valid certificate are refused at the door: the backend never even sees a connection. */
class RefusalIT {
  private final TestPki pki = new TestPki();
  private UnixEchoBackend backend;

  @TempDir
  Path dir;

  @BeforeEach
  void startBackend() {
    backend = UnixEchoBackend.start(dir.resolve("cri.sock"));
  }

  @AfterEach
  void stopBackend() throws IOException {
    backend.close();
  }

  @ParameterizedTest
  @EnumSource(ProxySettings.TlsProvider.class)
  void rejectsClientWithoutCertificateAndServesAGoodClientRightAfter(ProxySettings.TlsProvider provider) throws Exception {
    try (ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(), b -> b.tlsProvider(provider))) {
      assertRefused(proxy, pki.clientContext(null), "proxy.handshake.failures.no_client_certificate");
      assertGoodClientServed(proxy);
    }
  }

  @ParameterizedTest
  @EnumSource(ProxySettings.TlsProvider.class)
  void rejectsClientCertificateFromOtherCaAndServesAGoodClientRightAfter(ProxySettings.TlsProvider provider)
      throws Exception {
    try (ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(), b -> b.tlsProvider(provider))) {
      assertRefused(proxy, pki.clientContext(pki.otherClient), "proxy.handshake.failures.untrusted_certificate");
      assertGoodClientServed(proxy);
    }
  }

  @Test
  void closesAConnectionThatNeverFinishesItsHandshakeAtTheHandshakeTimeout() throws Exception {
    try (ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(),
            b -> b.handshakeTimeout(Duration.ofMillis(300)));
        Socket silent = new Socket()) {
      silent.connect(proxy.address(), 5000);
      silent.setSoTimeout(10_000);
      Elapsed elapsed = Elapsed.start();
      assertThat(silent.getInputStream().read()).as("read on a connection that said nothing").isEqualTo(-1);
      elapsed.assertBetween(Duration.ofMillis(200),
          Duration.ofSeconds(5));
      Poll.until(Duration.ofSeconds(5), "timeout counted",
          () -> proxy.count("proxy.handshake.failures.timeout") == 1);
      assertThat(backend.accepted()).isZero();
      assertGoodClientServed(proxy);
    }
  }

  private void assertRefused(ProxyUnderTest proxy, SSLContext context, String failureMetric) {
    assertThatThrownBy(() -> {
      // with TLS 1.3 the client finishes first; the refusal arrives as an alert or a close on the first read
      try (SSLSocket socket = TlsClient.connect(context, proxy.address())) {
        socket.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes());
        socket.getOutputStream().flush();
        if (socket.getInputStream().read() < 0) {
          throw new EOFException("closed by the proxy");
        }
      }
    }).isInstanceOf(IOException.class);
    Poll.until(Duration.ofSeconds(10), failureMetric, () -> proxy.count(failureMetric) == 1);
    assertThat(proxy.count("proxy.connections.relayed")).isZero();
    assertThat(backend.accepted()).as("connections the backend saw").isZero();
  }

  private void assertGoodClientServed(ProxyUnderTest proxy) throws IOException {
    try (SSLSocket socket = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
      assertThat(TlsClient.roundTrip(socket, "hello")).isEqualTo("hello");
    }
    assertThat(backend.accepted()).isEqualTo(1);
  }
}
