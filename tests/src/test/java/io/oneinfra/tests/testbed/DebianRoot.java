package io.oneinfra.tests.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A Debian 12 minbase root with systemd and a Java runtime, made once by debootstrap from this machine's own apt
 * mirror and kept in a cache reused by later runs. A finished root is never written to again: machines boot it under
 * a throw-away overlay ({@link BootedDebian}), so several may run from it at once.
 */
public final class DebianRoot {
  static final String SUITE = "bookworm";
  static final List<String> PACKAGES = List.of("systemd", "systemd-sysv", "dbus", "default-jre-headless");
  /** Bump when the recipe below changes: a new key, so a new root. */
  private static final String RECIPE = "1";
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(15);
  private static final String COMPLETE = "complete";

  private static Path built;

  private DebianRoot() {}

  /**
   * The root directory, built now unless the cache already holds one for this recipe and mirror.
   *
   * @throws IllegalStateException naming the step and its output when the build fails
   */
  public static synchronized Path get() {
    if (built == null) {
      Requirements.require("debootstrap", "systemd-nspawn", "nsenter");
      Requirements.requireRoot();
      built = getOrBuild(cacheDir(), AptSources.mirror(Path.of("/etc/apt"), SUITE));
    }
    return built;
  }

  /** {@code -Dbooted.cache=DIR}, else ~/.cache/oneinfra-agent-tests: shared by worktrees and kept across cleans. */
  static Path cacheDir() {
    String configured = System.getProperty("booted.cache", "");
    return configured.isBlank() ? Path.of(System.getProperty("user.home"), ".cache", "oneinfra-agent-tests")
        : Path.of(configured);
  }

  private static Path getOrBuild(Path cache, AptSources.Mirror mirror) {
    Path dir = cache.resolve(SUITE + "-minbase-" + key(mirror));
    Path root = dir.resolve("root");
    try {
      Files.createDirectories(cache);
      // One builder at a time across JVMs (two worktrees' test runs); the others wait, then reuse its root.
      try (FileChannel lockFile = FileChannel.open(cache.resolve(".lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE)) {
        lockFile.lock(); // released when the channel closes
        if (Files.exists(dir.resolve(COMPLETE))) {
          return root;
        }
        removeAbandonedBuilds(cache);
        HostCleanup.deleteTree(dir); // a root someone left without its marker cannot be trusted
        Path building = cache.resolve(dir.getFileName() + ".building");
        long start = System.nanoTime();
        build(building, mirror);
        Files.writeString(building.resolve(COMPLETE), "built " + Instant.now() + " in "
            + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s from " + mirror.uri() + "\n"
            + recipe(mirror));
        Files.move(building, dir, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf("booted test bed: built %s in %d s%n", root,
            Duration.ofNanos(System.nanoTime() - start).toSeconds());
        return root;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build or reuse the Debian root in " + cache, e);
    }
  }

  private static void build(Path building, AptSources.Mirror mirror) throws IOException {
    Path root = building.resolve("root");
    Files.createDirectories(building);
    Path log = building.resolve("debootstrap.log");
    List<String> command = new ArrayList<>(List.of("debootstrap", "--variant=minbase",
        "--include=" + String.join(",", PACKAGES)));
    mirror.keyring().ifPresent(keyring -> command.add("--keyring=" + keyring));
    command.addAll(List.of(SUITE, root.toString(), mirror.uri()));
    Commands.Result result = Commands.run(BUILD_TIMEOUT, command.toArray(String[]::new));
    Files.writeString(log, result.output());
    HostCleanup.unmountAll(building); // debootstrap mounts /proc and /sys in the root while it works
    if (result.exitCode() != 0) {
      throw new IllegalStateException("debootstrap exited " + result.exitCode() + " (log " + log + "):\n"
          + tail(result.output()));
    }
    // No /etc/hostname: the kernel name nspawn sets is the machine's only name, and no /etc/hosts names it either,
    // as on a fresh cloud image (the agent must never need the resolver for its own name).
    Files.deleteIfExists(root.resolve("etc/hostname"));
    Files.deleteIfExists(root.resolve("etc/hosts"));
  }

  /** Deletes roots whose build was interrupted (their JVM died); called holding the lock, so none is in progress. */
  private static void removeAbandonedBuilds(Path cache) throws IOException {
    try (DirectoryStream<Path> stale = Files.newDirectoryStream(cache, "*.building")) {
      for (Path dir : stale) {
        HostCleanup.unmountAll(dir);
        HostCleanup.deleteTree(dir);
      }
    }
  }

  private static String recipe(AptSources.Mirror mirror) {
    return "recipe " + RECIPE + "\nsuite " + SUITE + "\nvariant minbase\npackages " + String.join(",", PACKAGES)
        + "\nmirror " + mirror.uri() + "\n";
  }

  private static String key(AptSources.Mirror mirror) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(recipe(mirror).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String tail(String output) {
    List<String> lines = output.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
