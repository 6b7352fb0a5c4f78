package io.oneinfra.agent.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.config.ConfigException;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.cri.proto.VersionResponse;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.proxy.ProxySettings;
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
    description = {"Dial the proxy exactly as oneinfra's controller does (mTLS, ALPN h2, CRI v1alpha2 Version) using",
        "the manifest run publishes, and print the runtime, CRI API version and round-trip time; then the proxy's",
        "mode, the API versions the runtime answers and whether v1alpha2 calls are bridged to v1.",
        "Exit 0 when it works, 1 with the reason (TLS refused, name mismatch, proxy or runtime down, v1alpha2",
        "not served and not bridged) when not."})
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
    AgentConfig loaded;
    try {
      loaded = config.load();
      manifest = manifestFile != null ? ManifestCodec.parse(Files.readString(manifestFile)) : current(loaded);
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
      boolean bridged = !"v1alpha2".equals(version.getRuntimeApiVersion());
      out.printf("mode: %s; the runtime answers %s; v1alpha2 calls %s%n", modeOf(loaded),
          bridged ? "v1" : "v1alpha2" + v1Answer(channel), bridged ? "are bridged to v1" : "pass as they are");
      out.flush();
      return 0;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        out.printf("failed: %s: the runtime does not serve CRI v1alpha2 and the proxy does not bridge it (mode: %s):"
            + " oneinfra's controller cannot use this hypervisor; set proxy.mode: cri with cri.bridge: auto (%s)%n",
            endpoint, modeOf(loaded), e.getStatus().getDescription());
        out.flush();
        return Main.EXIT_FAILURE;
      }
      out.printf("failed: %s: %s%n", endpoint, reason(e));
      out.flush();
      return Main.EXIT_FAILURE;
    } catch (IOException e) {
      out.printf("failed: %s: unusable credentials in the manifest: %s%n", endpoint, e.getMessage());
      out.flush();
      return Main.EXIT_FAILURE;
    }
  }

  private static String modeOf(AgentConfig loaded) {
    ProxySettings settings = loaded.proxySettings();
    return settings.mode() == ProxySettings.Mode.CRI
        ? "cri gateway (cri.bridge: " + settings.cri().bridge().name().toLowerCase(Locale.ROOT) + ")" : "l4 relay";
  }

  /** ", v1" when the runtime's v1 service answers too (a v1alpha2-serving runtime may serve both). */
  private String v1Answer(CriChannel channel) {
    try {
      new CriClient(channel.channel(), CriApiVersion.V1, Duration.ofSeconds(timeoutSeconds)).version();
      return " and v1";
    } catch (StatusRuntimeException e) {
      return " only (v1: " + e.getStatus().getCode() + ")";
    }
  }

  private HypervisorManifest current(AgentConfig loaded) throws IOException {
    HostView host = HostView.load(loaded, false);
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
    } else if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
      kind = "connection closed after TLS: the proxy could not reach the CRI runtime (backend down)";
    } else if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
      kind = "timed out";
    } else {
      kind = e.getStatus().getCode().toString();
    }
    return kind + " (" + text + ")";
  }
}
