package io.oneinfra.proxy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Connections that have not finished their handshake, counted globally and per source. A new arrival is always let
 * in: when its source holds its share, that source's oldest pending handshake is closed; when the whole budget is
 * full, the oldest pending handshake of the source holding the most is. So a flood only ever displaces itself.
 */
final class PreAuthBudget {
  /** Ranks sources for global eviction: the most pending first, then the one whose oldest is oldest. */
  private static final Comparator<Source> LARGEST_FIRST = Comparator.comparingInt((Source s) -> -s.pending.size())
      .thenComparingLong(Source::oldestSequence);

  private final ProxyMetrics metrics;
  private volatile PreAuthLimits limits;
  private final Map<String, Source> sources = new HashMap<>();
  private final TreeSet<Source> ranking = new TreeSet<>(LARGEST_FIRST);
  private volatile int pending;
  private long nextSequence;

  private static final class Source {
    final String key;
    final LinkedHashSet<PendingHandshake> pending = new LinkedHashSet<>(); // arrival order

    Source(String key) {
      this.key = key;
    }

    long oldestSequence() {
      return pending.isEmpty() ? Long.MAX_VALUE : pending.iterator().next().sequence;
    }
  }

  PreAuthBudget(PreAuthLimits limits, ProxyMetrics metrics) {
    this.limits = limits;
    this.metrics = metrics;
  }

  /** The limits in force. */
  PreAuthLimits limits() {
    return limits;
  }

  /** Swaps the limits; pending handshakes over a lowered limit are closed as new ones arrive, not all at once. */
  void update(PreAuthLimits newLimits) {
    limits = newLimits;
  }

  /** Handshakes in progress now. */
  int pending() {
    return pending;
  }

  /** Sources with a handshake in progress now. */
  synchronized int sources() {
    return sources.size();
  }

  /** Takes {@code arrival} in, closing older pending handshakes to make room when the budget is full. */
  void admit(PendingHandshake arrival) {
    List<PendingHandshake> evicted = new ArrayList<>(1);
    synchronized (this) {
      PreAuthLimits l = limits;
      Source own = sources.computeIfAbsent(arrival.source, Source::new);
      while (own.pending.size() >= l.maxHandshakesPerSource()) {
        evicted.add(removeOldest(own));
        metrics.sourceEvictions.mark();
      }
      while (pending >= l.maxHandshakes()) {
        evicted.add(removeOldest(ranking.first()));
        metrics.globalEvictions.mark();
      }
      sources.putIfAbsent(own.key, own); // removeOldest drops a source it emptied
      ranking.remove(own);
      arrival.sequence = nextSequence++;
      arrival.inBudget = true;
      own.pending.add(arrival);
      ranking.add(own);
      pending++;
    }
    evicted.forEach(victim -> victim.abort(HandshakeFailure.EVICTED));
  }

  /** Takes {@code handshake} out (done, failed or closed); false when it was no longer in, e.g. evicted. */
  synchronized boolean release(PendingHandshake handshake) {
    if (!handshake.inBudget) {
      return false;
    }
    Source source = sources.get(handshake.source);
    ranking.remove(source);
    remove(source, handshake);
    return true;
  }

  /** Closes every pending handshake for {@code reason} (on stop: they are not waited for). */
  void closeAll(HandshakeFailure reason) {
    List<PendingHandshake> all = new ArrayList<>();
    synchronized (this) {
      for (Source source : sources.values()) {
        all.addAll(source.pending);
        source.pending.forEach(h -> h.inBudget = false);
      }
      sources.clear();
      ranking.clear();
      pending = 0;
    }
    all.forEach(h -> h.abort(reason));
  }

  private PendingHandshake removeOldest(Source source) {
    ranking.remove(source);
    Iterator<PendingHandshake> oldest = source.pending.iterator();
    PendingHandshake victim = oldest.next();
    remove(source, victim);
    return victim;
  }

  // the caller has taken source out of the ranking
  private void remove(Source source, PendingHandshake handshake) {
    source.pending.remove(handshake);
    handshake.inBudget = false;
    pending--;
    if (source.pending.isEmpty()) {
      sources.remove(source.key);
    } else {
      ranking.add(source);
    }
  }

  /** The source a connection is counted under: its IPv4 address, or the /64 of its IPv6 address. */
  static String sourceOf(SocketAddress remote) {
    if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
      return String.valueOf(remote);
    }
    InetAddress address = inet.getAddress();
    if (address instanceof Inet4Address) {
      return address.getHostAddress();
    }
    byte[] bytes = address.getAddress();
    if (address instanceof Inet6Address && isIpv4Mapped(bytes)) {
      return (bytes[12] & 0xff) + "." + (bytes[13] & 0xff) + "." + (bytes[14] & 0xff) + "." + (bytes[15] & 0xff);
    }
    StringBuilder prefix = new StringBuilder();
    for (int i = 0; i < 8; i += 2) {
      prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
    }
    return prefix.append(":/64").toString();
  }

  private static boolean isIpv4Mapped(byte[] bytes) {
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
  }
}
