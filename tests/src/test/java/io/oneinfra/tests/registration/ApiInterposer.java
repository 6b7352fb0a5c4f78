package io.oneinfra.tests.registration;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A small HTTP forwarder in front of the API double, for what the double itself does not do: authentication (only
 * {@code Bearer <goodToken>} passes; anything else gets the API server's 401 Status), an outage (the listening socket
 * goes away: connection refused) and a controller write landing between the agent's read and its update (run once
 * before the next PUT of a given path, so the double's own resourceVersion check answers 409).
 */
final class ApiInterposer implements AutoCloseable {
  private static final Set<String> FORWARDED = Set.of("Content-Type", "Accept");

  private final String target;
  private final String goodToken;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicReference<String> armedPath = new AtomicReference<>();
  private final AtomicReference<Runnable> armedAction = new AtomicReference<>();
  final AtomicInteger unauthorized = new AtomicInteger();
  private final int port;
  private HttpServer server;

  ApiInterposer(String target, String goodToken) throws IOException {
    this.target = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
    this.goodToken = goodToken;
    server = listen(0);
    port = server.getAddress().getPort();
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** The API server goes away: the port refuses connections. */
  synchronized void down() {
    server.stop(0);
  }

  /** The API server is back on the same port. */
  synchronized void up() throws IOException {
    server = listen(port);
  }

  /** Runs {@code action} once, just before forwarding the next PUT to {@code path}. */
  void beforeNextPut(String path, Runnable action) {
    armedAction.set(action);
    armedPath.set(path);
  }

  /** Whether the armed action has run. */
  boolean armedActionRan() {
    return armedPath.get() == null && armedAction.get() == null;
  }

  private HttpServer listen(int listenPort) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", listenPort), 50);
    s.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "api-interposer");
      t.setDaemon(true);
      return t;
    }));
    s.createContext("/", this::handle);
    s.start();
    return s;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      if (!("Bearer " + goodToken).equals(auth)) {
        unauthorized.incrementAndGet();
        send(exchange, 401, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            + "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}");
        return;
      }
      String path = exchange.getRequestURI().getRawPath();
      if ("PUT".equals(exchange.getRequestMethod()) && path.equals(armedPath.get())) {
        armedPath.set(null);
        Runnable action = armedAction.getAndSet(null);
        if (action != null) {
          action.run();
        }
      }
      byte[] body = exchange.getRequestBody().readAllBytes();
      String query = exchange.getRequestURI().getRawQuery();
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target + path + (query == null ? "" : "?"
          + query))).timeout(Duration.ofSeconds(10))
          .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      exchange.getRequestHeaders().forEach((name, values) -> {
        if (FORWARDED.stream().anyMatch(name::equalsIgnoreCase)) {
          values.forEach(v -> request.header(name, v));
        }
      });
      HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      response.headers().firstValue("Content-Type").ifPresent(v -> exchange.getResponseHeaders().add(
          "Content-Type", v));
      byte[] out = response.body();
      exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream os = exchange.getResponseBody()) {
          os.write(out);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void send(HttpExchange exchange, int code, String json) throws IOException {
    byte[] out = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, out.length);
    try (OutputStream os = exchange.getResponseBody()) {
      os.write(out);
    }
  }

  @Override
  public synchronized void close() {
    server.stop(0);
  }
}
