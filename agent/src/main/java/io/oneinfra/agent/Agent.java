package io.oneinfra.agent;

import com.codahale.metrics.MetricRegistry;
import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.pki.GeneratedPki;
import io.oneinfra.agent.pki.SecureFiles;
import io.oneinfra.proxy.Address;
import io.oneinfra.proxy.ProxyServer;
import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.proxy.ServerTls;
import io.oneinfra.proxy.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running agent: starts its parts in order (config, PKI, proxy) and stops them in reverse. */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  private final MetricRegistry metrics = new MetricRegistry();
  private final GeneratedPki pki;
  private final ProxyServer proxy;

  private Agent(AgentConfig config) throws IOException {
    ProxySettings settings = config.proxy().settings();
    TlsMaterial material;
    if (config.tls().mode() == AgentConfig.Tls.Mode.GENERATE) {
      pki = GeneratedPki.loadOrCreate(config.stateDir().resolve("pki"), config.tls().serverNames());
      material = pki.tlsMaterial();
    } else {
      pki = null;
      SecureFiles.checkPrivate(config.tls().privateKey());
      material = TlsMaterial.load(config.tls().certificate(), config.tls().privateKey(), config.tls().clientCA());
    }
    if (settings.backend() instanceof Address.Unix unix && !Files.exists(unix.path())) {
      LOG.warn("proxy.backend: {} does not exist yet; clients will be refused until the runtime creates it "
          + "(set proxy.backend to your CRI socket, e.g. unix:/run/crio/crio.sock)", unix.path());
    }
    proxy = ProxyServer.start(settings, new ServerTls(settings.tlsProvider(), material), metrics);
  }

  /**
   * Starts the agent.
   *
   * @throws IOException when the PKI cannot be loaded or created, or the proxy cannot listen
   */
  public static Agent start(AgentConfig config) throws IOException {
    return new Agent(config);
  }

  /** The proxy. */
  public ProxyServer proxy() {
    return proxy;
  }

  /** The generated PKI, when {@code tls.mode} is generate. */
  public Optional<GeneratedPki> pki() {
    return Optional.ofNullable(pki);
  }

  /** The agent's metric registry. */
  public MetricRegistry metrics() {
    return metrics;
  }

  /** Stops accepting and drains open connections up to the drain timeout. */
  @Override
  public void close() {
    LOG.info("stopping: draining {} open connections", proxy.openConnections());
    boolean clean = proxy.drain(proxy.settings().drainTimeout());
    LOG.info("stopped ({})", clean ? "all connections finished" : "drain timeout: remaining connections closed");
  }
}
