package io.oneinfra.tests.registration;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A small HTTP(S) front for the API double, doing what the double itself does not. Plain mode: only
 * {@code Bearer <goodToken>} passes (anything else gets the API server's 401 Status). TLS mode ({@link #overTls}): it
 * terminates TLS with the test cluster's serving certificate, asks for client certificates, authenticates each request
 * as kube-apiserver would (an {@link Authenticator}), records who made it, authorizes it (an {@link Authorizer}: 403
 * Status when refused) and stamps a new CertificateSigningRequest with its requestor, as the API server does. In both:
 * an outage (the listening socket goes away: connection refused) and a controller write landing between the agent's
 * read and its update (run once before the next PUT of a given path, so the double's own resourceVersion check
 * answers 409). For the scale harness: every answered request reported to an {@link Observer} with its arrival time
 * and status, and a {@link Shedding} mode answering a share of requests as an overloaded API server does.
 */
public final class ApiInterposer implements AutoCloseable {
  private static final Set<String> FORWARDED = Set.of("Content-Type", "Accept");
  private static final String CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  /** Connections waiting to be accepted: a fleet restarting at once connects together (the kernel caps it). */
  private static final int BACKLOG = 4096;

  /** Who made a request, as the API server's authenticators would say. */
  public record Caller(String user, List<String> groups, String via) {}

  /** One request as it arrived: method, path and caller (before authorization). */
  record Seen(String method, String path, Caller caller) {}

  /**
   * One authenticated request once answered.
   *
   * @param atNanos when it arrived, in nanoseconds since the epoch (the JVM's wall clock at start plus its monotonic
   *     clock since)
   * @param status the status answered, or 0 when the connection closed without an answer
   * @param clientPort the client's port: a new one is a new connection
   * @param tookNanos from its arrival until the answer was sent (or the attempt failed)
   * @param failure why no answer was sent (the exception's class and message), or null
   */
  public record Exchange(long atNanos, String method, String path, Caller caller, int status, int clientPort,
      long tookNanos, String failure) {}

  /** Told of every authenticated request once answered, on the thread that answered it. */
  public interface Observer {
    void answered(Exchange exchange);
  }

  /**
   * An API server shedding load: a random {@code share} of authenticated requests is answered {@code status}
   * instead of served. 429 is answered as kube-apiserver's priority-and-fairness filter does (plain text, and
   * {@code Retry-After} when given); anything else as a Kubernetes Status, with {@code Retry-After} when given.
   */
  public record Shedding(int status, Integer retryAfterSeconds, double share) {}

  /** Authenticates a request; null means 401. */
  public interface Authenticator {
    Caller authenticate(HttpExchange exchange) throws IOException;
  }

  /** Whether {@code caller} may make this request; null means yes, else the reason for the 403. */
  interface Authorizer {
    String refusal(Caller caller, String method, String path, String query);
  }

  private final String target;
  private final SSLContext tls;
  private final Authenticator authenticator;
  private final Authorizer authorizer;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicReference<String> armedPath = new AtomicReference<>();
  private final AtomicReference<Runnable> armedAction = new AtomicReference<>();
  final AtomicInteger unauthorized = new AtomicInteger();
  /** Every authenticated request, in arrival order. */
  final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final int port;
  private final long epochNanosAtStart = System.currentTimeMillis() * 1_000_000L;
  private final long nanoTimeAtStart = System.nanoTime();
  private volatile Observer observer = exchange -> { };
  private volatile boolean keepSeen = true;
  private volatile Shedding shedding;
  private volatile Duration late;
  private final ScheduledExecutorService lateTurns = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "api-interposer-turns");
    t.setDaemon(true);
    return t;
  });
  private final ExecutorService lateAnswers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "api-interposer-late");
    t.setDaemon(true);
    return t;
  });
  private HttpServer server;

  /** Plain HTTP; only {@code Bearer goodToken} is accepted, and may do anything. */
  ApiInterposer(String target, String goodToken) throws IOException {
    this(target, null, exchange -> ("Bearer " + goodToken).equals(exchange.getRequestHeaders()
        .getFirst("Authorization")) ? new Caller("token-user", List.of("system:authenticated"), "token") : null,
        (caller, method, path, query) -> null);
  }

  private ApiInterposer(String target, SSLContext tls, Authenticator authenticator, Authorizer authorizer)
      throws IOException {
    this.target = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
    this.tls = tls;
    this.authenticator = authenticator;
    this.authorizer = authorizer;
    server = listen(0);
    port = server.getAddress().getPort();
  }

  /** Plain HTTP, authenticating with {@code authenticator}; every authenticated caller may do anything. */
  public static ApiInterposer plain(String target, Authenticator authenticator) throws IOException {
    return new ApiInterposer(target, null, authenticator, (caller, method, path, query) -> null);
  }

  /** HTTPS with {@code tls} (serving certificate and the CAs client certificates are checked against). */
  static ApiInterposer overTls(String target, SSLContext tls, Authenticator authenticator, Authorizer authorizer)
      throws IOException {
    return new ApiInterposer(target, tls, authenticator, authorizer);
  }

  public String url() {
    return (tls == null ? "http" : "https") + "://127.0.0.1:" + port;
  }

  /** {@code 127.0.0.1:PORT}. */
  String hostPort() {
    return "127.0.0.1:" + port;
  }

  /** The API server goes away: the port refuses connections. */
  public synchronized void down() {
    server.stop(0);
  }

  /** The API server is back on the same port. */
  public synchronized void up() throws IOException {
    server = listen(port);
  }

  /** Tells {@code to} of every request answered from now on, instead of keeping them in {@link #seen}. */
  public void observe(Observer to) {
    keepSeen = false;
    observer = to;
  }

  /** Starts shedding load as {@code how} says, or stops when null. */
  public void shed(Shedding how) {
    shedding = how;
  }

  /**
   * Starts serving every request {@code by} late, or stops when null: an API server fallen behind, still serving
   * each request once its turn comes, whether or not its client has given up waiting.
   */
  public void answerLate(Duration by) {
    late = by;
  }

  /** Now, as {@link Exchange#atNanos} counts. */
  public long nowNanos() {
    return epochNanosAtStart + (System.nanoTime() - nanoTimeAtStart);
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
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", listenPort);
    HttpServer s;
    if (tls == null) {
      s = HttpServer.create(address, BACKLOG);
    } else {
      HttpsServer https = HttpsServer.create(address, BACKLOG);
      https.setHttpsConfigurator(new HttpsConfigurator(tls) {
        @Override
        public void configure(HttpsParameters params) {
          SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
          parameters.setWantClientAuth(true); // as kube-apiserver: a client certificate when the client has one
          params.setSSLParameters(parameters);
        }
      });
      s = https;
    }
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
    long at = nowNanos();
    Duration delay = late;
    if (delay == null) {
      respond(exchange, at);
      return;
    }
    // the exchange stays open, unanswered, until its turn
    lateTurns.schedule(() -> lateAnswers.execute(() -> {
      try {
        respond(exchange, at);
      } catch (IOException | RuntimeException e) {
        exchange.close(); // the client had gone: observed as unanswered
      }
    }), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void respond(HttpExchange exchange, long at) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      Caller caller = authenticator.authenticate(exchange);
      if (caller == null) {
        unauthorized.incrementAndGet();
        send(exchange, 401, status(401, "Unauthorized", "Unauthorized"));
        return;
      }
      int answered = 0;
      String failure = null;
      try {
        answered = serve(exchange, path, caller);
      } catch (IOException | RuntimeException e) {
        failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        throw e;
      } finally {
        observer.answered(new Exchange(at, exchange.getRequestMethod(), path, caller, answered,
            exchange.getRemoteAddress().getPort(), nowNanos() - at, failure));
      }
    }
  }

  /** Answers an authenticated request; returns the status sent. */
  private int serve(HttpExchange exchange, String path, Caller caller) throws IOException {
    String query = exchange.getRequestURI().getRawQuery();
    try {
      if (keepSeen) {
        seen.add(new Seen(exchange.getRequestMethod(), path, caller));
      }
      Shedding shed = shedding;
      if (shed != null && ThreadLocalRandom.current().nextDouble() < shed.share()) {
        shedLoad(exchange, shed);
        return shed.status();
      }
      String refusal = authorizer.refusal(caller, exchange.getRequestMethod(), path, query);
      if (refusal != null) {
        send(exchange, 403, status(403, "Forbidden", refusal));
        return 403;
      }
      if ("PUT".equals(exchange.getRequestMethod()) && path.equals(armedPath.get())) {
        armedPath.set(null);
        Runnable action = armedAction.getAndSet(null);
        if (action != null) {
          action.run();
        }
      }
      byte[] body = exchange.getRequestBody().readAllBytes();
      if ("POST".equals(exchange.getRequestMethod()) && path.equals(CSRS)) {
        body = stampRequestor(body, caller);
      }
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
      return response.statusCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private static void shedLoad(HttpExchange exchange, Shedding shed) throws IOException {
    if (shed.retryAfterSeconds() != null) {
      exchange.getResponseHeaders().add("Retry-After", Integer.toString(shed.retryAfterSeconds()));
    }
    if (shed.status() != 429) {
      send(exchange, shed.status(), status(shed.status(), "ServiceUnavailable", "the server is currently unable to "
          + "handle the request"));
      return;
    }
    byte[] out = "Too many requests, please try again later.\n".getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(429, out.length);
    try (OutputStream os = exchange.getResponseBody()) {
      os.write(out);
    }
  }

  /** The API server sets a new CSR's spec.username and groups to whoever created it, whatever the body said. */
  private static byte[] stampRequestor(byte[] body, Caller caller) throws IOException {
    ObjectNode csr = (ObjectNode) JSON.readTree(body);
    ObjectNode spec = csr.get("spec") instanceof ObjectNode existing ? existing : csr.putObject("spec");
    spec.put("username", caller.user());
    spec.putArray("groups").addAll(caller.groups().stream().map(JSON.getNodeFactory()::textNode).toList());
    spec.remove("uid");
    spec.remove("extra");
    return JSON.writeValueAsBytes(csr);
  }

  private static String status(int code, String reason, String message) throws IOException {
    ObjectNode status = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1").put("status", "Failure")
        .put("message", message).put("reason", reason).put("code", code);
    status.putObject("metadata");
    return JSON.writeValueAsString(status);
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
    lateTurns.shutdownNow();
    lateAnswers.shutdownNow();
    server.stop(0);
  }
}
