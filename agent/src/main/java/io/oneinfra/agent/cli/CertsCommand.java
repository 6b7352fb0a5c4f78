package io.oneinfra.agent.cli;

import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.config.ConfigException;
import io.oneinfra.proxy.AccessPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code certs [show|rotate]}: expiry and fingerprints of every certificate; re-issue the server certificate. */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = {"show (default): subject, expiry, days left and SHA-256 fingerprints of the certificates in use.",
        "rotate: issue a new server certificate from the local CA now (generate mode); the running agent serves it",
        "after 'systemctl reload oneinfra-agent' (SIGHUP) or its next check (tls.checkInterval)."})
final class CertsCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(CertsCommand.class);

  @Parameters(index = "0", arity = "0..1", paramLabel = "ACTION", defaultValue = "show",
      description = "show or rotate (default: ${DEFAULT-VALUE})")
  String action;

  @Mixin
  ConfigOption config = new ConfigOption();

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    boolean rotate = switch (action) {
      case "show" -> false;
      case "rotate" -> true;
      default -> {
        LOG.error("certs: unknown action '{}'; want show or rotate", action);
        yield false;
      }
    };
    if (!rotate && !action.equals("show")) {
      return Main.EXIT_CONFIG;
    }
    try {
      HostView host = HostView.load(config.load(), false);
      if (rotate && host.config().tls().mode() != AgentConfig.Tls.Mode.GENERATE) {
        LOG.error("certs rotate: tls.mode is files; the operator's certificates are renewed by the operator");
        return Main.EXIT_CONFIG;
      }
      if (rotate) {
        host = HostView.load(config.load(), true);
      }
      print(spec.commandLine().getOut(), host.tls().certificates());
      return 0;
    } catch (ConfigException e) {
      LOG.error("{}", e.getMessage());
      return Main.EXIT_CONFIG;
    } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
      LOG.error("certs: {}", e.getMessage());
      return Main.EXIT_CONFIG;
    }
  }

  private static void print(PrintWriter out, Map<String, X509Certificate> certificates) {
    Instant now = Instant.now();
    certificates.forEach((name, certificate) -> {
      Instant until = certificate.getNotAfter().toInstant();
      out.printf("%-10s %s%n", name, certificate.getSubjectX500Principal().getName());
      out.printf("%-10s   serial %s, not after %s (%d days left)%n", "", certificate.getSerialNumber().toString(16),
          until, Duration.between(now, until).toDays());
      out.printf("%-10s   sha256 %s%n", "", fingerprint(certificate));
      out.printf("%-10s   spki sha256 %s%n", "", AccessPolicy.spkiPin(certificate));
    });
    out.flush();
  }

  private static String fingerprint(X509Certificate certificate) {
    try {
      return HexFormat.ofDelimiter(":").withUpperCase()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      return "unavailable (" + e.getMessage() + ")";
    }
  }
}
