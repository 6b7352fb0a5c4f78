package io.oneinfra.agent.cli;

import io.oneinfra.agent.Agent;
import io.oneinfra.agent.UnavailableException;
import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.config.ConfigException;
import io.oneinfra.agent.log.LogSetup;
import io.oneinfra.agent.systemd.SdNotify;
import io.oneinfra.agent.systemd.Signals;
import io.oneinfra.agent.systemd.SocketActivation;
import io.oneinfra.agent.systemd.SystemdStatus;
import io.oneinfra.proxy.Address;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code run}: starts the agent and serves until SIGTERM/SIGINT, then drains and exits 0. SIGHUP reloads
 * certificates, CAs, CRL, allow lists, the handshake budget, the CRI method policy and audit mode, and log settings.
 * A start that fails exits 2 when the config or the files it names are wrong (a restart cannot help), 75 when the
 * host cannot serve yet (port taken, no address).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Start the proxy and serve until stopped.",
        "SIGHUP reloads certificates, CAs, CRL, allow lists, the handshake budget (proxy.preauth) and log settings",
        "(keeping the old ones on any error);",
        "SIGTERM stops accepting, lets authenticated connections finish (proxy.drainTimeout) and exits 0.",
        "Under systemd it sends READY/STATUS/WATCHDOG/RELOADING/STOPPING and accepts a socket-activated listener."})
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Mixin
  ConfigOption config = new ConfigOption();

  @Mixin
  IdentityOverrides identity = new IdentityOverrides();

  @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "${env:ONEINFRA_AGENT_LISTEN}",
      description = "Overrides proxy.listen (env ONEINFRA_AGENT_LISTEN).")
  String listen;

  @Option(names = "--backend", paramLabel = "unix:/PATH", defaultValue = "${env:ONEINFRA_AGENT_BACKEND}",
      description = "Overrides proxy.backend (env ONEINFRA_AGENT_BACKEND).")
  String backend;

  @Option(names = "--ip-address", paramLabel = "IP", defaultValue = "${env:ONEINFRA_AGENT_IP_ADDRESS}",
      description = "Overrides hypervisor.ipAddress (env ONEINFRA_AGENT_IP_ADDRESS).")
  String ipAddress;

  private final CountDownLatch stop = new CountDownLatch(1);
  private final ExecutorService signalWork = Executors.newSingleThreadExecutor(r -> {
    Thread thread = new Thread(r, "signals");
    thread.setDaemon(true);
    return thread;
  });

  @Override
  public Integer call() {
    AgentConfig agentConfig;
    try {
      agentConfig = configWithOverrides();
      LogSetup.apply(agentConfig.log().format(), agentConfig.log().level(), agentConfig.log().connections());
    } catch (ConfigException e) {
      LOG.error("{}", e.getMessage());
      return Main.EXIT_CONFIG;
    } catch (IllegalArgumentException e) {
      LOG.error("{}: {}", config.file, e.getMessage());
      return Main.EXIT_CONFIG;
    }
    // handlers first: a SIGTERM during start-up must still end in a drain and exit 0, not the JVM's default
    AtomicReference<Agent> started = new AtomicReference<>();
    AtomicReference<SystemdStatus> supervisor = new AtomicReference<>();
    Signals.handle("TERM", stop::countDown);
    Signals.handle("INT", stop::countDown);
    Signals.handle("HUP", () -> signalWork.execute(() -> {
      if (started.get() == null) {
        LOG.warn("SIGHUP ignored: still starting");
      } else {
        reload(started.get(), supervisor.get());
      }
    }));
    SystemdStatus systemd;
    Agent agent;
    try {
      systemd = new SystemdStatus(SdNotify.fromEnvironment(System.getenv()));
      OptionalInt inherited = SocketActivation.listenFd(System.getenv(), ProcessHandle.current().pid());
      agent = Agent.start(agentConfig, systemd, inherited);
    } catch (UnavailableException e) {
      LOG.error("cannot start now: {}", e.getMessage());
      return Main.EXIT_UNAVAILABLE;
    } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
      LOG.error("cannot start: {}", e.getMessage());
      return Main.EXIT_CONFIG;
    } catch (IllegalStateException e) {
      LOG.error("cannot start: {}", e.getMessage());
      return Main.EXIT_FAILURE;
    }
    String endpoint = agent.identity().endpoint(agent.proxy().localAddress().getPort());
    switch (agentConfig.registration().mode()) {
      case FILE -> LOG.info("hypervisor {} at {}: manifest for the controller in {} (apply with kubectl apply -f)",
          agent.identity().name(), endpoint, agent.manifestFile());
      case KUBERNETES -> LOG.info("hypervisor {} at {}: registering with the cluster of {} (local copy in {})",
          agent.identity().name(), endpoint, agentConfig.registration().kubeconfigIn(agentConfig.stateDir()),
          agent.manifestFile());
      case NONE -> LOG.info("hypervisor {} at {}: registration none (oneinfra-agent manifest prints the manifest)",
          agent.identity().name(), endpoint);
    }
    agent.statusAddress().ifPresent(a -> LOG.info("status on http://{}:{}/readyz and /metrics",
        a.getAddress().getHostAddress(), a.getPort()));
    supervisor.set(systemd);
    started.set(agent);
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    systemd.stopping("draining " + agent.proxy().openConnections() + " open connections");
    signalWork.shutdownNow();
    agent.close();
    systemd.close();
    return 0;
  }

  private void reload(Agent agent, SystemdStatus systemd) {
    systemd.reloading();
    LOG.info("SIGHUP: reloading {}", config.file);
    try {
      AgentConfig fresh = configWithOverrides();
      if (agent.reload(fresh)) {
        LogSetup.apply(fresh.log().format(), fresh.log().level(), fresh.log().connections());
        LOG.info("reloaded");
      }
    } catch (ConfigException | IllegalArgumentException e) {
      LOG.error("reload failed, keeping the current configuration: {}", e.getMessage());
    } finally {
      systemd.ready(agent.statusLine());
    }
  }

  private AgentConfig configWithOverrides() throws ConfigException {
    AgentConfig loaded = config.load();
    try {
      return loaded.withOverrides(identity.stateDir, listen == null ? null : Address.parse("--listen", listen),
          backend == null ? null : Address.parse("--backend", backend), identity.name, ipAddress);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }
}
