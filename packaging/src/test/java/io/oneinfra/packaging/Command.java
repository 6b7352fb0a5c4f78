package io.oneinfra.packaging;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Runs a real tool and captures its exit code, stdout and stderr; a missing tool fails the test, never skips it. */
final class Command {
  /** The outcome of one run. */
  record Result(List<String> command, int exitCode, String stdout, String stderr) {
    Result expectSuccess() {
      if (exitCode != 0) {
        fail("%s exited %d%nstdout:%n%s%nstderr:%n%s", String.join(" ", command), exitCode, stdout, stderr);
      }
      return this;
    }

    @Override
    public String toString() {
      return String.join(" ", command) + " -> " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
    }
  }

  private static final long TIMEOUT_SECONDS = 300;

  private Command() {}

  /**
   * The absolute path of {@code tool}, searched on PATH plus the sbin directories.
   *
   * @param debianPackage the package that provides it, named in the failure message
   */
  static String require(String tool, String debianPackage) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin";
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, tool);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return fail("%s is not installed (Debian package %s): run tests/install-deps.sh", tool, debianPackage);
  }

  static Result run(List<String> command) {
    return run(command, Map.of());
  }

  static Result run(List<String> command, Map<String, String> environment) {
    ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).redirectInput(ProcessBuilder.Redirect.from(
        new File("/dev/null")));
    builder.environment().putAll(environment);
    try {
      Process process = builder.start();
      CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
      CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail("%s did not finish within %d s", String.join(" ", command), TIMEOUT_SECONDS);
      }
      return new Result(List.copyOf(command), process.exitValue(), stdout.get(), stderr.get());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read the output of " + String.join(" ", command), e);
    }
  }

  private static String read(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
