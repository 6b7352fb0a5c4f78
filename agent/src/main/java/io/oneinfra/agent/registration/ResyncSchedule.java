package io.oneinfra.agent.registration;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;

/**
 * When the Hypervisor is next re-read: a resync interval (±10%) after the last full sync, so a fleet's resyncs drift
 * apart; and, when one falls due while the agent is failing, at a random point of the next interval, so a fleet coming
 * back from an outage together does not re-read together. Used on the registration thread only.
 */
final class ResyncSchedule {
  private final Duration interval;
  private final Clock clock;
  private final DoubleSupplier random;
  private Instant next;

  ResyncSchedule(Duration interval, Clock clock, DoubleSupplier random) {
    this.interval = interval;
    this.clock = clock;
    this.random = random;
  }

  /**
   * Whether a resync is due now. When {@code retrying} (the last try failed), a due one is put off to a random point
   * of the next interval instead.
   */
  boolean due(boolean retrying) {
    Instant now = clock.instant();
    if (next == null || now.isBefore(next)) {
      return next == null;
    }
    if (retrying) {
      next = now.plus(Backoff.within(interval, random));
      return false;
    }
    return true;
  }

  /** A full sync has just succeeded. */
  void synced() {
    next = clock.instant().plus(Backoff.jittered(interval, random));
  }

  /** When the next resync is due; null before the first sync. */
  Instant next() {
    return next;
  }
}
