package io.oneinfra.proxy;

import java.time.Duration;
import java.util.Objects;

/**
 * The budget for connections that have not finished their TLS handshake; swappable at run time.
 *
 * @param maxHandshakes handshakes in progress at once, from all sources
 * @param maxHandshakesPerSource handshakes in progress at once from one source (an IPv4 address or an IPv6 /64)
 * @param firstByteTimeout a connection that has sent no byte by then is closed
 */
public record PreAuthLimits(int maxHandshakes, int maxHandshakesPerSource, Duration firstByteTimeout) {
  /** 256 handshakes, 32 per source, 2 s to the first byte. */
  public static final PreAuthLimits DEFAULTS = new PreAuthLimits(256, 32, Duration.ofSeconds(2));

  public PreAuthLimits {
    Objects.requireNonNull(firstByteTimeout, "proxy.preauth.firstByteTimeout");
    if (maxHandshakes < 1) {
      throw new IllegalArgumentException("proxy.preauth.maxHandshakes: " + maxHandshakes + " must be at least 1");
    }
    if (maxHandshakesPerSource < 1) {
      throw new IllegalArgumentException("proxy.preauth.maxHandshakesPerSource: " + maxHandshakesPerSource
          + " must be at least 1");
    }
    if (maxHandshakesPerSource > maxHandshakes) {
      throw new IllegalArgumentException("proxy.preauth.maxHandshakesPerSource: " + maxHandshakesPerSource
          + " must not exceed proxy.preauth.maxHandshakes (" + maxHandshakes + ")");
    }
    if (firstByteTimeout.isNegative() || firstByteTimeout.isZero()) {
      throw new IllegalArgumentException("proxy.preauth.firstByteTimeout: " + firstByteTimeout
          + " must be more than zero");
    }
  }

  @Override
  public String toString() {
    return maxHandshakes + " handshakes, " + maxHandshakesPerSource + " per source, first byte within "
        + firstByteTimeout.toMillis() + "ms";
  }
}
