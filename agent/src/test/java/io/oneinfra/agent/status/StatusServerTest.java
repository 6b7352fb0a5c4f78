package io.oneinfra.agent.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StatusServerTest {
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final MetricRegistry registry = new MetricRegistry();
  private StatusServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private StatusServer start(Supplier<Readiness> readiness) throws IOException {
    server = StatusServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry, readiness);
    return server;
  }

  private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
    InetSocketAddress address = server.address();
    HttpRequest request = HttpRequest.newBuilder(
            URI.create("http://" + address.getAddress().getHostAddress() + ":" + address.getPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(10))
        .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send("GET", path);
  }

  private static Map<String, String> details(String... keyValues) {
    Map<String, String> details = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      details.put(keyValues[i], keyValues[i + 1]);
    }
    return details;
  }

  @Test
  void listensOnTheGivenLoopbackAddressWithAnEphemeralPort() throws Exception {
    start(() -> Readiness.ready(Map.of()));

    assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
    assertThat(server.address().getPort()).isPositive();
  }

  @Test
  void healthzIsOk() throws Exception {
    start(() -> Readiness.notReady("starting", Map.of()));

    HttpResponse<String> response = get("/healthz");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("ok\n");
    assertThat(response.headers().firstValue("Content-Type")).hasValue(TEXT);
  }

  @Test
  void readyzListsTheDetailsInInsertionOrder() throws Exception {
    start(() -> Readiness.ready(details(
        "runtime", "containerd 1.6.20~ds1", "api", "v1, v1alpha2", "backend", "/run/containerd/containerd.sock")));

    HttpResponse<String> response = get("/readyz");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(TEXT);
    assertThat(response.body()).isEqualTo("""
        ready
        runtime: containerd 1.6.20~ds1
        api: v1, v1alpha2
        backend: /run/containerd/containerd.sock
        """);
  }

  @Test
  void readyzIs503WithTheReasonWhenNotReady() throws Exception {
    start(() -> Readiness.notReady("CRI socket unreachable", details("socket", "/run/containerd/containerd.sock")));

    HttpResponse<String> response = get("/readyz");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(TEXT);
    assertThat(response.body()).isEqualTo("""
        not ready: CRI socket unreachable
        socket: /run/containerd/containerd.sock
        """);
  }

  @Test
  void readyzAsksTheSupplierOnEveryRequest() throws Exception {
    AtomicReference<Readiness> state = new AtomicReference<>(Readiness.notReady("starting", Map.of()));
    start(state::get);

    assertThat(get("/readyz").statusCode()).isEqualTo(503);
    state.set(Readiness.ready(Map.of()));
    HttpResponse<String> response = get("/readyz");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("ready\n");
  }

  @Test
  void aThrowingSupplierMeans503WithItsMessage() throws Exception {
    start(() -> {
      throw new IllegalStateException("CRI version query failed");
    });

    HttpResponse<String> response = get("/readyz");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(TEXT);
    assertThat(response.body()).isEqualTo("not ready: CRI version query failed\n");
    assertThat(get("/healthz").statusCode()).as("the server survives").isEqualTo(200);
  }

  @Test
  void aSupplierThrowingWithoutMessageOrReturningNullIsNotReady() throws Exception {
    AtomicReference<Supplier<Readiness>> supplier = new AtomicReference<>(() -> {
      throw new NullPointerException();
    });
    start(() -> supplier.get().get());

    HttpResponse<String> thrown = get("/readyz");
    supplier.set(() -> null);
    HttpResponse<String> nothing = get("/readyz");

    assertThat(thrown.statusCode()).isEqualTo(503);
    assertThat(thrown.body()).isEqualTo("not ready: java.lang.NullPointerException\n");
    assertThat(nothing.statusCode()).isEqualTo(503);
    assertThat(nothing.body()).startsWith("not ready: ");
  }

  @Test
  void newlinesInReasonsAndDetailsCannotAddLines() throws Exception {
    start(() -> Readiness.notReady("line one\nline two", details("key", "a\r\nb")));

    assertThat(get("/readyz").body()).isEqualTo("not ready: line one line two\nkey: a b\n");
  }

  @Test
  void metricsIsPrometheusTextAcceptedByTheReferenceParser() throws Exception {
    Counter bytesIn = registry.counter("proxy.bytes.in");
    bytesIn.inc(1234);
    Meter failures = registry.meter("proxy.handshake.failures.no_client_certificate");
    failures.mark(3);
    Timer handshake = registry.timer("proxy.handshake.time");
    handshake.update(15, TimeUnit.MILLISECONDS);
    handshake.update(25, TimeUnit.MILLISECONDS);
    registry.gauge("proxy.connections.open", () -> () -> 7);
    registry.gauge("tls.certificate.expiry.seconds.client", () -> () -> null);
    registry.gauge("broken.gauge", () -> () -> {
      throw new IllegalStateException("gauge failed");
    });
    start(() -> Readiness.ready(Map.of()));

    HttpResponse<String> response = get("/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(PROMETHEUS_TEXT);
    String scrape = response.body();
    assertThat(scrape)
        .contains("proxy_bytes_in_total 1234.0\n")
        .contains("proxy_handshake_failures_no_client_certificate_total 3.0\n")
        .contains("proxy_connections_open 7.0\n")
        .contains("proxy_handshake_time_count 2\n")
        .contains("proxy_handshake_time{quantile=\"0.99\"} 0.025")
        .endsWith("\n")
        .doesNotContain("tls_certificate_expiry_seconds_client")
        .doesNotContain("broken_gauge");

    List<PythonPrometheusParser.Family> families = PythonPrometheusParser.parse(scrape);
    assertThat(families)
        .extracting(PythonPrometheusParser.Family::name, PythonPrometheusParser.Family::type)
        .containsExactlyInAnyOrder(
            tuple("proxy_bytes_in", "counter"),
            tuple("proxy_handshake_failures_no_client_certificate", "counter"),
            tuple("proxy_handshake_time", "summary"),
            tuple("proxy_connections_open", "gauge"));
    assertThat(families)
        .filteredOn(family -> family.name().equals("proxy_handshake_time"))
        .singleElement()
        .satisfies(family -> assertThat(family.samples())
            .containsOnly("proxy_handshake_time", "proxy_handshake_time_count"));
  }

  @Test
  void metricsOfAnEmptyRegistryIsAnEmptyButValidScrape() throws Exception {
    start(() -> Readiness.ready(Map.of()));

    HttpResponse<String> response = get("/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(PROMETHEUS_TEXT);
    assertThat(PythonPrometheusParser.parse(response.body())).isEmpty();
  }

  @Test
  void metricsAddedAfterStartAreScraped() throws Exception {
    start(() -> Readiness.ready(Map.of()));
    registry.counter("proxy.bytes.out").inc(5);

    assertThat(get("/metrics").body()).contains("proxy_bytes_out_total 5.0\n");
  }

  @Test
  void headAnswersLikeGetWithoutABody() throws Exception {
    registry.counter("proxy.bytes.in").inc();
    start(() -> Readiness.notReady("starting", Map.of()));

    for (String path : List.of("/healthz", "/readyz", "/metrics")) {
      HttpResponse<String> get = get(path);
      HttpResponse<String> head = send("HEAD", path);

      assertThat(head.statusCode()).as(path).isEqualTo(get.statusCode());
      assertThat(head.body()).as(path).isEmpty();
      assertThat(head.headers().firstValue("Content-Type")).as(path)
          .isEqualTo(get.headers().firstValue("Content-Type"));
      assertThat(head.headers().firstValueAsLong("Content-Length")).as(path)
          .hasValue(get.body().getBytes(StandardCharsets.UTF_8).length);
    }
  }

  @Test
  void otherPathsAre404() throws Exception {
    start(() -> Readiness.ready(Map.of()));

    for (String path : List.of("/", "/healthz/", "/readyz/x", "/metricsx", "/favicon.ico")) {
      assertThat(get(path).statusCode()).as(path).isEqualTo(404);
    }
    assertThat(send("POST", "/nothing").statusCode()).isEqualTo(404);
  }

  @Test
  void otherMethodsAre405() throws Exception {
    start(() -> Readiness.ready(Map.of()));

    for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS")) {
      for (String path : List.of("/healthz", "/readyz", "/metrics")) {
        HttpResponse<String> response = send(method, path);

        assertThat(response.statusCode()).as(method + " " + path).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).as(method + " " + path).hasValue("GET, HEAD");
      }
    }
  }

  @Test
  void closeStopsListeningWithinASecond() throws Exception {
    start(() -> Readiness.ready(Map.of()));
    assertThat(get("/healthz").statusCode()).isEqualTo(200);

    long started = System.nanoTime();
    server.close();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertThat(tookMillis).isLessThan(1500);
    HttpClient fresh = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    InetSocketAddress address = server.address();
    assertThatThrownBy(() -> fresh.send(
            HttpRequest.newBuilder(URI.create("http://" + address.getAddress().getHostAddress() + ":"
                + address.getPort() + "/healthz")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
    server.close();
  }

  @Test
  void anAddressInUseIsAnIOException() throws Exception {
    start(() -> Readiness.ready(Map.of()));

    assertThatThrownBy(() -> StatusServer.start(server.address(), registry, () -> Readiness.ready(Map.of())))
        .isInstanceOf(IOException.class);
  }
}
