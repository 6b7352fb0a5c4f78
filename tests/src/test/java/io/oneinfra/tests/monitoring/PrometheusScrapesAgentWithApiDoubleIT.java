package io.oneinfra.tests.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.cri.proto.ExecSyncRequest;
import io.oneinfra.agent.cri.proto.ExecSyncResponse;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.tests.support.AgentProcess;
import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.CriCalls;
import io.oneinfra.tests.support.TlsClient;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.Prometheus;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server scraping the real agent process, in its default {@code cri} mode, in front of a real
 * containerd 2.1 (CRI v1 only, so the gateway bridges the controller's v1alpha2 calls as in production), with the
 * shipped rules loaded (a copy generated from the shipped file with {@code for: 1s} and a 1 s evaluation interval).
 * The agent registers in {@code kubernetes} mode with <b>fabric8's in-process Kubernetes API double</b> (no real
 * kube-apiserver can be installed here), so that the registration and Lease metrics exist. Metric names are taken
 * from the rules and the dashboard themselves: a renamed metric fails this test. Stopping containerd fires the
 * CRI-down alert, and a client speaking HTTP/1.1 to the gateway the HTTP/2-abuse alert (last, as it stays active).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusScrapesAgentWithApiDoubleIT {
  private static final Pattern STATUS_URL = Pattern.compile("status on http://127\\.0\\.0\\.1:(\\d+)/readyz");
  private static final Pattern BRIDGING = Pattern.compile("cri gateway: cri gateway, bridging v1alpha2 to v1");
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);
  private static final int MAX_CONNECTIONS = 321;
  private static final int LEASE_DURATION_SECONDS = 5;
  // kept referenced: java.util.logging forgets the level of a logger nobody holds
  private static final Logger DOUBLE_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  @TempDir
  static Path dir;
  private static Containerd containerd;
  private static KubernetesMockServer api;
  private static AgentProcess agent;
  private static HypervisorManifest manifest;
  private static Prometheus prometheus;
  private static String instance;

  @BeforeAll
  static void start() throws Exception {
    containerd = Containerd.start(Containerd.Flavor.DEBIAN_SID);
    DOUBLE_LOG.setLevel(Level.WARNING); // one INFO line per request, a renewal every 300 ms, buries the output
    api = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesMixedDispatcher(new HashMap<>()), false);
    api.init();
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: double, cluster: {server: %s}}]
        users: [{name: agent, user: {token: any}}]
        contexts: [{name: agent, context: {cluster: double, user: agent}}]
        current-context: agent
        """.formatted(api.url("/")));
    Path config = dir.resolve("agent.yaml");
    Files.writeString(config, """
        stateDir: %s
        proxy: {listen: "127.0.0.1:0", backend: "unix:%s", maxConnections: %d}
        hypervisor: {name: monitoring-test, ipAddress: 127.0.0.1}
        status: {listen: "127.0.0.1:0", criCheckInterval: 200ms}
        registration: {mode: kubernetes, kubeconfig: "%s", leaseDurationSeconds: %d, renewInterval: 300ms,
          firstSyncDelay: 0, backoffInitial: 50ms, backoffMax: 1s}
        """.formatted(dir.resolve("state"), containerd.socket(), MAX_CONNECTIONS, kubeconfig,
        LEASE_DURATION_SECONDS));
    agent = AgentProcess.start(dir.resolve("agent.log"), Map.of(), "run", "--config", config.toString());
    instance = "127.0.0.1:" + agent.awaitLog(STATUS_URL, DEADLINE).group(1);

    // real CRI calls through the gateway, so that its per-method series exist: a v1 call, the controller's
    // v1alpha2 call (bridged: the first CRI check has seen a v1-only runtime), and a method its profile denies
    Poll.until(DEADLINE, "the manifest", () -> Files.exists(dir.resolve("state/hypervisor.yaml")), agent::log);
    agent.awaitLog(BRIDGING, DEADLINE);
    manifest = ManifestCodec.parse(Files.readString(dir.resolve("state/hypervisor.yaml")));
    try (CriChannel channel = ControllerView.dial(manifest, null)) {
      for (CriApiVersion version : CriApiVersion.values()) {
        assertThat(new CriClient(channel.channel(), version, CALL_DEADLINE).version().getRuntimeName())
            .isEqualTo("containerd");
      }
      ExecSyncRequest exec = ExecSyncRequest.newBuilder().setContainerId("monitoring-test").addCmd("/bin/true")
          .build();
      assertThatThrownBy(() -> CriCalls.call(channel.channel(), CriApiVersion.V1ALPHA2, "ExecSync", exec,
          ExecSyncResponse.getDefaultInstance(), CALL_DEADLINE)).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    }

    Path rules = dir.resolve("fast.rules.yml");
    AlertRules.writeFastCopy(MonitoringFiles.RULES, rules, "1s", "1s");
    prometheus = Prometheus.start("""
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        rule_files:
          - %s
        scrape_configs:
          - job_name: %s
            static_configs:
              - targets: ["%s"]
        """.formatted(rules, MonitoringFiles.JOB, instance));
  }

  @AfterAll
  static void stop() {
    if (prometheus != null) {
      prometheus.close();
    }
    if (agent != null) {
      agent.close();
    }
    if (api != null) {
      api.destroy();
    }
    if (containerd != null) {
      containerd.close();
    }
  }

  @Test
  void theAgentTargetIsUpAndTheAddedGaugesCarryTheirValues() {
    awaitValue("up{job=\"" + MonitoringFiles.JOB + "\"}", 1);
    JsonNode target = prometheus.api("/api/v1/targets").path("activeTargets").get(0);
    assertThat(target.path("labels").path("instance").asText()).isEqualTo(instance);
    assertThat(target.path("health").asText()).isEqualTo("up");
    awaitValue("proxy_connections_max", MAX_CONNECTIONS);
    awaitValue("cri_up", 1);
    awaitValue("cri_api_v1", 1);
    awaitValue("cri_api_v1alpha2", 0); // containerd 2.1 serves v1 only
    awaitValue("registration_state", 1);
    awaitValue("registration_lease_duration_seconds", LEASE_DURATION_SECONDS);
    awaitValue("registration_lease_age_seconds <= bool 1", 1); // renewed every 300 ms
    awaitValue("proxy_connections_relayed_total >= bool 1", 1);
  }

  @Test
  void theGatewaysSeriesCountTheCallsMade() {
    awaitValue("cri_calls_total{method=\"Version\", api=\"v1\", code=\"OK\"}", 1);
    awaitValue("cri_calls_total{method=\"Version\", api=\"v1alpha2\", code=\"OK\"}", 1);
    awaitValue("cri_calls_total{method=\"ExecSync\", api=\"v1alpha2\", code=\"PERMISSION_DENIED\"}", 1);
    awaitValue("cri_calls_bridged_total{method=\"Version\"}", 1);
    awaitValue("cri_calls_denied_total{method=\"ExecSync\"}", 1);
    awaitValue("cri_call_duration_seconds_count{method=\"Version\"}", 2); // forwarded calls only
    awaitValue("cri_calls_in_flight{method=\"Version\"}", 0);
    awaitValue("cri_audit_records_total", 3); // cri.audit.mode all, written by the trail's own thread
    awaitValue("cri_audit_dropped_total", 0);
    awaitValue("sum({__name__=~\"proxy_cri_refused_.+_total\"})", 0);
  }

  @Test
  void everyMetricTheRulesAndTheDashboardNameIsInWhatPrometheusScraped() throws Exception {
    List<String> expressions = new ArrayList<>();
    AlertRules.read(MonitoringFiles.RULES).forEach(rule -> expressions.add(rule.expr()));
    GrafanaDashboard.read(MonitoringFiles.DASHBOARD).queries().forEach(query -> expressions.add(query.expand(".+")));
    Set<String> names = new TreeSet<>();
    Set<String> patterns = new TreeSet<>();
    for (String expression : expressions) {
      List<PromQlSelectors.Selector> selectors = PromQlSelectors.of(expression);
      assertThat(selectors).as("selectors in %s", expression).isNotEmpty();
      for (PromQlSelectors.Selector selector : selectors) {
        PromQlSelectors.Matcher name = selector.matcher("__name__");
        if (selector.metric() != null) {
          names.add(selector.metric());
        } else if (name != null && name.op().equals("=")) {
          names.add(name.value());
        } else if (name != null && name.op().equals("=~")) {
          patterns.add(name.value());
        } else {
          throw new AssertionError("a selector with no metric name in " + expression);
        }
      }
    }
    awaitValue("registration_lease_age_seconds >= bool 0", 1); // the last gauge to appear: after the first renewal
    Set<String> scraped = prometheus.metricNames();
    assertThat(scraped).as("metric names Prometheus scraped from the agent").containsAll(names);
    for (String pattern : patterns) {
      // Prometheus anchors __name__ regexes; Java's matches() does too
      assertThat(scraped).as("names matching %s", pattern).anyMatch(Pattern.compile(pattern).asMatchPredicate());
    }
  }

  @Test
  void everyDashboardQueryParsesOnTheServerAndReturnsThisAgentsSeries() throws Exception {
    GrafanaDashboard dashboard = GrafanaDashboard.read(MonitoringFiles.DASHBOARD);
    for (GrafanaDashboard.Query query : dashboard.queries()) {
      String expr = query.expand(instance);
      // query() fails at once with the parser's message when Prometheus cannot parse it
      Poll.until(DEADLINE, "series for " + query, () -> !prometheus.query(expr).isEmpty(), prometheus::log);
      for (JsonNode series : prometheus.query(expr)) {
        assertThat(series.path("metric").path("instance").asText()).as("%s", query).isEqualTo(instance);
      }
    }
    String variable = dashboard.variable("instance").path("query").path("query").asText();
    JsonNode instances = prometheus.query(variable.substring("label_values(".length(), variable.lastIndexOf(',')));
    assertThat(instances).extracting(series -> series.path("metric").path("instance").asText()).contains(instance);
  }

  @Test
  void theShippedRulesLoadEvaluateCleanlyAndStaySilentWhileTheHostIsHealthy() throws Exception {
    awaitValue("cri_up", 1);
    awaitValue("registration_state", 1);
    List<String> shipped = AlertRules.read(MonitoringFiles.RULES).stream().map(AlertRules.Rule::alert).toList();
    Instant since = Instant.now().plusSeconds(3); // a few evaluations with every condition healthy
    Poll.until(DEADLINE, "every rule evaluated after " + since, () -> loadedRules().stream()
        .allMatch(rule -> Instant.parse(rule.path("lastEvaluation").asText()).isAfter(since)), prometheus::log);
    List<JsonNode> loaded = loadedRules();
    assertThat(loaded).extracting(rule -> rule.path("name").asText()).containsExactlyElementsOf(shipped);
    for (JsonNode rule : loaded) {
      assertThat(rule.path("health").asText()).as("%s: %s", rule.path("name").asText(), rule.path("lastError"))
          .isEqualTo("ok");
    }
    assertThat(prometheus.alerts()).as("alerts while everything is healthy").isEmpty();
  }

  @Test
  void stoppingContainerdFiresTheCriDownAlertAndOnlyIt() {
    awaitValue("cri_up", 1);
    Poll.until(DEADLINE, "no alert before the runtime stops", () -> prometheus.alerts().isEmpty(),
        () -> prometheus.alerts().toString());
    try {
      containerd.stopProcess();
      Poll.until(DEADLINE, "OneinfraAgentCriDown firing", () -> firing().contains("OneinfraAgentCriDown"),
          () -> prometheus.alerts().toString());
      JsonNode alerts = prometheus.alerts();
      assertThat(alerts).as("active alerts with the runtime down").hasSize(1);
      JsonNode alert = alerts.get(0);
      assertThat(alert.path("state").asText()).isEqualTo("firing");
      assertThat(alert.path("labels").path("alertname").asText()).isEqualTo("OneinfraAgentCriDown");
      assertThat(alert.path("labels").path("instance").asText()).isEqualTo(instance);
      assertThat(alert.path("labels").path("severity").asText()).isEqualTo("critical");
      assertThat(alert.path("annotations").path("description").asText()).contains("on " + instance + " ");
    } finally {
      containerd.restart();
    }
    Poll.until(DEADLINE, "the alert resolved once containerd is back", () -> prometheus.alerts().isEmpty(),
        () -> prometheus.alerts().toString());
  }

  @Test
  @Order(Integer.MAX_VALUE) // last: the alert stays active for the rule's 10-minute window
  void anHttp1RequestThroughTheGatewayFiresTheHttp2AbuseAlertWithItsReason() throws Exception {
    awaitValue("proxy_cri_refused_bad_preface_total", 0);
    Poll.until(DEADLINE, "no alert before the request", () -> prometheus.alerts().isEmpty(),
        () -> prometheus.alerts().toString());
    URI endpoint = URI.create("tls://" + manifest.spec().remoteCriEndpoint().criEndpointUri());
    try (SSLSocket socket = TlsClient.connect(ControllerView.jdkContext(manifest),
        new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), "h2")) {
      OutputStream out = socket.getOutputStream();
      out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      while (in.read() >= 0) {
        continue; // until the gateway closes the connection (the socket's read timeout bounds the wait)
      }
    }
    awaitValue("proxy_cri_refused_bad_preface_total", 1);
    Poll.until(DEADLINE, "OneinfraAgentHttp2Abuse firing", () -> firing().contains("OneinfraAgentHttp2Abuse"),
        () -> prometheus.alerts().toString());
    JsonNode alerts = prometheus.alerts();
    assertThat(alerts).as("active alerts after one HTTP/1.1 request").hasSize(1);
    JsonNode alert = alerts.get(0);
    assertThat(alert.path("labels").path("reason").asText()).isEqualTo("bad_preface");
    assertThat(alert.path("labels").path("instance").asText()).isEqualTo(instance);
    assertThat(alert.path("labels").path("severity").asText()).isEqualTo("warning");
    assertThat(alert.path("annotations").path("description").asText())
        .contains("on " + instance + " cut off clients (or refused calls) with reason bad_preface in the last");
  }

  private static List<String> firing() {
    List<String> names = new ArrayList<>();
    for (JsonNode alert : prometheus.alerts()) {
      if ("firing".equals(alert.path("state").asText())) {
        names.add(alert.path("labels").path("alertname").asText());
      }
    }
    return names;
  }

  private static List<JsonNode> loadedRules() {
    List<JsonNode> rules = new ArrayList<>();
    prometheus.api("/api/v1/rules?type=alert").path("groups").forEach(group -> group.path("rules")
        .forEach(rules::add));
    return rules;
  }

  /** Waits until {@code expr} is a single series with {@code expected} as its value. */
  private static void awaitValue(String expr, double expected) {
    Poll.until(DEADLINE, expr + " == " + expected, () -> {
      JsonNode result = prometheus.query(expr);
      return result.size() == 1 && Double.parseDouble(result.get(0).path("value").get(1).asText()) == expected;
    }, () -> expr + " is " + prometheus.query(expr) + "\nagent log:\n" + agent.log());
  }
}
