package io.oneinfra.tests.adversarial;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/** Samples a process's descriptors and resident memory (and, optionally, a readiness probe) at a fixed rate. */
public final class ProcessSampler implements AutoCloseable {
  /** One sample: seconds since the start, open descriptors, RSS in KiB. */
  public record Sample(double seconds, int fds, long rssKib) {}

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final List<Sample> samples = new ArrayList<>();
  private final long startNanos = System.nanoTime();
  private int notReady;

  /** Starts sampling {@code pid} every {@code every}; {@code readyz} (may be null) answers an HTTP status code. */
  public ProcessSampler(long pid, Duration every, IntSupplier readyz) {
    timer.scheduleAtFixedRate(() -> {
      Sample sample = new Sample((System.nanoTime() - startNanos) / 1e9, HostProbe.openFds(pid),
          HostProbe.rssKib(pid));
      boolean ready = true;
      if (readyz != null) {
        try {
          ready = readyz.getAsInt() == 200;
        } catch (RuntimeException e) {
          ready = false;
        }
      }
      synchronized (samples) {
        samples.add(sample);
        notReady += ready ? 0 : 1;
      }
    }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops sampling; what was sampled stays readable. */
  public void stop() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }

  public List<Sample> samples() {
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }

  /** Readiness probes that did not answer 200. */
  public int notReady() {
    synchronized (samples) {
      return notReady;
    }
  }

  public int fdsPeak() {
    return samples().stream().mapToInt(Sample::fds).max().orElse(0);
  }

  public long rssPeakKib() {
    return samples().stream().mapToLong(Sample::rssKib).max().orElse(0);
  }

  /** Least-squares slope of descriptors per minute over samples at or after {@code fromSeconds}. */
  public double fdsSlopePerMinute(double fromSeconds) {
    return slopePerMinute(fromSeconds, s -> s.fds());
  }

  /** Least-squares slope of RSS in MiB per minute over samples at or after {@code fromSeconds}. */
  public double rssSlopeMibPerMinute(double fromSeconds) {
    return slopePerMinute(fromSeconds, s -> s.rssKib() / 1024.0);
  }

  private double slopePerMinute(double fromSeconds, java.util.function.ToDoubleFunction<Sample> value) {
    List<Sample> used = samples().stream().filter(s -> s.seconds() >= fromSeconds).toList();
    int n = used.size();
    if (n < 2) {
      return 0;
    }
    double meanX = used.stream().mapToDouble(Sample::seconds).average().orElse(0);
    double meanY = used.stream().mapToDouble(value).average().orElse(0);
    double num = 0;
    double den = 0;
    for (Sample s : used) {
      num += (s.seconds() - meanX) * (value.applyAsDouble(s) - meanY);
      den += (s.seconds() - meanX) * (s.seconds() - meanX);
    }
    return den == 0 ? 0 : num / den * 60;
  }
}
