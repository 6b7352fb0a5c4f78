package io.oneinfra.tests.support;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** A blocking JDK TLS client for byte-level proxy tests. */
public final class TlsClient {
  private TlsClient() {}

  /** Connects and completes the handshake; {@code alpn} may be empty to offer none. */
  public static SSLSocket connect(SSLContext context, InetSocketAddress address, String... alpn) throws IOException {
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
    socket.connect(address, 5000);
    socket.setSoTimeout(15_000);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setApplicationProtocols(alpn);
    socket.setSSLParameters(parameters);
    socket.startHandshake();
    return socket;
  }

  /** Writes {@code text} and reads the same number of bytes back. */
  public static String roundTrip(SSLSocket socket, String text) throws IOException {
    byte[] out = text.getBytes(StandardCharsets.UTF_8);
    socket.getOutputStream().write(out);
    socket.getOutputStream().flush();
    return new String(readExactly(socket.getInputStream(), out.length), StandardCharsets.UTF_8);
  }

  /** Reads exactly {@code n} bytes or fails with EOFException. */
  public static byte[] readExactly(InputStream in, int n) throws IOException {
    byte[] data = in.readNBytes(n);
    if (data.length < n) {
      throw new EOFException("connection closed after " + data.length + " of " + n + " bytes");
    }
    return data;
  }
}
