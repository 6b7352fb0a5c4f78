package io.oneinfra.agent.status;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Parses a scrape with the reference Prometheus text parser: Debian's python3-prometheus-client under
 * {@code /usr/bin/python3}. Fails (never skips) when it is missing.
 */
final class PythonPrometheusParser {
  static final String PYTHON = "/usr/bin/python3";
  static final String INSTALL = "apt-get install -y python3-prometheus-client (tests/install-deps.sh)";

  /** Prints the number of families, then one {@code name type samples} line per family. */
  private static final String SCRIPT = String.join("\n",
      "import sys",
      "from prometheus_client.parser import text_string_to_metric_families as p",
      "fams = list(p(sys.stdin.read()))",
      "print(len(fams))",
      "for f in fams:",
      "    print(f.name, f.type, ' '.join(s.name for s in f.samples))");

  private PythonPrometheusParser() {}

  /** One parsed family: its name (without {@code _total} for counters), type and sample names. */
  record Family(String name, String type, List<String> samples) {}

  static List<Family> parse(String exposition) {
    requireParser();
    Result result = run(exposition, SCRIPT);
    if (result.exit() != 0) {
      fail("the Prometheus text parser rejected the scrape (exit %d):%n%s%nscrape:%n%s",
          result.exit(), result.stderr(), exposition);
    }
    List<String> lines = result.stdout().lines().toList();
    int count = Integer.parseInt(lines.get(0).trim());
    List<Family> families = lines.subList(1, lines.size()).stream()
        .map(line -> line.split(" "))
        .map(parts -> new Family(parts[0], parts[1], List.of(parts).subList(2, parts.length)))
        .toList();
    if (families.size() != count) {
      fail("parser printed %d families but counted %d:%n%s", families.size(), count, result.stdout());
    }
    return families;
  }

  private static void requireParser() {
    if (!Files.isExecutable(Path.of(PYTHON))) {
      fail("%s is missing: the /metrics test needs the real Prometheus text parser; run %s", PYTHON, INSTALL);
    }
    Result probe = run("", "import prometheus_client.parser");
    if (probe.exit() != 0) {
      fail("the Python module prometheus_client is missing for %s: run %s%n%s", PYTHON, INSTALL, probe.stderr());
    }
  }

  private record Result(int exit, String stdout, String stderr) {}

  private static Result run(String stdin, String script) {
    try {
      Process process = new ProcessBuilder(PYTHON, "-c", script).start();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail("%s did not finish within 60 s", PYTHON);
      }
      return new Result(process.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + PYTHON + "; run " + INSTALL, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String readAll(InputStream stream) {
    try (stream) {
      return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
