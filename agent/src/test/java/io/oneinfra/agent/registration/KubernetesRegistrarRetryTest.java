package io.oneinfra.agent.registration;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.manifest.HypervisorManifest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registrar's retries against a server answering as an overloaded kube-apiserver does (every request refused):
 * when the next request arrives, and on which connection. Real time, real fabric8 client, a JDK HTTP server.
 */
class KubernetesRegistrarRetryTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  Path dir;

  private HttpServer server;
  private final List<long[]> arrivals = new ArrayList<>(); // {nanoTime, client port}
  private final Semaphore arrived = new Semaphore(0);

  private void serve(int status, String retryAfter, String contentType, String body) throws IOException {
    listen(exchange -> answer(exchange, status, retryAfter, contentType, body), Executors.newSingleThreadExecutor());
  }

  private void listen(HttpHandler handler, Executor executor) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", handler);
    server.start();
  }

  private void answer(HttpExchange exchange, int status, String retryAfter, String contentType, String body)
      throws IOException {
    try (exchange) {
      synchronized (arrivals) {
        arrivals.add(new long[] {System.nanoTime(), exchange.getRemoteAddress().getPort()});
      }
      exchange.getRequestBody().readAllBytes();
      if (retryAfter != null) {
        exchange.getResponseHeaders().add("Retry-After", retryAfter);
      }
      exchange.getResponseHeaders().add("Content-Type", contentType);
      byte[] out = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, out.length);
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(out);
      }
    }
    arrived.release();
  }

  /** A server that reads nothing and answers nothing: every request times out (an API server far behind). */
  private void serveNothing() throws IOException {
    listen(exchange -> {
      synchronized (arrivals) {
        arrivals.add(new long[] {System.nanoTime(), exchange.getRemoteAddress().getPort()});
      }
      arrived.release(); // and the exchange is left open, unanswered, until the server stops
    }, Executors.newCachedThreadPool());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private KubernetesRegistrar registrar(Duration renewInterval) throws IOException {
    return registrar(40, renewInterval);
  }

  private KubernetesRegistrar registrar(int leaseSeconds, Duration renewInterval) throws IOException {
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: api
          cluster:
            server: http://127.0.0.1:%d
        users:
        - name: agent
          user:
            token: t
        contexts:
        - name: agent
          context:
            cluster: api
            user: agent
        current-context: agent
        """.formatted(server.getAddress().getPort()));
    AgentConfig.Registration config = new AgentConfig.Registration(AgentConfig.Registration.Mode.KUBERNETES,
        kubeconfig, null, leaseSeconds, renewInterval, Duration.ofMinutes(5), true, Duration.ZERO,
        Duration.ofMillis(10), Duration.ofSeconds(3), false, null);
    return new KubernetesRegistrar(config, new FileRegistrar(dir.resolve("hypervisor.yaml")), new MetricRegistry(),
        () -> { });
  }

  private static HypervisorManifest manifest() {
    return new HypervisorManifest(HypervisorManifest.API_VERSION, HypervisorManifest.KIND,
        new HypervisorManifest.Metadata("hv-1"), new HypervisorManifest.Spec(
            new HypervisorManifest.RemoteCriEndpoint("tcp://10.0.0.1:7443", "ca", null), false, "10.0.0.1",
            new HypervisorManifest.PortRange(30000, 32767)));
  }

  private List<long[]> awaitArrivals(int count) throws InterruptedException {
    assertThat(arrived.tryAcquire(count, WAIT.toSeconds(), TimeUnit.SECONDS)).as("%d requests", count).isTrue();
    synchronized (arrivals) {
      return new ArrayList<>(arrivals);
    }
  }

  private static Duration between(long[] earlier, long[] later) {
    return Duration.ofNanos(later[0] - earlier[0]);
  }

  @Test
  void aRetryAfterIsHonouredAndFabric8DoesNotRetryOnItsOwn() throws Exception {
    // kube-apiserver's priority and fairness: plain text, the delay in the header only
    serve(429, "1", "text/plain; charset=utf-8", "Too many requests, please try again later.\n");
    try (KubernetesRegistrar registrar = registrar(Duration.ofSeconds(2))) {
      registrar.start(manifest());
      List<long[]> seen = awaitArrivals(3);
      // backoffInitial is 10 ms and fabric8 alone would retry after 100 ms: both would come well before 1 s
      assertThat(between(seen.get(0), seen.get(1))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
      assertThat(between(seen.get(1), seen.get(2))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
      assertThat(registrar.state().detail()).startsWith("retrying in ").contains("HTTP 429");
    }
  }

  @Test
  void aRequestThatTimedOutIsRetriedAfterTheTimeoutAndARenewInterval() throws Exception {
    serveNothing();
    // a 2 s Lease: the request timeout is 2 s
    try (KubernetesRegistrar registrar = registrar(2, Duration.ofSeconds(1))) {
      registrar.start(manifest());
      List<long[]> seen = awaitArrivals(3);
      for (int i = 1; i < seen.size(); i++) {
        // the 2 s timeout, then at least half the 1 s renewInterval; the 10 ms backoff would have retried at once,
        // into the queue the last request is still waiting in
        assertThat(between(seen.get(i - 1), seen.get(i))).as("gap %d", i)
            .isGreaterThanOrEqualTo(Duration.ofMillis(2500));
      }
      assertThat(registrar.state().detail()).startsWith("retrying in ")
          .contains("no answer from http://127.0.0.1:" + server.getAddress().getPort() + "/ within the request "
              + "timeout of 2.0s");
    }
  }

  @Test
  void theRequestTimeoutIsTenSecondsOrTheLeaseWhicheverIsShorterAsKubeletHasIt() {
    assertThat(timing(40, Duration.ofSeconds(10)).requestTimeout())
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(timing(40, Duration.ofMillis(300)).requestTimeout())
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(timing(4, Duration.ofSeconds(1)).requestTimeout())
        .isEqualTo(Duration.ofSeconds(4));
  }

  private static AgentConfig.Registration timing(int leaseSeconds, Duration renewInterval) {
    return new AgentConfig.Registration(AgentConfig.Registration.Mode.KUBERNETES, Path.of("kubeconfig"), null,
        leaseSeconds, renewInterval, Duration.ofMinutes(5), true, null, null, null, false, null);
  }

  @Test
  void a503IsRetriedAtTheRenewPaceOnTheSameConnection() throws Exception {
    serve(503, null, "application/json", "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
        + "\"status\":\"Failure\",\"message\":\"unavailable\",\"reason\":\"ServiceUnavailable\",\"code\":503}");
    try (KubernetesRegistrar registrar = registrar(Duration.ofSeconds(1))) {
      registrar.start(manifest());
      List<long[]> seen = awaitArrivals(3);
      for (int i = 1; i < seen.size(); i++) {
        // at least half the 1 s renewInterval, where the 10 ms backoff would have retried at once
        assertThat(between(seen.get(i - 1), seen.get(i))).as("gap %d", i)
            .isGreaterThanOrEqualTo(Duration.ofMillis(500));
        assertThat(seen.get(i)[1]).as("the client port of request %d: the connection is kept", i)
            .isEqualTo(seen.get(0)[1]);
      }
    }
  }
}
