package io.oneinfra.tests.testbed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) with its own config and storage in a temp dir,
 * listening on a port the kernel picks (found in /proc), and its HTTP API.
 */
public final class Prometheus implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final DaemonProcess daemon;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private int port;

  private Prometheus(DaemonProcess daemon) {
    this.daemon = daemon;
  }

  /** Starts Prometheus with {@code config} (prometheus.yml) and waits until its API answers. */
  public static Prometheus start(String config) {
    Requirements.require("prometheus");
    try {
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "prom");
      Path configFile = dir.resolve("prometheus.yml");
      Files.writeString(configFile, config, StandardCharsets.UTF_8);
      Prometheus prometheus = new Prometheus(DaemonProcess.start("prometheus", dir, List.of("prometheus",
          "--config.file=" + configFile, "--storage.tsdb.path=" + dir.resolve("data"),
          "--web.listen-address=127.0.0.1:0"), STOP_TIMEOUT));
      try {
        Poll.until(START_TIMEOUT, "prometheus listening and ready", prometheus::ready, prometheus::log);
      } catch (RuntimeException e) {
        prometheus.close();
        throw e;
      }
      return prometheus;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start prometheus", e);
    }
  }

  private boolean ready() {
    daemon.requireAlive();
    if (port == 0) {
      port = listeningPort(daemon.process().pid()).orElse(0);
      if (port == 0) {
        return false;
      }
    }
    try {
      return get("/-/ready").statusCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** The port Prometheus listens on. */
  public int port() {
    return port;
  }

  /** The {@code data} of a successful API answer to {@code GET path}; throws with Prometheus' error otherwise. */
  public JsonNode api(String path) {
    try {
      HttpResponse<String> response = get(path);
      JsonNode body = JSON.readTree(response.body());
      if (!"success".equals(body.path("status").asText())) {
        throw new IllegalStateException("prometheus " + path + ": HTTP " + response.statusCode() + " "
            + body.path("errorType").asText() + ": " + body.path("error").asText());
      }
      return body.path("data");
    } catch (IOException e) {
      throw new UncheckedIOException("prometheus " + path, e);
    }
  }

  /** The instant vector (or scalar) {@code expr} evaluates to now; throws with the parser's error if it is invalid. */
  public JsonNode query(String expr) {
    return api("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)).path("result");
  }

  /** The active (pending or firing) alerts. */
  public JsonNode alerts() {
    return api("/api/v1/alerts").path("alerts");
  }

  /** Every metric name in the server's storage: what it scraped, plus its own synthetic series such as up. */
  public Set<String> metricNames() {
    Set<String> names = new HashSet<>();
    api("/api/v1/label/__name__/values").forEach(name -> names.add(name.asText()));
    return names;
  }

  /** Prometheus' own output so far, for failure messages. */
  public String log() {
    return daemon.log();
  }

  /** Stops Prometheus by PID (SIGTERM, then SIGKILL after a deadline) and deletes its temp dir. */
  @Override
  public void close() {
    daemon.close();
  }

  private HttpResponse<String> get(String path) throws IOException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** The TCP port a process listens on: its socket inodes (/proc/PID/fd) matched with LISTEN rows of its net/tcp. */
  static OptionalInt listeningPort(long pid) {
    Set<String> inodes = new HashSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds) {
        String target = Files.readSymbolicLink(fd).toString();
        if (target.startsWith("socket:[")) {
          inodes.add(target.substring("socket:[".length(), target.length() - 1));
        }
      }
      List<String> rows = Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", "tcp"));
      for (String row : rows.subList(1, rows.size())) {
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
        String[] fields = row.trim().split("\\s+");
        if (fields.length > 9 && "0A".equals(fields[3]) && inodes.contains(fields[9])) {
          return OptionalInt.of(Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1), 16));
        }
      }
    } catch (IOException e) {
      return OptionalInt.empty(); // the process is starting or gone; the caller polls
    }
    return OptionalInt.empty();
  }
}
