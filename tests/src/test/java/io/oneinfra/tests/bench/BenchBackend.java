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
import java.util.zip.CRC32C;

/**
 * A unix-socket backend on one selector thread, so that thousands of held connections cost no threads.
 * {@link Mode#ECHO} echoes bytes; {@link Mode#SINK} discards them and, on the client's half-close, replies with the
 * byte count and the CRC-32C of the bytes (8 bytes each, big-endian) and closes.
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
          if (key.isValid() && key.isAcceptable()) {
            SocketChannel client;
            while ((client = server.accept()) != null) {
              client.configureBlocking(false);
              client.register(selector, SelectionKey.OP_READ, new Peer());
            }
            continue;
          }
          if (key.isValid() && key.isReadable()) {
            serve(key, buffer);
          }
          if (key.isValid() && key.isWritable()) {
            flush(key);
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

  /** One connection: the bytes it sent, and what is still to be written back to it. */
  private static final class Peer {
    long count;
    final CRC32C checksum = new CRC32C();
    ByteBuffer pending;
    boolean closeWhenWritten;
  }

  private void serve(SelectionKey key, ByteBuffer buffer) {
    SocketChannel channel = (SocketChannel) key.channel();
    Peer peer = (Peer) key.attachment();
    try {
      buffer.clear();
      int n = channel.read(buffer);
      if (n > 0) {
        peer.count += n;
        buffer.flip();
        if (mode == Mode.ECHO) {
          send(key, buffer);
        } else {
          peer.checksum.update(buffer);
        }
      } else if (n < 0) {
        if (mode == Mode.SINK) {
          peer.closeWhenWritten = true;
          send(key, ByteBuffer.allocate(16).putLong(0, peer.count).putLong(8, peer.checksum.getValue()));
        } else {
          close(key);
        }
      }
    } catch (IOException e) {
      close(key);
    }
  }

  /**
   * Writes what the socket takes now; the rest waits for OP_WRITE, and the connection is not read meanwhile (so
   * a client that stops reading is not echoed to without bound, and nothing spins on a full socket buffer).
   */
  private static void send(SelectionKey key, ByteBuffer data) throws IOException {
    ((SocketChannel) key.channel()).write(data);
    Peer peer = (Peer) key.attachment();
    if (data.hasRemaining()) {
      peer.pending = ByteBuffer.allocate(data.remaining()).put(data).flip();
      key.interestOps(SelectionKey.OP_WRITE);
    } else {
      written(key, peer);
    }
  }

  private static void flush(SelectionKey key) {
    Peer peer = (Peer) key.attachment();
    try {
      ((SocketChannel) key.channel()).write(peer.pending);
      if (!peer.pending.hasRemaining()) {
        peer.pending = null;
        written(key, peer);
      }
    } catch (IOException e) {
      close(key);
    }
  }

  private static void written(SelectionKey key, Peer peer) {
    if (peer.closeWhenWritten) {
      close(key);
    } else {
      key.interestOps(SelectionKey.OP_READ);
    }
  }

  private static void close(SelectionKey key) {
    key.cancel();
    try {
      key.channel().close();
    } catch (IOException ignored) {
      // already gone
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
