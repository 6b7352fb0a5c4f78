package io.oneinfra.proxy;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who is let in: every new connection into the pre-authentication budget, and only authenticated connections into
 * the {@code maxConnections} slots, which are all the drain waits for.
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
    handshake.channel.closeFuture().addListener(f -> budget.release(handshake));
  }

  /**
   * The one call at handshake success, before any mode-specific handover: moves the connection from the budget to an
   * authenticated slot. False when it must be closed instead: it was evicted or drained meanwhile, the proxy is
   * stopping, or every slot is taken.
   */
  boolean authenticated(PendingHandshake handshake) {
    if (!budget.release(handshake) || draining) {
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
      if (authenticated.decrementAndGet() == 0) {
        synchronized (idle) {
          idle.notifyAll();
        }
      }
    });
    return true;
  }

  /** Authenticated connections open now. */
  int authenticated() {
    return authenticated.get();
  }

  /** Stops admitting and closes every pending handshake: only authenticated connections are drained. */
  void startDrain() {
    draining = true;
    budget.closeAll(HandshakeFailure.DRAINING);
  }

  /** Waits until no authenticated connection is left or the deadline passes; true when none is left. */
  boolean awaitIdle(long deadlineNanos) {
    synchronized (idle) {
      while (authenticated.get() > 0) {
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

  /** Closes the authenticated connections still open (drain timeout). */
  /** Whether the proxy is stopping. */
  boolean draining() {
    return draining;
  }

  /** Fires {@code event} down the pipeline of every authenticated connection (the gateway's DRAIN). */
  void fireOnAuthenticated(Object event) {
    authenticatedChannels.forEach(channel -> channel.pipeline().fireUserEventTriggered(event));
  }

  void closeAuthenticated() {
    authenticatedChannels.close().awaitUninterruptibly();
  }
}
