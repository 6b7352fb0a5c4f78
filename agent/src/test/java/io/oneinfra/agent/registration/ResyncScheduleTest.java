package io.oneinfra.agent.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ResyncScheduleTest {
  private static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");

  /** A clock the test moves by hand. */
  private static final class FakeClock extends Clock {
    private Instant now = T0;

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  private final FakeClock clock = new FakeClock();
  private double random = 0.5;
  private final ResyncSchedule schedule = new ResyncSchedule(Duration.ofMinutes(5), clock, () -> random);

  @Test
  void dueBeforeTheFirstSyncThenAJitteredIntervalAfterEach() {
    assertThat(schedule.due(false)).isTrue();
    schedule.synced();
    assertThat(schedule.next()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
    random = 0;
    clock.advance(Duration.ofMinutes(5));
    assertThat(schedule.due(false)).isTrue();
    schedule.synced();
    assertThat(schedule.next()).as("-10%").isEqualTo(T0.plus(Duration.ofMinutes(5)).plus(Duration.ofSeconds(270)));
    clock.advance(Duration.ofSeconds(269));
    assertThat(schedule.due(false)).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(schedule.due(false)).isTrue();
  }

  @Test
  void aResyncFallingDueWhileRetryingIsPutOffToARandomPointOfTheNextInterval() {
    schedule.synced();
    clock.advance(Duration.ofMinutes(7)); // failing since before it fell due
    random = 0.25;
    assertThat(schedule.due(true)).as("back after failures: renew only").isFalse();
    assertThat(schedule.next()).isEqualTo(clock.instant().plus(Duration.ofSeconds(75)));
    assertThat(schedule.due(true)).as("put off once, not again and again").isFalse();
    assertThat(schedule.next()).isEqualTo(clock.instant().plus(Duration.ofSeconds(75)));
    clock.advance(Duration.ofSeconds(75));
    assertThat(schedule.due(false)).isTrue();
  }

  @Test
  void aFleetBackTogetherSpreadsItsResyncsOverTheInterval() {
    Instant[] nexts = new Instant[5];
    for (int i = 0; i < nexts.length; i++) {
      double r = i / (double) nexts.length;
      ResyncSchedule agent = new ResyncSchedule(Duration.ofMinutes(5), clock, () -> r);
      agent.synced();
      clock.advance(Duration.ofMinutes(6));
      agent.due(true);
      nexts[i] = agent.next();
      clock.advance(Duration.ofMinutes(-6));
    }
    for (int i = 1; i < nexts.length; i++) {
      assertThat(Duration.between(nexts[i - 1], nexts[i])).isEqualTo(Duration.ofMinutes(1));
    }
  }
}
