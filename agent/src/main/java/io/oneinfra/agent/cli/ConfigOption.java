package io.oneinfra.agent.cli;

import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.config.ConfigException;
import io.oneinfra.agent.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option every command shares, and the one way a config is loaded. */
final class ConfigOption {
  static final Path DEFAULT_CONFIG = Path.of("/etc/oneinfra/agent.yaml");
  private static final Logger LOG = LoggerFactory.getLogger(ConfigOption.class);

  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "Config file (default: ${DEFAULT-VALUE}; when it does not exist, the embedded default is used).")
  Path file = DEFAULT_CONFIG;

  /** The config at {@code --config}, or the embedded default when the default path does not exist. */
  AgentConfig load() throws ConfigException {
    ConfigLoader loader = new ConfigLoader();
    if (file.equals(DEFAULT_CONFIG) && !Files.exists(file)) {
      LOG.info("{} does not exist: using the embedded default configuration", file);
      return loader.loadEmbeddedDefault();
    }
    LOG.info("using configuration {}", file);
    return loader.load(file);
  }
}
