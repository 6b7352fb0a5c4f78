package io.oneinfra.agent.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final Duration RENEW = Duration.ofSeconds(10);

  private static Backoff backoff(double random) {
    return new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), () -> random);
  }

  /** The delay after {@code failures} failures, the last answered {@code status} (0: none). */
  private static Duration delay(double random, int failures, int status, Duration retryAfter) {
    return backoff(random).delay(failures, Backoff.shedding(status), retryAfter, RENEW);
  }

  @Test
  void aRetryAfterIsNeverCutShortAndSpreadOverAQuarterMore() {
    for (double random : new double[] {0, 0.5, 0.999}) {
      Duration delay = delay(random, 1, 429, Duration.ofSeconds(5));
      assertThat(delay).as("random %s", random).isGreaterThanOrEqualTo(Duration.ofSeconds(5))
          .isLessThanOrEqualTo(Duration.ofMillis(6250));
    }
    assertThat(delay(0, 1, 429, Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
    assertThat(delay(0.5, 1, 503, Duration.ofSeconds(4))).isEqualTo(Duration.ofMillis(4500));
  }

  @Test
  void aLongerBackoffWinsOverAShorterRetryAfterWithoutAddingToIt() {
    // ten failures in: the backoff is at its 30 s cap (less up to a quarter), longer than the 5 s asked
    assertThat(delay(0, 10, 429, Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(30));
    assertThat(delay(1, 10, 429, Duration.ofSeconds(5))).isEqualTo(Duration.ofMillis(22500));
  }

  @Test
  void anApiSheddingLoadWithoutRetryAfterIsRetriedAtTheRenewPace() {
    for (int status : new int[] {429, 500, 503, 504}) {
      // half to one and a half renew intervals: the renew pace on average, spread over a whole interval
      assertThat(delay(0, 1, status, null)).as("status %d", status).isEqualTo(Duration.ofSeconds(5));
      assertThat(delay(0.5, 1, status, null)).as("status %d", status).isEqualTo(Duration.ofSeconds(10));
      assertThat(delay(1, 1, status, null)).as("status %d", status).isEqualTo(Duration.ofSeconds(15));
    }
    assertThat(delay(0, 10, 503, null)).as("past the pace, the backoff")
        .isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void noAnswerOrAnotherStatusKeepsTheExponentialBackoff() {
    for (int status : new int[] {0, 401, 403, 404, 409}) {
      assertThat(delay(0, 1, status, null)).as("status %d", status).isEqualTo(Duration.ofMillis(100));
      assertThat(delay(0, 3, status, null)).as("status %d", status).isEqualTo(Duration.ofMillis(400));
    }
    assertThat(delay(1, 1, 0, null)).isEqualTo(Duration.ofMillis(75));
  }

  @Test
  void anOverloadedApiWhoseRequestsTimedOutIsRetriedAtTheRenewPaceToo() {
    // no status to go by: the registrar says overloaded when the request timed out
    assertThat(backoff(0).delay(1, true, null, RENEW)).isEqualTo(Duration.ofSeconds(5));
    assertThat(backoff(1).delay(1, true, null, RENEW)).isEqualTo(Duration.ofSeconds(15));
    assertThat(backoff(0).delay(1, false, null, RENEW)).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void withinSpreadsOverTheWholeInterval() {
    assertThat(Backoff.within(Duration.ofMinutes(5), () -> 0)).isZero();
    assertThat(Backoff.within(Duration.ofMinutes(5), () -> 0.5)).isEqualTo(Duration.ofMillis(150_000));
    assertThat(Backoff.within(Duration.ofMinutes(5), () -> 0.999)).isLessThan(Duration.ofMinutes(5));
  }
}
