package io.oneinfra.tests.gateway;

import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.TlsClient;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLSocket;

/**
 * A hand-driven HTTP/2 client over the controller's mTLS credentials: writes exactly the frames a test asks for,
 * well-formed or not, and reads what comes back. For the abuse cases no real client would send.
 */
final class RawH2 implements AutoCloseable {
  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int PING = 6;
  static final int GOAWAY = 7;
  static final int CONTINUATION = 9;
  static final int END_STREAM = 0x1;
  static final int ACK = 0x1;
  static final int END_HEADERS = 0x4;
  static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** One frame read back. */
  record Frame(int type, int flags, int stream, byte[] payload) {
    /** A GOAWAY's error code. */
    long goAwayCode() {
      return ByteBuffer.wrap(payload, 4, 4).getInt() & 0xffffffffL;
    }
  }

  private final SSLSocket socket;
  private final OutputStream out;
  private final DataInputStream in;

  private RawH2(SSLSocket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** Connects with the manifest's credentials, offering ALPN h2; nothing of HTTP/2 is sent yet. */
  static RawH2 connect(HypervisorManifest manifest) throws Exception {
    String uri = manifest.spec().remoteCriEndpoint().criEndpointUri();
    int colon = uri.lastIndexOf(':');
    return new RawH2(TlsClient.connect(ControllerView.jdkContext(manifest),
        new InetSocketAddress(uri.substring(0, colon), Integer.parseInt(uri.substring(colon + 1))), "h2"));
  }

  /** The client preface and an empty SETTINGS, then the ACK of the server's SETTINGS (which applies its limits). */
  RawH2 start() throws IOException {
    out.write(PREFACE);
    frame(SETTINGS, 0, 0, new byte[0]);
    for (Frame f = read(Duration.ofSeconds(10)); f != null; f = read(Duration.ofSeconds(10))) {
      if (f.type() == SETTINGS && (f.flags() & ACK) == 0) {
        frame(SETTINGS, ACK, 0, new byte[0]);
        return this;
      }
    }
    throw new EOFException("the server closed before its SETTINGS");
  }

  void raw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    byte[] header = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
        (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8),
        (byte) stream};
    out.write(header);
    out.write(payload);
    out.flush();
  }

  /** A gRPC request's headers for {@code path}, HPACK-encoded as literals (no Huffman, no indexing, table size 0). */
  static byte[] grpcHeaders(String path, Map<String, String> extra) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(":method", "POST");
    headers.put(":scheme", "https");
    headers.put(":path", path);
    headers.put(":authority", "127.0.0.1");
    headers.put("content-type", "application/grpc");
    headers.put("te", "trailers");
    headers.putAll(extra);
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    // a dynamic table size update to 0 opens every block, as HPACK has a compliant encoder signal the size it uses
    // after the decoder announced a smaller one (the gateway announces 1,024): this encoder never indexes anything
    block.write(0x20);
    headers.forEach((name, value) -> {
      block.write(0x00); // literal header field without indexing, new name
      string(block, name);
      string(block, value);
    });
    return block.toByteArray();
  }

  private static void string(ByteArrayOutputStream out, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int length = bytes.length;
    if (length < 127) {
      out.write(length);
    } else {
      out.write(127);
      length -= 127;
      while (length >= 128) {
        out.write((length & 0x7f) | 0x80);
        length >>>= 7;
      }
      out.write(length);
    }
    out.writeBytes(bytes);
  }

  /** The next frame, or null when the connection ended (or nothing came within {@code timeout}). */
  Frame read(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    try {
      int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int stream = in.readInt() & 0x7fffffff;
      byte[] payload = new byte[length];
      in.readFully(payload);
      return new Frame(type, flags, stream, payload);
    } catch (EOFException | SocketTimeoutException | SocketException e) {
      return null;
    }
  }

  /** Reads until a GOAWAY arrives or the connection ends; the GOAWAY, or null when none came. */
  Frame awaitGoAway(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Frame f = read(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
      if (f == null || f.type() == GOAWAY) {
        return f;
      }
    }
    return null;
  }

  /** Whether the server has closed the connection (reads reach EOF within {@code timeout}). */
  boolean closedWithin(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
    try {
      while (System.nanoTime() < deadline) {
        if (in.read(new byte[4096]) < 0) {
          return true;
        }
      }
      return false;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true; // reset by the server
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
