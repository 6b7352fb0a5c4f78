package io.oneinfra.tests.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A Prometheus rules file as read by the tests: its alerting rules, and test-only copies of it. */
final class AlertRules {
  private static final YAMLMapper YAML = new YAMLMapper();

  /** One alerting rule as written. */
  record Rule(String group, String alert, String expr, String forDuration, Map<String, String> labels,
      Map<String, String> annotations) {}

  private AlertRules() {}

  /** Every alerting rule of {@code file}, in order. */
  static List<Rule> read(Path file) throws IOException {
    List<Rule> rules = new ArrayList<>();
    for (JsonNode group : YAML.readTree(file.toFile()).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        if (rule.has("alert")) {
          rules.add(new Rule(group.path("name").asText(), rule.path("alert").asText(), rule.path("expr").asText(),
              rule.has("for") ? rule.path("for").asText() : null, strings(rule.path("labels")),
              strings(rule.path("annotations"))));
        }
      }
    }
    return rules;
  }

  /**
   * Writes {@code shipped} to {@code copy} with every {@code for:} set to {@code forDuration} and every group
   * evaluated every {@code interval}; expressions, labels and annotations stay exactly as shipped.
   */
  static void writeFastCopy(Path shipped, Path copy, String forDuration, String interval) throws IOException {
    JsonNode root = YAML.readTree(shipped.toFile());
    for (JsonNode group : root.path("groups")) {
      ((ObjectNode) group).put("interval", interval);
      for (JsonNode rule : group.path("rules")) {
        if (rule.has("alert")) {
          ((ObjectNode) rule).put("for", forDuration);
        }
      }
    }
    YAML.writeValue(copy.toFile(), root);
  }

  private static Map<String, String> strings(JsonNode node) {
    Map<String, String> values = new LinkedHashMap<>();
    node.properties().forEach(e -> values.put(e.getKey(), e.getValue().asText()));
    return values;
  }
}
