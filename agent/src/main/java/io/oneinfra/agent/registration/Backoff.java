package io.oneinfra.agent.registration;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Retry delays: {@code initial} doubled on each consecutive failure up to {@code max}, each less a random part of
 * up to a quarter, so a fleet that failed together does not retry together; never more than {@code max}.
 */
final class Backoff {
  private final long initialNanos;
  private final long maxNanos;
  private final DoubleSupplier random;

  Backoff(Duration initial, Duration max, DoubleSupplier random) {
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /** The delay before the next try after {@code failures} (1 or more) consecutive failures. */
  Duration delay(int failures) {
    long base = initialNanos;
    for (int i = 1; i < failures && base < maxNanos; i++) {
      base = Math.min(maxNanos, base * 2);
    }
    base = Math.min(base, maxNanos);
    return Duration.ofNanos(base - (long) (base * 0.25 * random.getAsDouble()));
  }

  /** {@code interval} plus or minus up to 10%. */
  static Duration jittered(Duration interval, DoubleSupplier random) {
    long nanos = interval.toNanos();
    return Duration.ofNanos(nanos + (long) (nanos * 0.1 * (2 * random.getAsDouble() - 1)));
  }
}
