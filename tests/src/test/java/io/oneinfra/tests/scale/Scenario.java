package io.oneinfra.tests.scale;

import java.time.Duration;
import java.util.List;

/**
 * One scenario: steady state for {@code lead}, the disturbance for {@code length}, then {@code after} to recover.
 *
 * @param id the chart's file name
 * @param title as the report says it
 */
record Scenario(String id, String title, Disturbance disturbance, Duration lead, Duration length, Duration after) {

  /** What happens to the fleet or its API. */
  enum Disturbance {
    /** Nothing: the steady state. */
    NONE,
    /** Every agent stops and starts again, each at a random moment within the length. */
    RESTART,
    /** The API's port refuses connections. */
    OUTAGE,
    /** 20% of requests answered 429 with Retry-After, as priority and fairness sheds load. */
    SHEDDING,
    /** Every request answered 503. */
    UNAVAILABLE,
    /** Every request answered later than the agents' request timeout: an API server fallen behind. */
    SLOW
  }

  /** The window the figures and the chart cover. */
  Duration window() {
    return lead.plus(length).plus(after);
  }

  /** The five scenarios at {@code scale}, and a sixth: the API too slow to answer in time. */
  static List<Scenario> all(TimeScale scale) {
    return List.of(
        new Scenario("steady", "steady state", Disturbance.NONE, Duration.ZERO, Duration.ZERO, scale.steady()),
        new Scenario("restart", "every agent restarted within " + seconds(scale.restartWindow()), Disturbance.RESTART,
            scale.lead(), scale.restartWindow(), scale.after()),
        new Scenario("outage", "the API down for " + seconds(scale.outage()) + ", then back", Disturbance.OUTAGE,
            scale.lead(), scale.outage(), scale.after()),
        new Scenario("shedding", "20% of requests answered 429 with Retry-After: " + scale.retryAfterSeconds()
            + " for " + seconds(scale.shedding()), Disturbance.SHEDDING, scale.lead(), scale.shedding(),
            scale.after()),
        new Scenario("unavailable", "every request answered 503 for " + seconds(scale.unavailable()),
            Disturbance.UNAVAILABLE, scale.lead(), scale.unavailable(), scale.after()),
        new Scenario("slow", "every request answered " + seconds(scale.lateBy()) + " late (the request timeout is "
            + seconds(scale.requestTimeout()) + ") for " + seconds(scale.slow()), Disturbance.SLOW, scale.lead(),
            scale.slow(), scale.after()));
  }

  private static String seconds(Duration duration) {
    long millis = duration.toMillis();
    return millis % 60_000 == 0 ? millis / 60_000 + " min" : millis % 1000 == 0 ? millis / 1000 + " s"
        : millis / 1000.0 + " s";
  }
}
