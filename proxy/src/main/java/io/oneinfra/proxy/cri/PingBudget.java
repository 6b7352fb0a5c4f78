package io.oneinfra.proxy.cri;

/**
 * How many PING and SETTINGS frames a client may send: a bucket of {@code perMinute} tokens refilled over a minute,
 * and one more token for each frame of a response sent back (gRPC clients ping to size their windows as data
 * arrives). A flood empties it; a well-behaved client never does. Used on one event loop only.
 */
final class PingBudget {
  private final double capacity;
  private final double refillPerNano;
  private double tokens;
  private long lastNanos;

  PingBudget(int perMinute, long nowNanos) {
    this.capacity = perMinute;
    this.refillPerNano = perMinute / 60e9;
    this.tokens = perMinute;
    this.lastNanos = nowNanos;
  }

  /** Takes a token for one received PING or SETTINGS frame; false when none is left. */
  boolean take(long nowNanos) {
    tokens = Math.min(capacity, tokens + (nowNanos - lastNanos) * refillPerNano);
    lastNanos = nowNanos;
    tokens -= 1;
    return tokens >= 0;
  }

  /** A response frame went out: the client may answer it with a ping. */
  void credit() {
    if (tokens < capacity) {
      tokens += 1;
    }
  }
}
