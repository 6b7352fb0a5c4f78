package io.oneinfra.agent.systemd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** Sends sd_notify messages: one datagram per message to the unix socket named by {@code NOTIFY_SOCKET}. */
public final class SdNotify implements AutoCloseable {
  private final AFUNIXDatagramChannel channel;

  private SdNotify(AFUNIXSocketAddress target) throws IOException {
    this.channel = AFUNIXDatagramChannel.open();
    try {
      channel.connect(target);
    } catch (IOException e) {
      channel.close();
      throw new IOException("NOTIFY_SOCKET " + target + ": cannot connect: " + e.getMessage(), e);
    }
  }

  /**
   * The notifier for this process, when systemd (or a test) gave it a {@code NOTIFY_SOCKET}: a path, or an abstract
   * socket name starting with '@'.
   *
   * @throws IOException when the variable is set but unusable
   */
  public static Optional<SdNotify> fromEnvironment(Map<String, String> env) throws IOException {
    String name = env.get("NOTIFY_SOCKET");
    if (name == null || name.isEmpty()) {
      return Optional.empty();
    }
    AFUNIXSocketAddress target = name.startsWith("@")
        ? AFUNIXSocketAddress.inAbstractNamespace(name.substring(1))
        : AFUNIXSocketAddress.of(Path.of(name));
    return Optional.of(new SdNotify(target));
  }

  /** Sends one message, e.g. {@code "READY=1\nSTATUS=serving"}. */
  public synchronized void send(String message) throws IOException {
    channel.write(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public synchronized void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // the descriptor is released regardless
    }
  }
}
