package io.oneinfra.agent.cli;

import io.oneinfra.agent.Agent;
import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.config.ConfigException;
import io.oneinfra.agent.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code run}: starts the agent and serves until SIGTERM/SIGINT, then drains and exits 0. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Start the proxy and serve until stopped (SIGTERM drains open connections).")
final class RunCommand implements Callable<Integer> {
  static final Path DEFAULT_CONFIG = Path.of("/etc/oneinfra/agent.yaml");
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "Config file (default: ${DEFAULT-VALUE}; when it does not exist, the embedded default is used).")
  Path config = DEFAULT_CONFIG;

  @Override
  public Integer call() {
    AgentConfig agentConfig;
    try {
      agentConfig = load();
    } catch (ConfigException e) {
      LOG.error("{}", e.getMessage());
      return Main.EXIT_CONFIG;
    }
    Agent agent;
    try {
      agent = Agent.start(agentConfig);
    } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
      LOG.error("cannot start: {}", e.getMessage());
      return Main.EXIT_CONFIG;
    }
    LOG.info("hypervisor {} at {}: manifest for the controller in {} (apply with kubectl apply -f)",
        agent.identity().name(), agent.identity().endpoint(agent.proxy().localAddress().getPort()),
        agent.manifestFile());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      // SIGTERM is how the daemon is meant to stop: after a drain that is success, not the JVM's 143
      Runtime.getRuntime().halt(0);
    }, "shutdown"));
    try {
      new CountDownLatch(1).await(); // serve until the shutdown hook ends the process
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private AgentConfig load() throws ConfigException {
    return load(config);
  }

  /** The config at {@code file}, or the embedded default when the default path does not exist. */
  static AgentConfig load(Path file) throws ConfigException {
    ConfigLoader loader = new ConfigLoader();
    if (file.equals(DEFAULT_CONFIG) && !Files.exists(file)) {
      LOG.info("{} does not exist: using the embedded default configuration", file);
      return loader.loadEmbeddedDefault();
    }
    LOG.info("using configuration {}", file);
    return loader.load(file);
  }
}
