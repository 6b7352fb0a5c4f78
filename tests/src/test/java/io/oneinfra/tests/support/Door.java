package io.oneinfra.tests.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.oneinfra.tests.testbed.Poll;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** Assertions about the proxy's door: who is refused, why it was counted, and that the backend never knew. */
public final class Door {
  private Door() {}

  /** A TLS client with {@code context} gets no byte back from the backend (TLS 1.3: refused on the first read). */
  public static void assertTlsClientRefused(ProxyUnderTest proxy, SSLContext context) {
    assertThatThrownBy(() -> {
      try (SSLSocket socket = TlsClient.connect(context, proxy.address())) {
        socket.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes());
        socket.getOutputStream().flush();
        if (socket.getInputStream().read() < 0) {
          throw new EOFException("closed by the proxy");
        }
      }
    }).isInstanceOf(IOException.class);
  }

  /** Sends raw bytes on a plain TCP connection and waits for the proxy to close it; returns what came back. */
  public static byte[] sendRaw(ProxyUnderTest proxy, byte[] bytes) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(proxy.address(), 5000);
      socket.setSoTimeout(15_000);
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      try {
        return in.readAllBytes(); // an alert at most, then the close
      } catch (IOException reset) {
        return new byte[0];
      }
    }
  }

  /** The failure was counted under {@code reason}, and the backend saw no more connections than before. */
  public static void assertCounted(ProxyUnderTest proxy, String reason, UnixEchoBackend backend, int before) {
    String metric = "proxy.handshake.failures." + reason;
    Poll.until(Duration.ofSeconds(10), metric, () -> proxy.count(metric) >= 1);
    assertThat(backend.accepted()).as("connections the backend saw").isEqualTo(before);
  }

  /** A good client gets its bytes through right after. */
  public static void assertGoodClientServed(ProxyUnderTest proxy, TestPki pki) throws IOException {
    try (SSLSocket socket = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
      assertThat(TlsClient.roundTrip(socket, "still serving")).isEqualTo("still serving");
    }
  }
}
