package io.oneinfra.tests.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
