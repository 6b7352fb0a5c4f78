package io.oneinfra.tests.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** haproxy 2.6 terminating mTLS in front of a unix socket: the reference the proxy is compared with. */
public final class Haproxy implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  // The default maxconn would queue connection-holding tests long before the fd limit.
  private static final int MAX_CONNECTIONS = 20000;
  // Descriptors haproxy needs besides two per connection (listeners, logs, pollers).
  private static final int FD_RESERVE = 100;

  private final DaemonProcess daemon;
  private final int port;

  private Haproxy(DaemonProcess daemon, int port) {
    this.daemon = daemon;
    this.port = port;
  }

  /** Starts haproxy on a free loopback port, relaying verified mTLS clients to {@code backend}. */
  public static Haproxy start(Path serverBundlePem, Path clientCaPem, Path backendUnixSocket) {
    return start(serverBundlePem, clientCaPem, backendUnixSocket, List.of());
  }

  /**
   * As {@link #start(Path, Path, Path)}, run through {@code prefix} (e.g. {@code taskset -c 1}, which execs haproxy,
   * so the PID is still haproxy's).
   */
  public static Haproxy start(Path serverBundlePem, Path clientCaPem, Path backendUnixSocket, List<String> prefix) {
    try {
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "hapx");
      int port = freePort();
      Path config = dir.resolve("haproxy.cfg");
      int maxconn = maxConnections();
      Files.writeString(config, """
          global
            maxconn %1$d
          defaults
            mode tcp
            maxconn %1$d
            timeout connect 10s
            timeout client 60s
            timeout server 60s
          frontend cri_frontend
            bind 127.0.0.1:%2$d ssl crt %3$s ca-file %4$s verify required alpn h2
            default_backend cri_backend
          backend cri_backend
            server cri unix@%5$s
          """.formatted(maxconn, port, serverBundlePem, clientCaPem, backendUnixSocket),
          StandardCharsets.UTF_8);
      List<String> command = new ArrayList<>(prefix);
      command.addAll(List.of("haproxy", "-db", "-f", config.toString()));
      Haproxy haproxy = new Haproxy(DaemonProcess.start("haproxy", dir, command, STOP_TIMEOUT), port);
      try {
        Poll.until(START_TIMEOUT, "haproxy on port " + port, () -> {
          haproxy.daemon.requireAlive();
          return accepts(port);
        }, haproxy::log);
      } catch (RuntimeException e) {
        haproxy.close();
        throw e;
      }
      return haproxy;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start haproxy", e);
    }
  }

  /** The first line of {@code haproxy -v}, e.g. {@code HAProxy version 2.6.12-1+deb12u4 2026/10/17 - ...}. */
  public static String version() {
    return Commands.run(Duration.ofSeconds(10), "haproxy", "-v").requireSuccess().output().lines().findFirst()
        .orElse("");
  }

  public int port() {
    return port;
  }

  public long pid() {
    return daemon.process().pid();
  }

  /** haproxy's own output so far, for failure messages. */
  public String log() {
    return daemon.log();
  }

  /** Stops haproxy by PID (SIGTERM, then SIGKILL after a deadline) and deletes its temp dir. */
  @Override
  public void close() {
    daemon.close();
  }

  /**
   * 20000 connections, or fewer when the open-file hard limit cannot hold two descriptors per
   * connection: haproxy refuses to start ("Cannot raise FD limit") rather than cap itself.
   */
  private static int maxConnections() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
      if (line.startsWith("Max open files")) {
        String hard = line.substring("Max open files".length()).trim().split("\\s+")[1];
        if (!hard.equals("unlimited")) {
          return (int) Math.min(MAX_CONNECTIONS, (Long.parseLong(hard) - FD_RESERVE) / 2);
        }
      }
    }
    return MAX_CONNECTIONS;
  }

  // Racy by nature (someone may take the port before haproxy binds it) but fine on a test machine.
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
