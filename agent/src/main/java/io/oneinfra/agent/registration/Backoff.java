package io.oneinfra.agent.registration;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Retry delays: {@code initial} doubled on each consecutive failure up to {@code max}, each less a random part of
 * up to a quarter, so a fleet that failed together does not retry together; never more than {@code max} unless the
 * API said {@code Retry-After}.
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

  /** Whether an answer with {@code status} says the API is shedding load: 429 or a 5xx. */
  static boolean shedding(int status) {
    return status == 429 || status >= 500;
  }

  /**
   * The delay before the next try after {@code failures} consecutive failures, the last of which said the API is
   * overloaded ({@code overloaded}: it answered 429 or a 5xx, or took longer than the request timeout to answer) or
   * not, and came with {@code retryAfter} (null: none). With Retry-After: never sooner, and up to a quarter later, so
   * a fleet told the same moment does not come back together. Overloaded without one: {@link #spread} of
   * {@code pace}, so a fleet retrying an API that sheds load sends it no more than usual on average, one whose
   * requests time out sends it less, and either comes back spread out. Otherwise (no answer, or another status):
   * {@link #delay(int)}.
   */
  Duration delay(int failures, boolean overloaded, Duration retryAfter, Duration pace) {
    Duration backoff = delay(failures);
    if (retryAfter != null) {
      long nanos = retryAfter.toNanos();
      Duration told = Duration.ofNanos(nanos + (long) (nanos * 0.25 * random.getAsDouble()));
      return told.compareTo(backoff) > 0 ? told : backoff;
    }
    if (overloaded) {
      Duration paced = spread(pace, random);
      return paced.compareTo(backoff) > 0 ? paced : backoff;
    }
    return backoff;
  }

  /** A random point in {@code [0, interval]}: spreads a fleet's next sync over a whole interval. */
  static Duration within(Duration interval, DoubleSupplier random) {
    return Duration.ofNanos((long) (interval.toNanos() * random.getAsDouble()));
  }

  /**
   * Half to one and a half times {@code interval}: on average the interval, and wide enough that a fleet that failed
   * together (each agent's requests timing out, a cycle twice as long) comes back spread over a whole interval.
   */
  static Duration spread(Duration interval, DoubleSupplier random) {
    long nanos = interval.toNanos();
    return Duration.ofNanos(nanos / 2 + (long) (nanos * random.getAsDouble()));
  }

  /** {@code interval} plus or minus up to 10%. */
  static Duration jittered(Duration interval, DoubleSupplier random) {
    long nanos = interval.toNanos();
    return Duration.ofNanos(nanos + (long) (nanos * 0.1 * (2 * random.getAsDouble() - 1)));
  }
}
