package io.oneinfra.tests.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A Grafana dashboard (classic JSON model) as read by the tests: its panels and their PromQL queries. */
final class GrafanaDashboard {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** One query of a panel, with the Grafana variables still in it. */
  record Query(String panel, String refId, String expr) {
    /** The query as Grafana sends it for one {@code $instance} regex, with the interval variables set. */
    String expand(String instanceRegex) {
      return expr.replace("${instance}", instanceRegex).replace("$instance", instanceRegex)
          .replace("$__rate_interval", "30s").replace("$__interval", "15s").replace("$__range", "1h");
    }
  }

  private final JsonNode root;

  private GrafanaDashboard(JsonNode root) {
    this.root = root;
  }

  static GrafanaDashboard read(Path file) throws IOException {
    return new GrafanaDashboard(JSON.readTree(file.toFile()));
  }

  JsonNode root() {
    return root;
  }

  /** Every panel, rows' nested panels included, rows themselves included. */
  List<JsonNode> panels() {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : root.path("panels")) {
      panels.add(panel);
      panel.path("panels").forEach(panels::add);
    }
    return panels;
  }

  /** Every panel query, in panel order. */
  List<Query> queries() {
    List<Query> queries = new ArrayList<>();
    for (JsonNode panel : panels()) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(new Query(panel.path("title").asText(), target.path("refId").asText(),
            target.path("expr").asText()));
      }
    }
    return queries;
  }

  /** The templating variable named {@code name}, or a missing node. */
  JsonNode variable(String name) {
    for (JsonNode variable : root.path("templating").path("list")) {
      if (name.equals(variable.path("name").asText())) {
        return variable;
      }
    }
    return root.path("templating").path("no such variable: " + name);
  }
}
