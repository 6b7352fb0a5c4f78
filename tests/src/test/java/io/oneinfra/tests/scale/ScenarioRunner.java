package io.oneinfra.tests.scale;

import io.oneinfra.tests.registration.ApiInterposer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs scenarios on the fleet and its API at their moments, on a clock of its own. */
final class ScenarioRunner implements AutoCloseable {
  /** How often the fleet JVMs' resident memory and threads are read from /proc. */
  private static final Duration SAMPLE = Duration.ofSeconds(1);

  /**
   * What happened: the moments (as {@link ApiInterposer#nowNanos}) the window began, the disturbance began and
   * ended, and the window ended; when each restarted agent started again; the fleet JVMs' cost at the end (after a
   * full GC) and their peaks of resident memory and threads during the window.
   */
  record Outcome(Scenario scenario, long fromNanos, long beganNanos, long endedNanos, long toNanos,
      Map<String, Long> restartedNanos, List<Fleet.JvmStats> statsAtEnd, long peakRssKib, int peakThreads) {}

  private final ApiInterposer api;
  private final Fleet fleet;
  private final TimeScale scale;
  private final ScheduledExecutorService clock = Executors.newScheduledThreadPool(2, r -> {
    Thread thread = new Thread(r, "scenario-clock");
    thread.setDaemon(true);
    return thread;
  });

  ScenarioRunner(ApiInterposer api, Fleet fleet, TimeScale scale) {
    this.api = api;
    this.fleet = fleet;
    this.scale = scale;
  }

  Outcome run(Scenario scenario) {
    long from = api.nowNanos();
    long[] peaks = new long[2];
    ScheduledFuture<?> sampling = clock.scheduleAtFixedRate(() -> sample(peaks), 0, SAMPLE.toMillis(),
        TimeUnit.MILLISECONDS);
    Map<String, Long> restarted = new HashMap<>();
    long[] moments = new long[2];
    CompletableFuture<Void> began = at(scenario.lead(), () -> {
      moments[0] = api.nowNanos();
      begin(scenario, restarted);
    });
    CompletableFuture<Void> ended = began.thenCompose(v -> at(scenario.length().minus(
        Duration.ofNanos(api.nowNanos() - moments[0])), () -> {
          end(scenario);
          moments[1] = api.nowNanos();
        }));
    CompletableFuture<Void> done = ended.thenCompose(v -> at(scenario.after(), () -> { }));
    try {
      done.get(scenario.window().toSeconds() + 300, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted in scenario " + scenario.id(), e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("scenario " + scenario.id() + " failed", e);
    } finally {
      sampling.cancel(false);
    }
    long to = api.nowNanos();
    return new Outcome(scenario, from, moments[0], moments[1], to, restarted, fleet.stats(), peaks[0],
        (int) peaks[1]);
  }

  /** Runs {@code step} after {@code delay} on the clock; the future fails when the step does. */
  private CompletableFuture<Void> at(Duration delay, Step step) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    clock.schedule(() -> {
      try {
        step.run();
        result.complete(null);
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    }, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    return result;
  }

  private interface Step {
    void run() throws Exception;
  }

  private void begin(Scenario scenario, Map<String, Long> restarted) {
    switch (scenario.disturbance()) {
      case NONE -> { }
      case RESTART -> fleet.restart(scenario.length())
          .forEach((name, millis) -> restarted.put(name, millis * 1_000_000L));
      case OUTAGE -> api.down();
      case SHEDDING -> api.shed(new ApiInterposer.Shedding(429, scale.retryAfterSeconds(), 0.2));
      case UNAVAILABLE -> api.shed(new ApiInterposer.Shedding(503, null, 1.0));
      case SLOW -> api.answerLate(scale.lateBy());
      default -> throw new IllegalArgumentException(scenario.disturbance().name());
    }
  }

  private void end(Scenario scenario) throws IOException {
    switch (scenario.disturbance()) {
      case OUTAGE -> api.up();
      case SHEDDING, UNAVAILABLE -> api.shed(null);
      case SLOW -> api.answerLate(null);
      default -> { }
    }
  }

  private void sample(long[] peaks) {
    long rss = 0;
    long threads = 0;
    for (long pid : fleet.pids()) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
          if (line.startsWith("VmRSS:")) {
            rss += Long.parseLong(line.replaceAll("[^0-9]", ""));
          } else if (line.startsWith("Threads:")) {
            threads += Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("fleet JVM " + pid + " is gone", e);
      }
    }
    synchronized (peaks) {
      peaks[0] = Math.max(peaks[0], rss);
      peaks[1] = Math.max(peaks[1], threads);
    }
  }

  @Override
  public void close() {
    clock.shutdownNow();
  }
}
