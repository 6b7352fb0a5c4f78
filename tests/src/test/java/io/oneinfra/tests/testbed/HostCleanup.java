package io.oneinfra.tests.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** Removes what a crashed or abandoned test bed leaves on the host: processes, mounts, files. */
final class HostCleanup {

  private static final Duration KILL_WAIT = Duration.ofSeconds(10);

  private HostCleanup() {}

  /**
   * Kills every process whose command line contains both strings, container processes below it
   * first, then deletes the unix sockets the victims were serving (a killed shim leaves its socket
   * in /run/containerd/s, outside any temp dir).
   */
  static List<Long> killProcesses(String program, String mention) {
    List<ProcessHandle> victims = new ArrayList<>();
    List<Path> sockets = new ArrayList<>();
    for (long pid : pidsMatching(program, mention)) {
      sockets.addAll(UnixSockets.boundBy(pid));
      ProcessHandle.of(pid).ifPresent(victims::add);
    }
    for (ProcessHandle victim : victims) {
      // A shim is a subreaper: its containers would survive it and be reparented to PID 1.
      victim.descendants().forEach(ProcessHandle::destroyForcibly);
      victim.destroyForcibly();
    }
    for (ProcessHandle victim : victims) {
      awaitExit(victim, KILL_WAIT);
    }
    for (Path socket : sockets) {
      try {
        Files.deleteIfExists(socket);
      } catch (IOException e) {
        // Only a stale file is left behind; not worth failing the cleanup for.
      }
    }
    return victims.stream().map(ProcessHandle::pid).toList();
  }

  /** Lazily unmounts every mount point at or below {@code dir}, deepest first, until none is left. */
  static void unmountAll(Path dir) {
    for (int round = 0; round < 5; round++) {
      List<Path> mounts = mountsUnder(dir);
      if (mounts.isEmpty()) {
        return;
      }
      mounts.sort(Comparator.comparingInt(Path::getNameCount).reversed());
      for (Path mount : mounts) {
        Commands.run(Duration.ofSeconds(30), "umount", "-l", mount.toString());
      }
    }
    throw new IllegalStateException("mounts left under " + dir + ": " + mountsUnder(dir));
  }

  /** Deletes {@code dir} recursively, refusing while anything is still mounted inside it. */
  static void deleteTree(Path dir) throws IOException {
    if (!mountsUnder(dir).isEmpty()) {
      // Deleting through a live (bind or overlay) mount would delete someone else's files.
      throw new IOException("refusing to delete " + dir + ", still mounted: " + mountsUnder(dir));
    }
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  /** Mount points at or below {@code dir} according to /proc/self/mountinfo. */
  static List<Path> mountsUnder(Path dir) {
    List<Path> result = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        Path mountPoint = Path.of(unescape(line.split(" ")[4]));
        if (mountPoint.startsWith(dir)) {
          result.add(mountPoint);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/mountinfo", e);
    }
    return result;
  }

  /** PIDs of processes whose /proc/PID/cmdline contains both strings. */
  static List<Long> pidsMatching(String program, String mention) {
    List<Long> pids = new ArrayList<>();
    long self = ProcessHandle.current().pid();
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path entry : proc) {
        long pid = Long.parseLong(entry.getFileName().toString());
        Optional<String> cmdline = cmdline(entry);
        if (pid != self && cmdline.isPresent()
            && cmdline.get().contains(program) && cmdline.get().contains(mention)) {
          pids.add(pid);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return pids;
  }

  private static Optional<String> cmdline(Path procEntry) {
    try {
      byte[] raw = Files.readAllBytes(procEntry.resolve("cmdline"));
      return Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', ' '));
    } catch (IOException e) {
      return Optional.empty(); // the process exited while we were looking
    }
  }

  /** Decodes the octal escapes (\040 for space and so on) mountinfo uses in paths. */
  private static String unescape(String field) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** Waits up to {@code timeout} for {@code process} to exit; returns whether it did. */
  static boolean awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("waiting for " + process.pid(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
