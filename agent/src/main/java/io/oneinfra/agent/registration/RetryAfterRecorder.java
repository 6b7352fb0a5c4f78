package io.oneinfra.agent.registration;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps the {@code Retry-After} of the API's last failed answer (kube-apiserver sends it with the 429s of priority
 * and fairness, as a plain-text answer: the header is all there is), for the registrar's next delay.
 */
final class RetryAfterRecorder implements Interceptor {
  /** A longer Retry-After is taken as this: a garbled header must not silence an agent for good. */
  static final Duration LONGEST = Duration.ofMinutes(5);

  private final Clock clock;
  private final AtomicReference<Duration> last = new AtomicReference<>();

  RetryAfterRecorder(Clock clock) {
    this.clock = clock;
  }

  @Override
  public CompletableFuture<Boolean> afterFailure(BasicBuilder builder, HttpResponse<?> response, RequestTags tags) {
    Duration retryAfter = parse(response.header("Retry-After"));
    if (retryAfter != null) {
      last.set(retryAfter);
    }
    return CompletableFuture.completedFuture(false); // never retried here: the registrar decides
  }

  /** Forgets what was recorded: a new try begins. */
  void clear() {
    last.set(null);
  }

  /** The Retry-After recorded since the last {@link #clear}, or null; forgets it. */
  Duration take() {
    return last.getAndSet(null);
  }

  /**
   * A {@code Retry-After} value (RFC 9110: delay-seconds or an HTTP-date) as a delay from now, at most
   * {@link #LONGEST}; null when absent or unreadable.
   */
  Duration parse(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String text = value.trim();
    Duration delay;
    if (text.chars().allMatch(Character::isDigit)) {
      delay = text.length() > 9 ? LONGEST : Duration.ofSeconds(Long.parseLong(text));
    } else {
      try {
        delay = Duration.between(clock.instant(), ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME)
            .toInstant());
      } catch (DateTimeParseException e) {
        return null;
      }
      delay = delay.isNegative() ? Duration.ZERO : delay;
    }
    return delay.compareTo(LONGEST) > 0 ? LONGEST : delay;
  }
}
