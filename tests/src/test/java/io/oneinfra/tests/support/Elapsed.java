package io.oneinfra.tests.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

/** Measures how long something took, for asserting that a timeout fired neither too early nor far too late. */
public final class Elapsed {
  private final long startNanos = System.nanoTime();

  public static Elapsed start() {
    return new Elapsed();
  }

  /** Milliseconds since the start. */
  public long millis() {
    return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
  }

  public void assertBetween(Duration atLeast, Duration atMost) {
    assertThat(Duration.ofNanos(System.nanoTime() - startNanos)).isBetween(atLeast, atMost);
  }
}
