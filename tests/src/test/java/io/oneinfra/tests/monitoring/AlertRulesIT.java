package io.oneinfra.tests.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.oneinfra.tests.testbed.Commands;
import io.oneinfra.tests.testbed.Requirements;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped alert rules ({@code monitoring/oneinfra-agent.rules.yml}) against Prometheus' own {@code promtool}:
 * the file is valid, its unit tests pass, every alert has a unit test where it fires and one where it stays silent,
 * and every alert follows the kubernetes-mixin conventions with a runbook entry in docs/MONITORING.md.
 */
class AlertRulesIT {
  private static final Duration PROMTOOL_TIMEOUT = Duration.ofSeconds(120);
  private static final Pattern NAME = Pattern.compile("OneinfraAgent[A-Z][A-Za-z0-9]+");
  private static final String RUNBOOK_URL = "https://github.com/oneinfra/oneinfra-agent/blob/main/docs/MONITORING.md#";

  private static List<AlertRules.Rule> rules;

  @BeforeAll
  static void read() throws Exception {
    Requirements.require("promtool");
    rules = AlertRules.read(MonitoringFiles.RULES);
    assertThat(rules).as("alerting rules in %s", MonitoringFiles.RULES).isNotEmpty();
  }

  @Test
  void promtoolFindsTheRulesValid() {
    Commands.Result check = Commands.run(PROMTOOL_TIMEOUT, "promtool", "check", "rules",
        MonitoringFiles.RULES.toString());
    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS: " + rules.size() + " rules found");
  }

  @Test
  void promtoolUnitTestsPass() {
    Commands.Result test = Commands.run(PROMTOOL_TIMEOUT, "promtool", "test", "rules",
        MonitoringFiles.RULES_TEST.toString());
    assertThat(test.exitCode()).as(test.output()).isZero();
    assertThat(test.output()).contains("SUCCESS");
  }

  @Test
  void everyAlertAndSeverityHasAUnitTestWhereItFiresAndOneWhereItStaysSilent() throws Exception {
    JsonNode tests = new YAMLMapper().readTree(MonitoringFiles.RULES_TEST.toFile());
    assertThat(tests.path("rule_files").get(0).asText()).isEqualTo(MonitoringFiles.RULES.getFileName().toString());
    Set<String> fired = new HashSet<>();
    Set<String> silent = new HashSet<>();
    for (JsonNode test : tests.path("tests")) {
      for (JsonNode check : test.path("alert_rule_test")) {
        String alert = check.path("alertname").asText();
        if (check.path("exp_alerts").isEmpty()) {
          silent.add(alert);
        }
        for (JsonNode expected : check.path("exp_alerts")) {
          fired.add(alert + "/" + expected.path("exp_labels").path("severity").asText());
        }
      }
    }
    for (AlertRules.Rule rule : rules) {
      assertThat(fired).as("a unit test where %s fires", rule.alert())
          .contains(rule.alert() + "/" + rule.labels().get("severity"));
      assertThat(silent).as("a unit test where %s stays silent", rule.alert()).contains(rule.alert());
    }
  }

  @Test
  void everyAlertFollowsTheMixinConventions() {
    for (AlertRules.Rule rule : rules) {
      String name = rule.alert();
      assertThat(name).as("alert name").matches(NAME);
      assertThat(rule.forDuration()).as("%s: for:", name).isNotBlank().isNotEqualTo("0s").isNotEqualTo("0");
      assertThat(rule.labels().get("severity")).as("%s: severity", name).isIn("warning", "critical");
      assertThat(rule.annotations()).as("%s: annotations", name)
          .containsOnlyKeys("summary", "description", "runbook_url");
      assertThat(rule.annotations().get("summary")).as("%s: summary", name).isNotBlank()
          .doesNotContain("{{"); // one line an operator groups alerts by
      assertThat(rule.annotations().get("description")).as("%s: description names the host", name)
          .contains("{{ $labels.instance }}");
      assertThat(rule.annotations().get("runbook_url")).as("%s: runbook_url", name)
          .isEqualTo(RUNBOOK_URL + name.toLowerCase(Locale.ROOT));
      for (PromQlSelectors.Selector selector : PromQlSelectors.of(rule.expr())) {
        assertThat(selector.matcher("job")).as("%s: %s selects the scrape job", name, selector)
            .isEqualTo(new PromQlSelectors.Matcher("job", "=", MonitoringFiles.JOB));
      }
    }
  }

  @Test
  void theRunbookHasAHeadingAndATableRowPerAlert() throws Exception {
    List<String> runbook = Files.readAllLines(MonitoringFiles.RUNBOOK);
    for (AlertRules.Rule rule : rules) {
      // GitHub makes the anchor #oneinfraagentcridown of the heading "### OneinfraAgentCriDown"
      assertThat(runbook).as("heading for %s in %s", rule.alert(), MonitoringFiles.RUNBOOK)
          .contains("### " + rule.alert());
      assertThat(runbook).as("alert table row for %s in %s", rule.alert(), MonitoringFiles.RUNBOOK)
          .anyMatch(line -> line.startsWith("| [`" + rule.alert() + "`](#" + rule.alert().toLowerCase(Locale.ROOT)
              + ") | " + rule.labels().get("severity")));
    }
  }
}
