package io.oneinfra.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A unix-socket (or TCP) backend that counts every connection it accepts and echoes bytes back; on the client's half-close
 * it finishes echoing and half-closes too. Stands in for the CRI socket where only bytes matter.
 */
public final class UnixEchoBackend implements AutoCloseable {
  private final Path path;
  private final ServerSocketChannel server;
  private final AtomicInteger accepted = new AtomicInteger();
  private final Thread acceptor;

  private UnixEchoBackend(Path path) throws IOException {
    this.path = path;
    if (path != null) {
      Files.deleteIfExists(path);
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(path));
    } else {
      server = ServerSocketChannel.open(StandardProtocolFamily.INET);
      server.bind(new InetSocketAddress("127.0.0.1", 0));
    }
    acceptor = new Thread(this::acceptLoop, "echo-backend");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Listens on {@code path} (replacing a stale socket file). */
  public static UnixEchoBackend start(Path path) {
    try {
      return new UnixEchoBackend(path);
    } catch (IOException e) {
      throw new UncheckedIOException("echo backend: cannot listen on " + path, e);
    }
  }

  /** The same backend on TCP (127.0.0.1, a free port), for {@code HOST:PORT} backends. */
  public static UnixEchoBackend startTcp() {
    try {
      return new UnixEchoBackend(null);
    } catch (IOException e) {
      throw new UncheckedIOException("echo backend: cannot listen on TCP", e);
    }
  }

  public Path path() {
    return path;
  }

  /** The TCP port, for a backend started with {@link #startTcp()}. */
  public int tcpPort() throws IOException {
    return ((InetSocketAddress) server.getLocalAddress()).getPort();
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel client = server.accept();
        accepted.incrementAndGet();
        Thread echo = new Thread(() -> echo(client), "echo-connection");
        echo.setDaemon(true);
        echo.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void echo(SocketChannel client) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
    try (client) {
      while (client.read(buffer) >= 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          client.write(buffer);
        }
        buffer.clear();
      }
      client.shutdownOutput();
      // keep the socket until the peer closes, so the half-close is observable
      while (client.read(buffer.clear()) >= 0) {
        buffer.clear();
      }
    } catch (IOException e) {
      // the proxy closed the connection; nothing to echo any more
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    if (path != null) {
      Files.deleteIfExists(path);
    }
  }
}
