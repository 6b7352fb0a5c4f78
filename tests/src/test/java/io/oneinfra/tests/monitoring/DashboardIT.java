package io.oneinfra.tests.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.oneinfra.tests.testbed.Commands;
import io.oneinfra.tests.testbed.Requirements;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped Grafana dashboard ({@code monitoring/oneinfra-agent.dashboard.json}): the current classic JSON model
 * with a data source and an instance variable, every panel on the data source variable, and every query parsed by
 * Prometheus' own parser ({@code promtool check rules} on a generated file of one recording rule per query).
 * {@code PrometheusScrapesAgentWithApiDoubleIT} runs the same queries against a real server scraping a real agent.
 */
class DashboardIT {
  /** Grafana 12's classic model; newer Grafana migrates it on import. */
  private static final int SCHEMA_VERSION = 41;
  private static final Set<String> PANEL_TYPES = Set.of("row", "stat", "timeseries", "state-timeline", "bargauge");
  private static final String DATASOURCE = "${datasource}";

  private static GrafanaDashboard dashboard;

  @TempDir
  Path dir;

  @BeforeAll
  static void read() throws Exception {
    dashboard = GrafanaDashboard.read(MonitoringFiles.DASHBOARD);
  }

  @Test
  void isTheCurrentSchemaWithADatasourceAndAnInstanceVariable() {
    JsonNode root = dashboard.root();
    assertThat(root.path("schemaVersion").asInt()).isEqualTo(SCHEMA_VERSION);
    assertThat(root.path("uid").asText()).isEqualTo("oneinfra-agent");
    assertThat(root.path("title").asText()).isNotBlank();
    JsonNode datasource = dashboard.variable("datasource");
    assertThat(datasource.path("type").asText()).isEqualTo("datasource");
    assertThat(datasource.path("query").asText()).isEqualTo("prometheus");
    JsonNode instance = dashboard.variable("instance");
    assertThat(instance.path("type").asText()).isEqualTo("query");
    assertThat(instance.path("datasource").path("uid").asText()).isEqualTo(DATASOURCE);
    assertThat(instance.path("multi").asBoolean()).isTrue();
    assertThat(instance.path("includeAll").asBoolean()).isTrue();
    assertThat(instance.path("query").path("query").asText())
        .isEqualTo("label_values(up{job=\"" + MonitoringFiles.JOB + "\"}, instance)")
        .isEqualTo(instance.path("definition").asText());
  }

  @Test
  void everyPanelIsLaidOutOnTheDatasourceVariableWithQueriesPerInstance() {
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : dashboard.panels()) {
      String title = panel.path("title").asText();
      assertThat(ids.add(panel.path("id").asInt())).as("unique id of panel %s", title).isTrue();
      assertThat(panel.path("type").asText()).as("type of panel %s (no deprecated panel types)", title)
          .isIn(PANEL_TYPES);
      JsonNode grid = panel.path("gridPos");
      assertThat(grid.path("w").asInt()).as("width of %s", title).isPositive();
      assertThat(grid.path("h").asInt()).as("height of %s", title).isPositive();
      assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as("right edge of %s", title)
          .isLessThanOrEqualTo(24);
      if ("row".equals(panel.path("type").asText())) {
        continue;
      }
      assertThat(panel.path("description").asText()).as("description of %s", title).isNotBlank();
      assertThat(panel.path("datasource").path("uid").asText()).as("datasource of %s", title).isEqualTo(DATASOURCE);
      assertThat(panel.path("targets")).as("queries of %s", title).isNotEmpty();
      Set<String> refIds = new HashSet<>();
      for (JsonNode target : panel.path("targets")) {
        assertThat(refIds.add(target.path("refId").asText())).as("unique refId in %s", title).isTrue();
        assertThat(target.path("datasource").path("uid").asText()).as("datasource of a query of %s", title)
            .isEqualTo(DATASOURCE);
      }
    }
    for (GrafanaDashboard.Query query : dashboard.queries()) {
      List<PromQlSelectors.Selector> selectors = PromQlSelectors.of(query.expr());
      assertThat(selectors).as("selectors of %s", query).isNotEmpty();
      for (PromQlSelectors.Selector selector : selectors) {
        assertThat(selector.matchers()).as("%s: %s", query, selector).contains(
            new PromQlSelectors.Matcher("job", "=", MonitoringFiles.JOB),
            new PromQlSelectors.Matcher("instance", "=~", "$instance"));
      }
    }
  }

  @Test
  void everyQueryParsesWithPrometheusParser() throws Exception {
    Requirements.require("promtool");
    YAMLMapper yaml = new YAMLMapper();
    ObjectNode file = yaml.createObjectNode();
    ObjectNode group = file.putArray("groups").addObject().put("name", "dashboard-queries");
    ArrayNode rules = group.putArray("rules");
    List<GrafanaDashboard.Query> queries = dashboard.queries();
    for (int i = 0; i < queries.size(); i++) {
      rules.addObject().put("record", "dashboard:query" + i).put("expr", queries.get(i).expand(".+"));
    }
    // the instance variable's own query is label_values(SELECTOR, instance): its selector must parse too
    String variable = dashboard.variable("instance").path("query").path("query").asText();
    rules.addObject().put("record", "dashboard:instances")
        .put("expr", variable.substring("label_values(".length(), variable.lastIndexOf(',')));
    Path generated = dir.resolve("dashboard-queries.rules.yml");
    yaml.writeValue(generated.toFile(), file);

    Commands.Result check = Commands.run(Duration.ofSeconds(120), "promtool", "check", "rules",
        generated.toString());
    assertThat(check.exitCode()).as("%s%n%s", check.output(), queries).isZero();
    assertThat(check.output()).contains("SUCCESS: " + (queries.size() + 1) + " rules found");
  }
}
