package io.oneinfra.tests.testbed;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes: the only waiting the test bed does. */
public final class Poll {

  private static final long INTERVAL_MILLIS = 25;

  private Poll() {}

  /** Returns once {@code condition} holds; throws after {@code timeout}. */
  public static void until(Duration timeout, String what, BooleanSupplier condition) {
    until(timeout, what, condition, () -> "");
  }

  /** Returns once {@code condition} holds; throws with {@code diagnostics} after {@code timeout}. */
  public static void until(Duration timeout, String what, BooleanSupplier condition,
      Supplier<String> diagnostics) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "gave up after " + timeout + " waiting for " + what + "\n" + diagnostics.get());
      }
      try {
        Thread.sleep(INTERVAL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + what, e);
      }
    }
  }
}
