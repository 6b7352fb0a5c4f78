package io.oneinfra.tests.scale;

import io.oneinfra.agent.config.AgentConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The registrar's timing and the scenarios' lengths for one run: the real ones (the defaults of
 * docs/REGISTRATION.md and the durations) or the smoke's, ten times faster.
 *
 * @param renew registration.renewInterval
 * @param resync registration.resyncInterval
 * @param firstSync registration.firstSyncDelay
 * @param backoffInitial registration.backoffInitial
 * @param backoffMax registration.backoffMax
 * @param leaseSeconds registration.leaseDurationSeconds
 * @param retryAfterSeconds the {@code Retry-After} the API sends with its 429s (whole seconds: the header's unit)
 * @param bin the width of the bins requests are counted in (a wave is the fullest bin)
 * @param steady how long the steady state is watched
 * @param lead steady state before each disturbance, for comparison on the chart
 * @param restartWindow all agents restart within this
 * @param outage how long the API is down
 * @param shedding how long 20% of requests are answered 429
 * @param unavailable how long every request is answered 503
 * @param slow how long every request is answered {@code lateBy} late
 * @param lateBy how late: longer than the registrar's request timeout (10 s, or the Lease's duration if shorter),
 *     by less than a renew interval (so that the retry after a timeout comes after the late write)
 * @param after how long the fleet is watched once a disturbance ends
 */
record TimeScale(Duration renew, Duration resync, Duration firstSync, Duration backoffInitial, Duration backoffMax,
    int leaseSeconds, int retryAfterSeconds, Duration bin, Duration steady, Duration lead, Duration restartWindow,
    Duration outage, Duration shedding, Duration unavailable, Duration slow, Duration lateBy, Duration after) {

  /** The agent's defaults and the durations. */
  static TimeScale real() {
    return new TimeScale(Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(30),
        Duration.ofMillis(100), Duration.ofSeconds(30), 40, 5, Duration.ofSeconds(1), Duration.ofMinutes(10),
        Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(5),
        Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(15), Duration.ofMinutes(3));
  }

  /**
   * Every interval a tenth of the real one, and the disturbances shorter still, so that CI runs it in about a
   * minute; the resync a thirtieth, so that it falls due during the outage as it does at full scale. Retry-After
   * stays 1 s (the header counts whole seconds); waves are counted per two seconds, two renew intervals, since 50
   * agents make too few requests in a tenth of one to tell a wave from chance.
   */
  static TimeScale smoke() {
    return new TimeScale(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(3),
        Duration.ofMillis(10), Duration.ofSeconds(3), 4, 1, Duration.ofSeconds(2), Duration.ofSeconds(10),
        Duration.ofSeconds(4), Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ofSeconds(8),
        Duration.ofSeconds(5), Duration.ofSeconds(8), Duration.ofMillis(4500), Duration.ofSeconds(8));
  }

  /** The registrar's request timeout at this scale (the section's own, whatever the kubeconfig). */
  Duration requestTimeout() {
    return registration(null).requestTimeout();
  }

  /** The {@code registration} section an agent of the fleet runs with. */
  AgentConfig.Registration registration(Path kubeconfig) {
    return new AgentConfig.Registration(AgentConfig.Registration.Mode.KUBERNETES, kubeconfig, null, leaseSeconds,
        renew, resync, true, firstSync, backoffInitial, backoffMax, false, null);
  }

  /** As arguments for {@link FleetJvm}. */
  List<String> args() {
    return List.of(renew.toString(), resync.toString(), firstSync.toString(), backoffInitial.toString(),
        backoffMax.toString(), Integer.toString(leaseSeconds));
  }

  /** The registrar's part of a scale read back from {@link #args} (the scenario lengths do not matter there). */
  static TimeScale fromArgs(List<String> args) {
    Duration zero = Duration.ZERO;
    return new TimeScale(Duration.parse(args.get(0)), Duration.parse(args.get(1)), Duration.parse(args.get(2)),
        Duration.parse(args.get(3)), Duration.parse(args.get(4)), Integer.parseInt(args.get(5)), 0, zero, zero, zero,
        zero, zero, zero, zero, zero, zero, zero);
  }
}
