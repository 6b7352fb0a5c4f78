package io.oneinfra.tests.adversarial;

import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.tests.support.AgentProcess;
import io.oneinfra.tests.testbed.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent as a real process with the packaged launcher's JVM options (and Netty's leak detector at paranoid unless
 * asked otherwise), on loopback ports of its own; reads its metrics and readiness over its status endpoint.
 */
public final class RunningAgent implements AutoCloseable {
  /** The launcher's memory settings (packaging/.../bin/oneinfra-agent), so memory is measured as deployed. */
  static final String JVM_OPTIONS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms8m -Xmx512m -Xss512k";
  /** Netty's leak detector tracking every buffer (slow: for runs that look for leaks, not for timings). */
  static final String PARANOID = " -Dio.netty.leakDetection.level=paranoid";
  private static final Pattern LISTENING = Pattern.compile("proxy listening on 127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern STATUS = Pattern.compile("status on http://127\\.0\\.0\\.1:(\\d+)/readyz");

  private final Path dir;
  private final Path config;
  private final AgentProcess process;
  private final int port;
  private final int statusPort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private RunningAgent(Path dir, Path config, AgentProcess process) {
    this.dir = dir;
    this.config = config;
    this.process = process;
    this.port = Integer.parseInt(process.awaitLog(LISTENING, Duration.ofSeconds(60)).group(1));
    this.statusPort = Integer.parseInt(process.awaitLog(STATUS, Duration.ofSeconds(60)).group(1));
  }

  /** The config the agent runs with; {@code proxyKeys} and {@code sections} are YAML lines appended as they are. */
  public static String config(Path dir, Path backend, String proxyKeys, String sections) {
    return """
        stateDir: %s
        proxy:
          listen: 127.0.0.1:0
          backend: unix:%s
        %s
        hypervisor:
          name: under-attack
          ipAddress: 127.0.0.1
        status:
          listen: 127.0.0.1:0
          criCheckInterval: 500ms
        %s
        """.formatted(dir.resolve("state"), backend, proxyKeys.indent(2).stripTrailing(), sections);
  }

  /** Starts {@code oneinfra-agent run} with {@code yaml} written to {@code dir/agent.yaml}, leak detector paranoid. */
  public static RunningAgent start(Path dir, String yaml) throws IOException {
    return start(dir, yaml, true);
  }

  /** The same, with Netty's leak detector at paranoid or at its default (sampling, as deployed). */
  public static RunningAgent start(Path dir, String yaml, boolean paranoid) throws IOException {
    Path config = dir.resolve("agent.yaml");
    Files.writeString(config, yaml);
    // MALLOC_ARENA_MAX as the launcher exports it: glibc would otherwise grow a malloc arena per thread
    AgentProcess process = AgentProcess.start(dir.resolve("agent.log"), Map.of("MALLOC_ARENA_MAX", "2",
        "JAVA_TOOL_OPTIONS", JVM_OPTIONS + (paranoid ? PARANOID : "")), "run", "--config", config.toString());
    try {
      return new RunningAgent(dir, config, process);
    } catch (RuntimeException e) {
      process.close();
      throw e;
    }
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public Path config() {
    return config;
  }

  public AgentProcess process() {
    return process;
  }

  /** The manifest the agent wrote: what the controller dials with. */
  public HypervisorManifest manifest() throws IOException {
    Path file = dir.resolve("state/hypervisor.yaml");
    Poll.until(Duration.ofSeconds(30), file.toString(), () -> Files.exists(file));
    return ManifestCodec.parse(Files.readString(file));
  }

  /** The agent's PKI directory (generate mode). */
  public Path pki() {
    return dir.resolve("state/pki");
  }

  /** A value from {@code /metrics} by its Prometheus name (e.g. {@code proxy_preauth_pending}). */
  public double metric(String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(get("/metrics").body());
    if (!m.find()) {
      throw new AssertionError("no " + name + " in /metrics");
    }
    return Double.parseDouble(m.group(1));
  }

  /** The status code of {@code GET /readyz}. */
  public int readyz() {
    return get("/readyz").statusCode();
  }

  private HttpResponse<String> get(String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statusPort + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path + " from the agent", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Netty's leak reports in the agent's output. */
  public long leakReports() {
    return process.log().lines().filter(line -> line.contains("LEAK:")).count();
  }

  @Override
  public void close() {
    process.close();
  }
}
