package io.oneinfra.tests.bench;

import io.oneinfra.tests.testbed.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** What /proc says about a process: CPU time (utime + stime) and resident set size. */
final class Proc {
  /** USER_HZ: /proc/PID/stat counts CPU time in ticks of 1/100 s on Linux. */
  private static final double TICKS_PER_SECOND = 100.0;

  private Proc() {}

  /** utime + stime of {@code pid}, in seconds. */
  static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name may hold spaces; fields after its closing parenthesis start at field 3 (state).
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    } catch (IOException e) {
      throw new UncheckedIOException("no /proc/" + pid + "/stat", e);
    }
  }

  /** VmRSS of {@code pid}, in KiB. */
  static long rssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").trim());
        }
      }
      throw new IllegalStateException("no VmRSS for " + pid);
    } catch (IOException e) {
      throw new UncheckedIOException("no /proc/" + pid + "/status", e);
    }
  }

  /**
   * VmRSS of {@code pid} once it has stopped moving: polled every 100 ms until two readings 500 ms apart differ by
   * less than 1%, or {@code deadline} passes (then the last reading). Replaces "sleep and hope it settled".
   */
  static long settledRssKib(long pid, Duration deadline) {
    long[] previous = {rssKib(pid)};
    long[] previousAt = {System.nanoTime()};
    long[] settled = {-1};
    try {
      Poll.until(deadline, "RSS of " + pid + " to settle", () -> {
        if (System.nanoTime() - previousAt[0] < TimeUnit.MILLISECONDS.toNanos(500)) {
          return false;
        }
        long now = rssKib(pid);
        boolean stable = Math.abs(now - previous[0]) * 100 < Math.max(1, previous[0]);
        previous[0] = now;
        previousAt[0] = System.nanoTime();
        settled[0] = stable ? now : -1;
        return stable;
      });
    } catch (IllegalStateException stillMoving) {
      return rssKib(pid); // a process that keeps growing is measured as it is at the deadline
    }
    return settled[0];
  }

  /**
   * CPU seconds {@code pid} uses over a fixed window. The window is the measurement itself (idle CPU per second),
   * not a wait for anything, so it is a timed park rather than a poll.
   */
  static double cpuSecondsOver(long pid, Duration window) throws InterruptedException {
    double before = cpuSeconds(pid);
    Thread.sleep(window.toMillis());
    return cpuSeconds(pid) - before;
  }
}
