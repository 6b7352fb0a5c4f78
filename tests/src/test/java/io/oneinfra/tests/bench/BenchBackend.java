package io.oneinfra.tests.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A unix-socket backend on one selector thread, so that thousands of held connections cost no threads.
 * {@link Mode#ECHO} echoes bytes; {@link Mode#SINK} discards them and, on the client's half-close, replies with the
 * byte count (8 bytes, big-endian) and closes.
 */
final class BenchBackend implements AutoCloseable {
  enum Mode { ECHO, SINK }

  private final Path path;
  private final Mode mode;
  private final Selector selector;
  private final ServerSocketChannel server;
  private final Thread loop;
  private volatile boolean open = true;

  BenchBackend(Path path, Mode mode) {
    this.path = path;
    this.mode = mode;
    try {
      Files.deleteIfExists(path);
      selector = Selector.open();
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(path), 16384);
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      throw new UncheckedIOException("bench backend on " + path, e);
    }
    loop = new Thread(this::run, "bench-backend-" + mode);
    loop.setDaemon(true);
    loop.start();
  }

  Path path() {
    return path;
  }

  private void run() {
    ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
    while (open) {
      try {
        selector.select(500);
        for (SelectionKey key : selector.selectedKeys()) {
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            SocketChannel client;
            while ((client = server.accept()) != null) {
              client.configureBlocking(false);
              client.register(selector, SelectionKey.OP_READ, new long[1]);
            }
          } else if (key.isReadable()) {
            serve(key, buffer);
          }
        }
        selector.selectedKeys().clear();
      } catch (IOException e) {
        if (!open) {
          return;
        }
      }
    }
  }

  private void serve(SelectionKey key, ByteBuffer buffer) {
    SocketChannel channel = (SocketChannel) key.channel();
    long[] count = (long[]) key.attachment();
    try {
      buffer.clear();
      int n = channel.read(buffer);
      if (n > 0) {
        count[0] += n;
        if (mode == Mode.ECHO) {
          buffer.flip();
          writeFully(channel, buffer);
        }
        return;
      }
      if (n < 0) {
        if (mode == Mode.SINK) {
          ByteBuffer reply = ByteBuffer.allocate(8).putLong(0, count[0]);
          writeFully(channel, reply);
        }
        key.cancel();
        channel.close();
      }
    } catch (IOException e) {
      key.cancel();
      try {
        channel.close();
      } catch (IOException ignored) {
        // already gone
      }
    }
  }

  // Echoes here are one byte and the reply eight: a short spin on a full socket buffer is acceptable.
  private static void writeFully(SocketChannel channel, ByteBuffer data) throws IOException {
    while (data.hasRemaining()) {
      if (channel.write(data) == 0) {
        Thread.onSpinWait();
      }
    }
  }

  @Override
  public void close() throws IOException {
    open = false;
    selector.wakeup();
    try {
      loop.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (SelectionKey key : selector.keys()) {
      key.channel().close();
    }
    selector.close();
    server.close();
    Files.deleteIfExists(path);
  }
}
