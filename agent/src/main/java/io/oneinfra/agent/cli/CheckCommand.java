package io.oneinfra.agent.cli;

import io.grpc.StatusRuntimeException;
import io.oneinfra.agent.config.ConfigException;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.cri.proto.VersionResponse;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.manifest.ManifestCodec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code check}: does what the controller will do with the manifest, and says whether it works and why not. */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = {"Dial the proxy exactly as oneinfra's controller does (mTLS, ALPN h2, CRI Version) using the",
        "manifest run publishes, and print the runtime, CRI API version and round-trip time.",
        "Exit 0 when it works, 1 with the reason (TLS refused, name mismatch, proxy or runtime down) when not."})
final class CheckCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(CheckCommand.class);

  @Mixin
  ConfigOption config = new ConfigOption();

  @Option(names = "--manifest", paramLabel = "FILE",
      description = "Check this manifest instead of the one in the state directory.")
  Path manifestFile;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
      description = "Give up after this many seconds (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    HypervisorManifest manifest;
    try {
      manifest = manifestFile != null ? ManifestCodec.parse(Files.readString(manifestFile)) : current();
    } catch (ConfigException e) {
      LOG.error("{}", e.getMessage());
      return Main.EXIT_CONFIG;
    } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
      LOG.error("cannot read the manifest: {}", e.getMessage());
      return Main.EXIT_CONFIG;
    }
    PrintWriter out = spec.commandLine().getOut();
    String endpoint = manifest.spec().remoteCriEndpoint().criEndpointUri();
    try (CriChannel channel = dial(manifest)) {
      CriClient cri = new CriClient(channel.channel(), CriApiVersion.V1ALPHA2, Duration.ofSeconds(timeoutSeconds));
      long start = System.nanoTime();
      VersionResponse version = cri.version();
      double millis = (System.nanoTime() - start) / 1e6;
      out.printf(Locale.ROOT, "ok: %s %s, CRI %s, %.1f ms via %s%n", version.getRuntimeName(),
          version.getRuntimeVersion(), version.getRuntimeApiVersion(), millis, endpoint);
      out.flush();
      return 0;
    } catch (StatusRuntimeException e) {
      out.printf("failed: %s: %s%n", endpoint, reason(e));
      out.flush();
      return Main.EXIT_FAILURE;
    } catch (IOException e) {
      out.printf("failed: %s: unusable credentials in the manifest: %s%n", endpoint, e.getMessage());
      out.flush();
      return Main.EXIT_FAILURE;
    }
  }

  private HypervisorManifest current() throws ConfigException, IOException {
    HostView host = HostView.load(config.load(), false);
    Path written = host.config().stateDir().resolve("hypervisor.yaml");
    // the running agent's manifest has the real port when proxy.listen uses port 0
    return Files.exists(written) ? ManifestCodec.parse(Files.readString(written)) : host.manifest();
  }

  private static CriChannel dial(HypervisorManifest manifest) throws IOException {
    HypervisorManifest.RemoteCriEndpoint endpoint = manifest.spec().remoteCriEndpoint();
    if (endpoint.caCertificate() == null || endpoint.clientCertificate() == null) {
      throw new IOException("it has no caCertificate or clientCertificate");
    }
    return CriChannel.remote(endpoint.criEndpointUri(), endpoint.caCertificate(),
        endpoint.clientCertificate().certificate(), endpoint.clientCertificate().privateKey(), null);
  }

  /** Names the failure the way an operator thinks about it, from gRPC's status and its causes. */
  static String reason(StatusRuntimeException e) {
    StringBuilder chain = new StringBuilder(String.valueOf(e.getStatus().getDescription()));
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      chain.append(" / ").append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
    }
    String text = chain.toString();
    String lower = text.toLowerCase(Locale.ROOT);
    String kind;
    if (lower.contains("no subject alternative") || lower.contains("hostname") && lower.contains("match")) {
      kind = "name mismatch: the server certificate does not name the manifest's address";
    } else if (lower.contains("connection refused")) {
      kind = "proxy not listening";
    } else if (lower.contains("pkix") || lower.contains("certificate") || lower.contains("ssl")
        || lower.contains("handshake") || lower.contains("alert")) {
      kind = "TLS refused";
    } else if (e.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE) {
      kind = "connection closed after TLS: the proxy could not reach the CRI runtime (backend down)";
    } else if (e.getStatus().getCode() == io.grpc.Status.Code.DEADLINE_EXCEEDED) {
      kind = "timed out";
    } else {
      kind = e.getStatus().getCode().toString();
    }
    return kind + " (" + text + ")";
  }
}
