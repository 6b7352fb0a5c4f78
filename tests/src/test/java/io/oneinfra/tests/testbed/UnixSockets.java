package io.oneinfra.tests.testbed;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Finds the unix socket files a process holds open, by matching /proc/PID/fd with /proc/net/unix. */
final class UnixSockets {

  private UnixSockets() {}

  /** Absolute paths of the named unix sockets {@code pid} has open; empty if it is gone. */
  static List<Path> boundBy(long pid) {
    Set<String> inodes = new HashSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds) {
        String target = readLink(fd);
        if (target.startsWith("socket:[")) {
          inodes.add(target.substring("socket:[".length(), target.length() - 1));
        }
      }
      List<Path> paths = new ArrayList<>();
      // Columns: Num RefCount Protocol Flags Type St Inode [Path]
      for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length >= 8 && fields[7].startsWith("/") && inodes.contains(fields[6])) {
          paths.add(Path.of(fields[7]));
        }
      }
      return paths;
    } catch (IOException e) {
      return List.of(); // the process exited (or is not ours to inspect)
    }
  }

  private static String readLink(Path fd) {
    try {
      return Files.readSymbolicLink(fd).toString();
    } catch (IOException e) {
      return ""; // the descriptor was closed while we listed them
    }
  }
}
