package io.oneinfra.agent.status;

import com.codahale.metrics.MetricRegistry;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP server (the JDK's {@code com.sun.net.httpserver}) for probes and scrapes:
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 {@code ok} while the process runs.
 *   <li>{@code GET /readyz}: 200 when ready, else 503; text: {@code ready} or {@code not ready: <reason>}, then one
 *       {@code key: value} line per detail. A supplier that throws means 503 {@code not ready: <message>}.
 *   <li>{@code GET /metrics}: the Dropwizard registry in the Prometheus text format 0.0.4, made by the Prometheus Java
 *       client's {@link DropwizardExports} (a name's {@code .} and {@code -} become {@code _}; counters and meters get
 *       {@code _total}; timers are summaries in seconds) through a private {@link PrometheusRegistry}. Gauges whose
 *       value is not a number or boolean (null included), or that throw, are left out of the scrape.
 * </ul>
 *
 * <p>{@code HEAD} is answered like {@code GET} without the body; other methods get 405, other paths 404. Which
 * address it listens on is the caller's choice: a loopback address keeps it off the network.
 */
public final class StatusServer implements AutoCloseable {
  static final String TEXT = "text/plain; charset=utf-8";
  private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);
  private static final AtomicInteger SERVERS = new AtomicInteger();
  private static final int THREADS = 2;

  private final HttpServer server;
  private final ExecutorService executor;
  private final InetSocketAddress address;
  private final Object closeLock = new Object();
  private boolean closed;

  private StatusServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
    this.address = server.getAddress();
  }

  /**
   * Serves {@code GET /healthz}, {@code /readyz} and {@code /metrics} on {@code listen} (port 0 picks a free port;
   * see {@link #address()}).
   *
   * @param readiness asked on each {@code /readyz} request, from the server's threads
   * @throws IOException when the address cannot be bound
   */
  public static StatusServer start(
      InetSocketAddress listen, MetricRegistry registry, Supplier<Readiness> readiness) throws IOException {
    return start(listen, registry, new PrometheusRegistry(), readiness);
  }

  /**
   * As {@link #start(InetSocketAddress, MetricRegistry, Supplier)}, also exposing the Prometheus-native metrics of
   * {@code prometheus} (the Dropwizard ones are added to it).
   *
   * @throws IOException when the address cannot be bound
   */
  public static StatusServer start(InetSocketAddress listen, MetricRegistry registry, PrometheusRegistry prometheus,
      Supplier<Readiness> readiness) throws IOException {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(prometheus, "prometheus");
    Objects.requireNonNull(readiness, "readiness");
    DropwizardExports.builder()
        .dropwizardRegistry(registry)
        .invalidMetricHandler((name, e) -> true)
        .register(prometheus);
    Handler handler = new Handler(prometheus, readiness, PrometheusTextFormatWriter.create());

    HttpServer server = HttpServer.create(listen, 0);
    int id = SERVERS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor = Executors.newFixedThreadPool(THREADS, runnable -> {
      Thread thread = new Thread(runnable, "status-http-" + id + "-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    server.createContext("/", handler::handle);
    server.setExecutor(executor);
    server.start();
    LOG.info("status server listening on {}", server.getAddress());
    return new StatusServer(server, executor);
  }

  /** The bound address: the actual port when started with port 0. */
  public InetSocketAddress address() {
    return address;
  }

  /** Stops listening and ends the exchanges in progress, within about a second. Idempotent. */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    server.stop(0);
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
        LOG.warn("status server on {}: handler threads still running after close", address);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Routes a request and writes the whole answer. */
  private static final class Handler {
    private final PrometheusRegistry prometheus;
    private final Supplier<Readiness> readiness;
    private final PrometheusTextFormatWriter writer;

    Handler(PrometheusRegistry prometheus, Supplier<Readiness> readiness, PrometheusTextFormatWriter writer) {
      this.prometheus = prometheus;
      this.readiness = readiness;
      this.writer = writer;
    }

    void handle(HttpExchange exchange) throws IOException {
      try (exchange) {
        String path = exchange.getRequestURI().getRawPath();
        if (!"/healthz".equals(path) && !"/readyz".equals(path) && !"/metrics".equals(path)) {
          send(exchange, 404, TEXT, text("not found\n"));
          return;
        }
        String method = exchange.getRequestMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD");
          send(exchange, 405, TEXT, text("method not allowed\n"));
          return;
        }
        switch (path) {
          case "/healthz" -> send(exchange, 200, TEXT, text("ok\n"));
          case "/readyz" -> readyz(exchange);
          default -> metrics(exchange);
        }
      } catch (IOException | RuntimeException e) {
        LOG.debug("status request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        throw e;
      }
    }

    private void readyz(HttpExchange exchange) throws IOException {
      Readiness state = readiness();
      StringBuilder body = new StringBuilder(state.ready() ? "ready" : "not ready: " + oneLine(state.reason()));
      body.append('\n');
      for (Map.Entry<String, String> detail : state.details().entrySet()) {
        body.append(oneLine(detail.getKey())).append(": ").append(oneLine(detail.getValue())).append('\n');
      }
      send(exchange, state.ready() ? 200 : 503, TEXT, text(body.toString()));
    }

    private Readiness readiness() {
      try {
        Readiness state = readiness.get();
        return state != null ? state : Readiness.notReady("readiness unknown (supplier returned null)", Map.of());
      } catch (RuntimeException | LinkageError | AssertionError e) {
        LOG.debug("readiness supplier failed", e);
        String message = e.getMessage();
        return Readiness.notReady(message != null && !message.isBlank() ? message : e.toString(), Map.of());
      }
    }

    private void metrics(HttpExchange exchange) throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream(8192);
      try {
        writer.write(body, prometheus.scrape());
      } catch (RuntimeException e) {
        // For example two Dropwizard names that map to one Prometheus name.
        LOG.warn("metrics scrape failed", e);
        send(exchange, 500, TEXT, text("scrape failed: " + oneLine(String.valueOf(e.getMessage())) + "\n"));
        return;
      }
      send(exchange, 200, PrometheusTextFormatWriter.CONTENT_TYPE, body.toByteArray());
    }

    private static String oneLine(String value) {
      return value.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }

    private static byte[] text(String value) {
      return value.getBytes(StandardCharsets.UTF_8);
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
      exchange.getResponseHeaders().set("Content-Type", contentType);
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      if ("HEAD".equals(exchange.getRequestMethod())) {
        // The JDK server sends no body for HEAD; the length is set by hand so that it matches GET's.
        exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
