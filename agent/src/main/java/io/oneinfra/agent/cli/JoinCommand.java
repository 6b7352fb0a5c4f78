package io.oneinfra.agent.cli;

import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.config.ConfigException;
import io.oneinfra.agent.identity.IdentityResolver;
import io.oneinfra.agent.registration.join.BootstrapToken;
import io.oneinfra.agent.registration.join.CaPin;
import io.oneinfra.agent.registration.join.JoinException;
import io.oneinfra.agent.registration.join.Joiner;
import io.oneinfra.proxy.Address;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code join}: this host gets its own identity on the management cluster with a bootstrap token, kubeadm-style. */
@Command(name = "join", mixinStandardHelpOptions = true,
    description = {"Join the management cluster with a bootstrap token, as 'kubeadm join' does:",
        "read and verify kube-public/cluster-info (its JWS signature, the CA pin),",
        "file a CertificateSigningRequest for CN=system:oneinfra:hypervisor:<name> with a",
        "key made here, print the 'kubectl certificate approve' line, wait for the",
        "certificate and write the kubeconfig registration.mode kubernetes uses",
        "(stateDir/kubeconfig unless registration.kubeconfig says otherwise)."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:joined: the kubeconfig is written",
        "1:failed (API server unreachable, token refused, request denied, timed out): nothing written",
        "2:bad usage or configuration",
        "3:refused: cluster-info's signature or the CA pin did not match: nothing written",
        "4:already joined: the kubeconfig exists; nothing changed (--force joins again)"})
final class JoinCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(JoinCommand.class);

  @Mixin
  ConfigOption config = new ConfigOption();

  @Option(names = "--api-server", paramLabel = "HOST:PORT", required = true,
      description = "The management cluster's API server, where cluster-info is read.")
  String apiServer;

  @Option(names = "--token", paramLabel = "ID.SECRET", defaultValue = "${env:ONEINFRA_AGENT_JOIN_TOKEN}",
      description = "The bootstrap token (env ONEINFRA_AGENT_JOIN_TOKEN keeps it out of the process list).")
  String token;

  @Option(names = "--discovery-token-ca-cert-hash", paramLabel = "sha256:HEX",
      description = "Pin of the cluster CA's public key (repeatable; any one must match).")
  List<String> caCertHashes = List.of();

  @Option(names = "--discovery-token-unsafe-skip-ca-verification",
      description = "Trust the CA in cluster-info on the token's signature alone (no pin).")
  boolean unsafeSkipCaVerification;

  @Option(names = "--force", description = "Join again although this host has a kubeconfig (replaced only once the "
      + "new certificate is issued).")
  boolean force;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "15m", converter = DurationConverter.class,
      description = "Give up after this long, discovery and approval included (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Mixin
  IdentityOverrides identity = new IdentityOverrides();

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    Joiner.Request request;
    try {
      request = request();
    } catch (ConfigException e) {
      LOG.error("{}", e.getMessage());
      return Main.EXIT_CONFIG;
    } catch (IllegalArgumentException | IllegalStateException e) {
      LOG.error("join: {}", e.getMessage());
      return Main.EXIT_CONFIG;
    }
    try {
      new Joiner(request, spec.commandLine().getOut(), Duration.ofSeconds(1)).join();
      return 0;
    } catch (JoinException e) {
      LOG.error("join: {}", e.getMessage());
      return e.outcome().exitCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.error("join: interrupted; nothing written");
      return Main.EXIT_FAILURE;
    }
  }

  private Joiner.Request request() throws ConfigException {
    AgentConfig loaded = config.load().withOverrides(identity.stateDir, null, null, identity.name, null);
    Address address = Address.parse("--api-server", apiServer);
    if (!(address instanceof Address.Tcp tcp) || tcp.host().isEmpty()) {
      throw new IllegalArgumentException("--api-server: '" + apiServer + "' is not HOST:PORT");
    }
    if (token == null) {
      throw new IllegalArgumentException("--token: required (or env ONEINFRA_AGENT_JOIN_TOKEN)");
    }
    String hypervisor = new IdentityResolver().resolve(loaded.hypervisor(), loaded.proxy().settings().listen())
        .name();
    return new Joiner.Request(URI.create("https://" + tcp), BootstrapToken.parse("--token", token),
        caCertHashes.stream().map(CaPin::parse).toList(), unsafeSkipCaVerification, force, timeout, hypervisor,
        loaded.registration().kubeconfigIn(loaded.stateDir()));
  }

  /** Durations as in the config: {@code 500ms}, {@code 30s}, {@code 15m}, {@code 1h}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)")
          .matcher(value.strip().toLowerCase(Locale.ROOT));
      if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
        throw new IllegalArgumentException("'" + value + "' is not a duration; want e.g. 30s, 15m or 1h");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
  }
}
