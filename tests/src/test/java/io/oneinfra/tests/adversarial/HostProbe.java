package io.oneinfra.tests.adversarial;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What the kernel says about a process and a port: open descriptors, resident memory, sockets in CLOSE-WAIT. */
public final class HostProbe {
  private static final String CLOSE_WAIT = "08";

  private HostProbe() {}

  /** Open file descriptors of {@code pid} ({@code /proc/PID/fd}). */
  public static int openFds(long pid) {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return (int) fds.count();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the descriptors of " + pid, e);
    }
  }

  /** Resident set size of {@code pid} in KiB ({@code VmRSS} in {@code /proc/PID/status}). */
  public static long rssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
      throw new IllegalStateException("no VmRSS for " + pid);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the status of " + pid, e);
    }
  }

  /** The RSS in KiB of the JVM {@code pid} right after a full collection ({@code jcmd PID GC.run}). */
  public static long rssAfterFullGc(long pid) {
    try {
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          Long.toString(pid), "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
        throw new IllegalStateException("jcmd " + pid + " GC.run failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run jcmd", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running jcmd", e);
    }
    return rssKib(pid);
  }

  /** TCP sockets in CLOSE-WAIT whose local port is {@code port}, IPv4 and IPv6 ({@code /proc/net/tcp*}). */
  public static int closeWait(int port) {
    String localPort = String.format(":%04X", port);
    int count = 0;
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          // sl local_address rem_address st ...
          if (f.length > 3 && f[1].endsWith(localPort) && f[3].equals(CLOSE_WAIT)) {
            count++;
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + table, e);
      }
    }
    return count;
  }
}
