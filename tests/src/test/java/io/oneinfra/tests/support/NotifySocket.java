package io.oneinfra.tests.support;

import java.io.IOException;
import java.net.DatagramPacket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** Plays systemd's side of sd_notify: a unix datagram socket that records every message the agent sends. */
public final class NotifySocket implements AutoCloseable {
  private final Path path;
  private final AFUNIXDatagramSocket socket;
  private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
  private final List<Message> seen = new ArrayList<>();
  private final Thread reader;

  /** One datagram, with when it arrived. */
  public record Message(String text, long receivedNanos) {
    public boolean has(String assignment) {
      return text.lines().anyMatch(assignment::equals);
    }
  }

  public NotifySocket(Path path) throws IOException {
    this.path = path;
    socket = AFUNIXDatagramSocket.newInstance();
    socket.bind(AFUNIXSocketAddress.of(path));
    reader = new Thread(this::read, "notify-socket");
    reader.setDaemon(true);
    reader.start();
  }

  public Path path() {
    return path;
  }

  private void read() {
    byte[] buffer = new byte[4096];
    while (!socket.isClosed()) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(packet);
        messages.add(new Message(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8),
            System.nanoTime()));
      } catch (IOException e) {
        return;
      }
    }
  }

  /** Waits for the next message matching {@code wanted}, skipping (but remembering) others. */
  public Message await(Predicate<Message> wanted, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Message next = left > 0 ? messages.poll(left, TimeUnit.NANOSECONDS) : null;
      if (next == null) {
        throw new AssertionError("no " + what + " within " + timeout + "; got " + seen);
      }
      seen.add(next);
      if (wanted.test(next)) {
        return next;
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
