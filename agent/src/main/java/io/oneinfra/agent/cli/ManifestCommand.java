package io.oneinfra.agent.cli;

import io.oneinfra.agent.config.ConfigException;
import io.oneinfra.agent.manifest.ManifestCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code manifest}: prints the Hypervisor object for this host, ready for {@code kubectl apply -f -}. */
@Command(name = "manifest", mixinStandardHelpOptions = true,
    description = {"Print this host's Hypervisor manifest (YAML) for kubectl apply -f -.",
        "Creates the PKI in the state directory when none exists yet, as run would."})
final class ManifestCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ManifestCommand.class);

  @Mixin
  ConfigOption config = new ConfigOption();

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    try {
      spec.commandLine().getOut().print(ManifestCodec.toYaml(HostView.load(config.load(), false).manifest()));
      spec.commandLine().getOut().flush();
      return 0;
    } catch (ConfigException e) {
      LOG.error("{}", e.getMessage());
      return Main.EXIT_CONFIG;
    } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
      LOG.error("cannot build the manifest: {}", e.getMessage());
      return Main.EXIT_CONFIG;
    }
  }
}
