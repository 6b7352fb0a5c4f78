package io.oneinfra.tests.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

/** Where the repository keeps the shipped monitoring files and their runbook (system properties from the pom). */
final class MonitoringFiles {
  static final Path DIR = directory("monitoring.dir");
  static final Path RULES = DIR.resolve("oneinfra-agent.rules.yml");
  static final Path RULES_TEST = DIR.resolve("oneinfra-agent.rules.test.yml");
  static final Path DASHBOARD = DIR.resolve("oneinfra-agent.dashboard.json");
  static final Path RUNBOOK = directory("docs.dir").resolve("MONITORING.md");
  /** The scrape job the rules and the dashboard select, as docs/MONITORING.md tells operators to name it. */
  static final String JOB = "oneinfra-agent";

  private MonitoringFiles() {}

  private static Path directory(String property) {
    String value = System.getProperty(property);
    assertThat(value).as("system property %s (set by tests/pom.xml)", property).isNotBlank();
    Path path = Path.of(value).toAbsolutePath().normalize();
    assertThat(path).as(property).isDirectory();
    return path;
  }
}
