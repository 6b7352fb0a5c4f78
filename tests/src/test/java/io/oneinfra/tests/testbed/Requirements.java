package io.oneinfra.tests.testbed;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Fails (never skips) an integration test whose host lacks the real components it needs. */
public final class Requirements {

  private static final String INSTALL_HINT = "install with: sudo tests/install-deps.sh";

  private Requirements() {}

  /** Fails unless every binary is an executable file on PATH. */
  public static void require(String... binaries) {
    for (String binary : binaries) {
      if (!onPath(binary)) {
        fail("integration test needs " + binary + " on PATH; " + INSTALL_HINT);
      }
    }
  }

  /** Fails unless every file exists and is executable (components installed outside PATH by install-deps.sh). */
  public static void requireFile(Path... files) {
    for (Path file : files) {
      if (!Files.isExecutable(file) || !Files.isRegularFile(file)) {
        fail("integration test needs " + file + "; " + INSTALL_HINT);
      }
    }
  }

  /** Fails unless the test JVM runs as root, which containerd needs for overlayfs mounts and runc. */
  public static void requireRoot() {
    if (effectiveUid() != 0) {
      fail("integration test needs root (containerd mounts overlayfs and runs runc); "
          + "run the build as root, e.g. sudo ./mvnw -pl tests -am verify");
    }
  }

  static boolean onPath(String binary) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String entry : path.split(File.pathSeparator)) {
      if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, binary))
          && Files.isRegularFile(Path.of(entry, binary))) {
        return true;
      }
    }
    return false;
  }

  private static long effectiveUid() {
    try {
      // "Uid:" lists real, effective, saved and filesystem UIDs; the effective one decides.
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/status", e);
    }
    throw new IllegalStateException("no Uid line in /proc/self/status");
  }
}
