package io.oneinfra.agent.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RetryAfterRecorderTest {
  private final RetryAfterRecorder recorder = new RetryAfterRecorder(
      Clock.fixed(Instant.parse("2026-11-29T10:00:00Z"), ZoneOffset.UTC));

  @Test
  void readsDelaySeconds() {
    assertThat(recorder.parse("5")).isEqualTo(Duration.ofSeconds(5));
    assertThat(recorder.parse(" 0 ")).isZero();
  }

  @Test
  void readsAnHttpDateAsTheTimeUntilIt() {
    assertThat(recorder.parse("Sun, 29 Nov 2026 10:00:07 GMT")).isEqualTo(Duration.ofSeconds(7));
    assertThat(recorder.parse("Sun, 29 Nov 2026 09:59:00 GMT")).as("already past").isZero();
  }

  @Test
  void capsWhatWouldSilenceTheAgentAndIgnoresWhatItCannotRead() {
    assertThat(recorder.parse("86400")).isEqualTo(RetryAfterRecorder.LONGEST);
    assertThat(recorder.parse("99999999999999999999")).isEqualTo(RetryAfterRecorder.LONGEST);
    assertThat(recorder.parse("Mon, 30 Nov 2026 10:00:00 GMT")).isEqualTo(RetryAfterRecorder.LONGEST);
    assertThat(recorder.parse(null)).isNull();
    assertThat(recorder.parse("")).isNull();
    assertThat(recorder.parse("-1")).isNull();
    assertThat(recorder.parse("soon")).isNull();
  }
}
