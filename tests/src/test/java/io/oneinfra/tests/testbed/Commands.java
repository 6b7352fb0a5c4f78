package io.oneinfra.tests.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short-lived external commands with a timeout and returns their exit code and combined output. */
public final class Commands {

  /** Exit code and combined stdout/stderr of a finished command. */
  public record Result(List<String> command, int exitCode, String output) {

    /** Returns this result, or throws with the command's output when it did not exit 0. */
    public Result requireSuccess() {
      if (exitCode != 0) {
        throw new IllegalStateException(
            "command " + command + " exited " + exitCode + ":\n" + output);
      }
      return this;
    }
  }

  private Commands() {}

  /** Runs {@code command}, killing it if it outlives {@code timeout}. */
  public static Result run(Duration timeout, String... command) {
    Path out = null;
    try {
      // Output goes to a file, not a pipe, so a chatty command can never block on a full pipe.
      out = Files.createTempFile("cmd", ".out");
      Process process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        throw new IllegalStateException("command " + List.of(command) + " timed out after "
            + timeout + ":\n" + Files.readString(out, StandardCharsets.UTF_8));
      }
      return new Result(List.of(command), process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + List.of(command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + List.of(command), e);
    } finally {
      if (out != null) {
        out.toFile().delete();
      }
    }
  }
}
