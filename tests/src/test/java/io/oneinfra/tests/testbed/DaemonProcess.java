package io.oneinfra.tests.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A server the test bed runs in a temp dir of its own: its output in {@code NAME.log} there, stopped by PID. */
final class DaemonProcess implements AutoCloseable {
  private final String name;
  private final Path dir;
  private final Process process;
  private final Duration stopTimeout;

  private DaemonProcess(String name, Path dir, Process process, Duration stopTimeout) {
    this.name = name;
    this.dir = dir;
    this.process = process;
    this.stopTimeout = stopTimeout;
  }

  /** Starts {@code command} with no input and its output in {@code dir/NAME.log}; {@link #close} deletes dir. */
  static DaemonProcess start(String name, Path dir, List<String> command, Duration stopTimeout) throws IOException {
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .start();
    return new DaemonProcess(name, dir, process, stopTimeout);
  }

  Process process() {
    return process;
  }

  /** Throws with the log when the process has exited: for the polls that wait for it to serve. */
  void requireAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException(name + " exited " + process.exitValue() + "\n" + log());
    }
  }

  /** The process's output so far, for failure messages. */
  String log() {
    try {
      return Files.readString(dir.resolve(name + ".log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no " + name + " log in " + dir + ")";
    }
  }

  /** Stops the process by PID (SIGTERM, then SIGKILL after the stop timeout) and deletes its temp dir. */
  @Override
  public void close() {
    process.destroy();
    if (!HostCleanup.awaitExit(process.toHandle(), stopTimeout)) {
      process.destroyForcibly();
      HostCleanup.awaitExit(process.toHandle(), stopTimeout);
    }
    try {
      HostCleanup.deleteTree(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
