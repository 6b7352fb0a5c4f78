package io.oneinfra.tests.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Parses Prometheus text exposition with the reference parser (Debian's python3-prometheus-client). */
public final class PrometheusParser {
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final String SCRIPT = "import sys\n"
      + "from prometheus_client.parser import text_string_to_metric_families as parse\n"
      + "for family in parse(sys.stdin.read()):\n"
      + "    print(family.name)\n";

  private PrometheusParser() {}

  /** The metric family names the parser found; fails the test when the text does not parse. */
  public static List<String> families(String exposition) throws Exception {
    if (!Files.isExecutable(PYTHON)) {
      fail("the Prometheus text check needs /usr/bin/python3 with python3-prometheus-client; "
          + "install with: sudo tests/install-deps.sh");
    }
    Process python = new ProcessBuilder(PYTHON.toString(), "-c", SCRIPT).redirectErrorStream(true).start();
    python.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
    python.getOutputStream().close();
    String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(python.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(python.exitValue()).as("the Prometheus parser (needs python3-prometheus-client): %s", output)
        .isZero();
    return output.lines().toList();
  }
}
