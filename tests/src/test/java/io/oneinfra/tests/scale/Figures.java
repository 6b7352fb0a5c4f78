package io.oneinfra.tests.scale;

import io.oneinfra.tests.scale.RequestLog.Request;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the API saw in one scenario's window, and what the fleet cost on the client side.
 *
 * @param bins requests per bin over the window, from its start
 * @param perKind requests by verb and resource, e.g. {@code PUT leases}
 * @param perStatus requests by the status answered (0: none)
 * @param peakBin the fullest bin (the largest wave) and {@code peakAtSeconds} where it began in the window
 * @param peakSinceDisturbance the fullest bin from the disturbance's start to the window's end
 * @param reregisteredSeconds from the end of the disturbance (for a restart: from each agent's own restart) until
 *     every agent had written its Lease successfully again; null for the steady state, -1 when some never did
 * @param firstAfter each agent's first request once the disturbance ended, by verb and resource
 * @param connections connections the agents opened (a request on a client port new for its agent)
 * @param answered429 requests answered 429
 * @param earlyAfter429 requests an agent sent before the Retry-After it had been given had passed
 * @param shortestWaitAfter429 the shortest time an agent waited after a 429 before its next request (seconds)
 * @param heapPerAgentKib live heap per agent (after a full GC, less the JVMs' heap before any agent started)
 * @param rssPerAgentKib resident memory per agent at the peak, likewise
 * @param threadsPerAgent threads per agent at the peak, likewise
 * @param answerMillis the API's answer times over the window (arrival to answer sent or given up): median, 99th
 *     percentile and longest, in milliseconds
 * @param unanswered requests not answered, by why (the exception's class)
 * @param rateDuring mean requests per second while the disturbance lasted (null for the steady state)
 */
record Figures(Scenario scenario, int agents, double seconds, double binSeconds, int[] bins, long requests,
    Map<String, Long> perKind, Map<Integer, Long> perStatus, int peakBin, double peakAtSeconds,
    int peakSinceDisturbance, Double reregisteredSeconds, Map<String, Long> firstAfter, long connections,
    long answered429, long earlyAfter429,
    Double shortestWaitAfter429, double heapPerAgentKib, double rssPerAgentKib, double threadsPerAgent,
    double[] answerMillis, Map<String, Long> unanswered, Double rateDuring) {

  /** Figures of {@code outcome} from the requests of its window ({@code inWindow}) and all requests logged. */
  static Figures of(ScenarioRunner.Outcome outcome, RequestLog log, int agents, TimeScale scale,
      List<Fleet.JvmStats> baseline) {
    List<Request> inWindow = log.between(outcome.fromNanos(), outcome.toNanos());
    double seconds = (outcome.toNanos() - outcome.fromNanos()) / 1e9;
    long binNanos = scale.bin().toNanos();
    int[] bins = new int[(int) ((outcome.toNanos() - outcome.fromNanos() + binNanos - 1) / binNanos)];
    Map<String, Long> perKind = new TreeMap<>();
    Map<Integer, Long> perStatus = new TreeMap<>();
    for (Request request : inWindow) {
      bins[(int) ((request.atNanos() - outcome.fromNanos()) / binNanos)]++;
      perKind.merge(request.kind(), 1L, Long::sum);
      perStatus.merge(request.status(), 1L, Long::sum);
    }
    int peak = 0;
    for (int i = 1; i < bins.length; i++) {
      peak = bins[i] > bins[peak] ? i : peak;
    }
    int sinceDisturbance = 0;
    for (int i = (int) ((outcome.beganNanos() - outcome.fromNanos()) / binNanos); i < bins.length; i++) {
      sinceDisturbance = Math.max(sinceDisturbance, bins[i]);
    }
    RetryAfter waits = retryAfter(log.between(outcome.fromNanos(), Long.MAX_VALUE),
        Duration.ofSeconds(scale.retryAfterSeconds()).toNanos());
    long heapBefore = baseline.stream().mapToLong(Fleet.JvmStats::heapBytes).sum();
    long rssBefore = baseline.stream().mapToLong(Fleet.JvmStats::rssKib).sum();
    int threadsBefore = baseline.stream().mapToInt(Fleet.JvmStats::threads).sum();
    long heapAfter = outcome.statsAtEnd().stream().mapToLong(Fleet.JvmStats::heapBytes).sum();
    return new Figures(outcome.scenario(), agents, seconds, binNanos / 1e9, bins, inWindow.size(), perKind,
        perStatus, bins.length == 0 ? 0 : bins[peak], peak * binNanos / 1e9, sinceDisturbance,
        reregistered(outcome, inWindow, agents), firstAfter(outcome, inWindow),
        inWindow.stream().filter(Request::connected).count(),
        waits.answered, waits.early, waits.shortestSeconds(),
        (heapAfter - heapBefore) / 1024.0 / agents, (double) (outcome.peakRssKib() - rssBefore) / agents,
        (double) (outcome.peakThreads() - threadsBefore) / agents, answerMillis(inWindow), unanswered(inWindow),
        rateDuring(outcome, inWindow));
  }

  private static Double rateDuring(ScenarioRunner.Outcome outcome, List<Request> inWindow) {
    long nanos = outcome.endedNanos() - outcome.beganNanos();
    if (outcome.scenario().disturbance() == Scenario.Disturbance.NONE || nanos <= 0) {
      return null;
    }
    return inWindow.stream().filter(r -> r.atNanos() >= outcome.beganNanos() && r.atNanos() < outcome.endedNanos())
        .count() / (nanos / 1e9);
  }

  private static double[] answerMillis(List<Request> inWindow) {
    long[] took = inWindow.stream().mapToLong(Request::tookNanos).sorted().toArray();
    if (took.length == 0) {
      return new double[3];
    }
    return new double[] {took[(took.length - 1) / 2] / 1e6, took[(int) Math.ceil(0.99 * took.length) - 1] / 1e6,
        took[took.length - 1] / 1e6};
  }

  private static Map<String, Long> unanswered(List<Request> inWindow) {
    Map<String, Long> why = new TreeMap<>();
    inWindow.stream().filter(r -> r.status() == 0).forEach(r -> why.merge(r.failure() == null ? "interrupted"
        : r.failure().replaceFirst(":.*", ""), 1L, Long::sum));
    return why;
  }

  /** Mean requests per second over the window. */
  double meanRate() {
    return requests / seconds;
  }

  /** The largest wave as a rate: the fullest bin per second. */
  double peakRate() {
    return peakBin / binSeconds;
  }

  /** The fullest bin since the disturbance began, per second. */
  double peakRateSinceDisturbance() {
    return peakSinceDisturbance / binSeconds;
  }

  /** Requests per agent and minute over the window. */
  double perAgentMinute() {
    return requests / (double) agents / (seconds / 60);
  }

  /** Requests of {@code kind} per second over the window. */
  double rate(String kind) {
    return perKind.getOrDefault(kind, 0L) / seconds;
  }

  private static Double reregistered(ScenarioRunner.Outcome outcome, List<Request> inWindow, int agents) {
    if (outcome.scenario().disturbance() == Scenario.Disturbance.NONE) {
      return null;
    }
    Map<Integer, Long> firstWrite = new HashMap<>();
    for (Request request : inWindow) {
      long since = outcome.restartedNanos().isEmpty() ? outcome.endedNanos()
          : outcome.restartedNanos().getOrDefault(FleetJvm.name(request.agent()), Long.MAX_VALUE);
      if (request.leaseWritten() && request.atNanos() >= since) {
        firstWrite.putIfAbsent(request.agent(), request.atNanos());
      }
    }
    if (firstWrite.size() < agents) {
      return -1.0;
    }
    long from = outcome.restartedNanos().isEmpty() ? outcome.endedNanos() : outcome.beganNanos();
    return firstWrite.values().stream().mapToLong(t -> t - from).max().orElse(0) / 1e9;
  }

  private static Map<String, Long> firstAfter(ScenarioRunner.Outcome outcome, List<Request> inWindow) {
    Map<Integer, String> first = new HashMap<>();
    inWindow.stream().filter(r -> r.atNanos() >= outcome.endedNanos())
        .forEach(r -> first.putIfAbsent(r.agent(), r.kind()));
    Map<String, Long> kinds = new TreeMap<>();
    first.values().forEach(kind -> kinds.merge(kind, 1L, Long::sum));
    return kinds;
  }

  private record RetryAfter(long answered, long early, long shortestNanos) {
    Double shortestSeconds() {
      return answered == 0 ? null : shortestNanos / 1e9;
    }
  }

  /** Each 429 against the same agent's next request: was it sent before Retry-After had passed? */
  private static RetryAfter retryAfter(List<Request> requests, long retryAfterNanos) {
    Map<Integer, Long> pending = new HashMap<>();
    long answered = 0;
    long early = 0;
    long shortest = Long.MAX_VALUE;
    for (Request request : requests) {
      Long told = pending.remove(request.agent());
      if (told != null) {
        long waited = request.atNanos() - told;
        shortest = Math.min(shortest, waited);
        early += waited < retryAfterNanos ? 1 : 0;
      }
      if (request.status() == 429) {
        answered++;
        pending.put(request.agent(), request.atNanos());
      }
    }
    return new RetryAfter(answered, early, shortest);
  }
}
