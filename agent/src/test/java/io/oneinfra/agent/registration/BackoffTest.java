package io.oneinfra.agent.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final Duration RENEW = Duration.ofSeconds(10);

  private static Backoff backoff(double random) {
    return new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), () -> random);
  }

  @Test
  void aRetryAfterIsNeverCutShortAndSpreadOverAQuarterMore() {
    for (double random : new double[] {0, 0.5, 0.999}) {
      Duration delay = backoff(random).delay(1, 429, Duration.ofSeconds(5), RENEW);
      assertThat(delay).as("random %s", random).isGreaterThanOrEqualTo(Duration.ofSeconds(5))
          .isLessThanOrEqualTo(Duration.ofMillis(6250));
    }
    assertThat(backoff(0).delay(1, 429, Duration.ofSeconds(5), RENEW)).isEqualTo(Duration.ofSeconds(5));
    assertThat(backoff(0.5).delay(1, 503, Duration.ofSeconds(4), RENEW)).isEqualTo(Duration.ofMillis(4500));
  }

  @Test
  void aLongerBackoffWinsOverAShorterRetryAfterWithoutAddingToIt() {
    // ten failures in: the backoff is at its 30 s cap (less up to a quarter), longer than the 5 s asked
    assertThat(backoff(0).delay(10, 429, Duration.ofSeconds(5), RENEW)).isEqualTo(Duration.ofSeconds(30));
    assertThat(backoff(1).delay(10, 429, Duration.ofSeconds(5), RENEW)).isEqualTo(Duration.ofMillis(22500));
  }

  @Test
  void anApiSheddingLoadWithoutRetryAfterIsRetriedAtTheRenewPace() {
    for (int status : new int[] {429, 500, 503, 504}) {
      assertThat(backoff(0).delay(1, status, null, RENEW)).as("status %d", status).isEqualTo(Duration.ofSeconds(9));
      assertThat(backoff(1).delay(1, status, null, RENEW)).as("status %d", status).isEqualTo(Duration.ofSeconds(11));
    }
    assertThat(backoff(0).delay(10, 503, null, RENEW)).as("past the pace, the backoff")
        .isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void noAnswerOrAnotherStatusKeepsTheExponentialBackoff() {
    for (int status : new int[] {0, 401, 403, 404, 409}) {
      assertThat(backoff(0).delay(1, status, null, RENEW)).as("status %d", status).isEqualTo(Duration.ofMillis(100));
      assertThat(backoff(0).delay(3, status, null, RENEW)).as("status %d", status).isEqualTo(Duration.ofMillis(400));
    }
    assertThat(backoff(1).delay(1, 0, null, RENEW)).isEqualTo(Duration.ofMillis(75));
  }

  @Test
  void withinSpreadsOverTheWholeInterval() {
    assertThat(Backoff.within(Duration.ofMinutes(5), () -> 0)).isZero();
    assertThat(Backoff.within(Duration.ofMinutes(5), () -> 0.5)).isEqualTo(Duration.ofMillis(150_000));
    assertThat(Backoff.within(Duration.ofMinutes(5), () -> 0.999)).isLessThan(Duration.ofMinutes(5));
  }
}
