package io.oneinfra.agent.gateway;

import io.oneinfra.proxy.cri.CallRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Sends audit records to journald as structured fields, in its native protocol: one datagram per record to
 * {@code /run/systemd/journal/socket}, {@code KEY=value} lines (a value with a newline in journald's binary form).
 * Query them with {@code journalctl ONEINFRA_AUDIT=1 -o verbose}.
 */
final class JournalFields implements AutoCloseable {
  /** journald's socket for native messages. */
  static final Path SOCKET = Path.of("/run/systemd/journal/socket");

  private final AFUNIXDatagramChannel channel;

  JournalFields(Path socket) throws IOException {
    channel = AFUNIXDatagramChannel.open();
    try {
      channel.connect(AFUNIXSocketAddress.of(socket));
    } catch (IOException e) {
      channel.close();
      throw new IOException("cri.audit.journald: cannot connect to journald at " + socket + ": " + e.getMessage(), e);
    }
  }

  void send(CallRecord record) throws IOException {
    channel.write(ByteBuffer.wrap(encode(fields(record))));
  }

  static Map<String, String> fields(CallRecord r) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("MESSAGE", "cri call " + r.method() + " " + (r.allowed() ? "" : "denied ") + r.grpcCode() + " "
        + r.client().label() + " from " + r.client().source());
    f.put("PRIORITY", r.allowed() ? "6" : "4");
    f.put("SYSLOG_IDENTIFIER", "oneinfra-agent");
    f.put("ONEINFRA_AUDIT", "1");
    f.put("CRI_METHOD", r.method());
    f.put("CRI_FORWARDED_AS", r.forwarded());
    f.put("CRI_DECISION", r.allowed() ? "allowed" : "denied");
    f.put("CRI_REASON", r.decision());
    f.put("CRI_CLIENT_CN", r.client().commonName());
    f.put("CRI_CLIENT_SPKI_SHA256", r.client().spkiSha256());
    f.put("CRI_SOURCE", r.client().source());
    r.fields().forEach((k, v) -> f.put("CRI_" + k.toUpperCase(Locale.ROOT), v));
    f.put("CRI_CODE", r.grpcCode());
    f.put("CRI_MESSAGE", r.grpcMessage());
    f.put("CRI_DURATION_MS", String.format(Locale.ROOT, "%.3f", r.durationNanos() / 1e6));
    f.put("CRI_REQUEST_BYTES", Long.toString(r.requestBytes()));
    f.put("CRI_RESPONSE_BYTES", Long.toString(r.responseBytes()));
    return f;
  }

  /** journald's native format: {@code KEY=value\n}, or {@code KEY\n<u64 LE length>value\n} when value has a newline. */
  static byte[] encode(Map<String, String> fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    fields.forEach((key, value) -> {
      byte[] k = key.getBytes(StandardCharsets.US_ASCII);
      byte[] v = value.getBytes(StandardCharsets.UTF_8);
      out.writeBytes(k);
      if (value.indexOf('\n') < 0) {
        out.write('=');
      } else {
        out.write('\n');
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v.length).array());
      }
      out.writeBytes(v);
      out.write('\n');
    });
    return out.toByteArray();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
