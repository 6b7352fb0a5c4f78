package io.oneinfra.proxy;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Who is let in: every new connection into the pre-authentication budget, and only authenticated connections into
 * the {@code maxConnections} slots. The drain waits for those, and for handshakes under way only a short grace.
 */
final class Admission {
  private final int maxConnections;
  private final PreAuthBudget budget;
  private final ChannelGroup authenticatedChannels = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
  private final AtomicInteger authenticated = new AtomicInteger();
  private final Object idle = new Object();
  private volatile boolean draining;

  Admission(int maxConnections, PreAuthBudget budget) {
    this.maxConnections = maxConnections;
    this.budget = budget;
  }

  /** The pre-authentication budget. */
  PreAuthBudget budget() {
    return budget;
  }

  /** At accept: false (refuse at once) when stopping or every authenticated slot is taken. */
  boolean accepting() {
    return !draining && authenticated.get() < maxConnections;
  }

  /** At accept, once {@link #accepting()}: the connection enters the budget, which may close older ones for it. */
  void pending(PendingHandshake handshake) {
    budget.admit(handshake);
    handshake.channel.closeFuture().addListener(f -> {
      budget.release(handshake);
      if (draining) {
        signalIfIdle();
      }
    });
  }

  /**
   * The one call at handshake success, before any mode-specific handover: moves the connection from the budget to an
   * authenticated slot. False when it must be closed instead: it was evicted or closed by the drain meanwhile, or
   * every slot is taken. A handshake that finishes within the drain's grace is admitted, and drains as it joins.
   */
  boolean authenticated(PendingHandshake handshake) {
    if (!budget.release(handshake)) {
      return false;
    }
    int now;
    do {
      now = authenticated.get();
      if (now >= maxConnections) {
        return false;
      }
    } while (!authenticated.compareAndSet(now, now + 1));
    Channel channel = handshake.channel;
    authenticatedChannels.add(channel);
    channel.closeFuture().addListener(f -> {
      authenticated.decrementAndGet();
      signalIfIdle();
    });
    return true;
  }

  /** Authenticated connections open now. */
  int authenticated() {
    return authenticated.get();
  }

  /**
   * Stops admitting new connections. Handshakes under way, silent ones included (a client's first bytes may be on
   * their way), get {@code grace} to finish, so that a client whose connection was accepted just before the stop is
   * served, not failed; then they are closed: a client holding no certificate cannot hold the stop up for longer.
   */
  void startDrain(Duration grace, ScheduledExecutorService timer) {
    draining = true;
    timer.schedule(() -> {
      budget.closeAll(HandshakeFailure.DRAINING);
      signalIfIdle();
    }, grace.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void signalIfIdle() {
    if (authenticated.get() == 0 && budget.pending() == 0) {
      synchronized (idle) {
        idle.notifyAll();
      }
    }
  }

  /** Waits until no connection is left, pending or authenticated, or the deadline passes; true when none is left. */
  boolean awaitIdle(long deadlineNanos) {
    synchronized (idle) {
      while (authenticated.get() > 0 || budget.pending() > 0) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(idle, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  /** Whether the proxy is stopping. */
  boolean draining() {
    return draining;
  }

  /** Runs {@code action} on the event loop of every authenticated connection (the drain). */
  void forEachAuthenticated(Consumer<Channel> action) {
    authenticatedChannels.forEach(channel -> channel.eventLoop().execute(() -> action.accept(channel)));
  }

  /** Closes the connections still open (drain timeout). */
  void closeAll() {
    budget.closeAll(HandshakeFailure.DRAINING);
    authenticatedChannels.close().awaitUninterruptibly();
  }
}
