package io.oneinfra.agent;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.identity.HypervisorIdentity;
import io.oneinfra.agent.identity.IdentityResolver;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.agent.pki.SecureFiles;
import io.oneinfra.agent.tls.TlsSource;
import io.oneinfra.agent.tls.TlsState;
import io.oneinfra.proxy.Address;
import io.oneinfra.proxy.ProxyServer;
import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.proxy.ServerTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running agent: starts its parts in order (identity, PKI, proxy, manifest) and stops them in reverse. */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  private final AgentConfig config;
  private final MetricRegistry metrics = new MetricRegistry();
  private final IdentityResolver identities = new IdentityResolver();
  private final TlsSource tlsSource;
  private final AtomicReference<HypervisorIdentity> identity = new AtomicReference<>();
  private final AtomicReference<TlsState> tls = new AtomicReference<>();
  private final ProxyServer proxy;
  private final ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "agent-maintenance");
    thread.setDaemon(true);
    return thread;
  });

  private Agent(AgentConfig config) throws IOException {
    this.config = config;
    this.tlsSource = new TlsSource(config);
    ProxySettings settings = config.proxy().settings();
    identity.set(identities.resolve(config.hypervisor(), settings.listen()));
    tls.set(tlsSource.load(identity.get(), Instant.now(), false));
    if (settings.backend() instanceof Address.Unix unix && !Files.exists(unix.path())) {
      LOG.warn("proxy.backend: {} does not exist yet; clients will be refused until the runtime creates it "
          + "(set proxy.backend to your CRI socket, e.g. unix:/run/crio/crio.sock)", unix.path());
    }
    proxy = ProxyServer.start(settings, new ServerTls(settings.tlsProvider(), tls.get().material()), metrics);
    tls.get().certificates().keySet().forEach(this::registerExpiry);
    writeManifest();
    long every = config.tls().checkInterval().toMillis();
    maintenance.scheduleWithFixedDelay(this::maintain, every, every, TimeUnit.MILLISECONDS);
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

  /** The agent's metric registry. */
  public MetricRegistry metrics() {
    return metrics;
  }

  /** This hypervisor's identity now. */
  public HypervisorIdentity identity() {
    return identity.get();
  }

  /** The Hypervisor manifest for the current identity and certificates. */
  public HypervisorManifest manifest() {
    TlsState state = tls.get();
    return HypervisorManifest.of(identity.get(), proxy.localAddress().getPort(), state.serverCaPem().orElse(null),
        state.client().orElse(null));
  }

  /** Where {@code run} keeps the manifest: readable by the agent's user only, as it holds the client's key. */
  public Path manifestFile() {
    return config.stateDir().resolve("hypervisor.yaml");
  }

  /**
   * Re-reads certificates, keys, CA and access policy, and swaps them into the proxy; open connections keep their
   * session. On any failure the proxy keeps what it serves and the error says why.
   *
   * @return true when the new material is in use
   */
  public synchronized boolean reload() {
    return refresh(identity.get(), false, "reload");
  }

  /** Issues a new server certificate from the local CA now (generate mode) and swaps it in. */
  public synchronized boolean rotateServerCertificate() {
    return refresh(identity.get(), true, "rotation");
  }

  private synchronized void maintain() {
    try {
      HypervisorIdentity current = identity.get();
      HypervisorIdentity now = identities.resolve(config.hypervisor(), config.proxy().settings().listen());
      if (!now.ipAddress().equals(current.ipAddress())) {
        LOG.warn("this host's address changed from {} to {}: re-issuing the server certificate", current.ip(),
            now.ip());
      }
      refresh(now, false, "scheduled check");
    } catch (RuntimeException e) {
      LOG.error("scheduled certificate check failed: {}", e.getMessage());
    }
  }

  private boolean refresh(HypervisorIdentity newIdentity, boolean forceRotation, String why) {
    TlsState next;
    try {
      next = tlsSource.load(newIdentity, Instant.now(), forceRotation);
      proxy.tls().update(next.material());
    } catch (IOException | RuntimeException e) {
      LOG.error("{} failed, still serving the previous certificates: {}", why, e.getMessage());
      return false;
    }
    X509Certificate before = tls.get().material().serverCertificate();
    tls.set(next);
    identity.set(newIdentity);
    if (!before.equals(next.material().serverCertificate())) {
      LOG.info("{}: now serving server certificate serial {} valid until {}", why,
          next.material().serverCertificate().getSerialNumber().toString(16),
          next.material().serverCertificate().getNotAfter().toInstant());
      writeManifest();
    }
    return true;
  }

  private void registerExpiry(String name) {
    metrics.gauge("tls.certificate.expiry.seconds." + name, () -> (Gauge<Long>) () -> {
      X509Certificate certificate = tls.get().certificates().get(name);
      return certificate == null ? null
          : Duration.between(Instant.now(), certificate.getNotAfter().toInstant()).toSeconds();
    });
  }

  private void writeManifest() {
    try {
      SecureFiles.createPrivateDirectory(config.stateDir());
      SecureFiles.writeAtomically(manifestFile(), ManifestCodec.toYaml(manifest()), true);
    } catch (IOException e) {
      LOG.error("cannot write the manifest {}: {}", manifestFile(), e.getMessage());
    }
  }

  /** Stops accepting and drains open connections up to the drain timeout. */
  @Override
  public void close() {
    maintenance.shutdownNow();
    LOG.info("stopping: draining {} open connections", proxy.openConnections());
    boolean clean = proxy.drain(proxy.settings().drainTimeout());
    LOG.info("stopped ({})", clean ? "all connections finished" : "drain timeout: remaining connections closed");
  }
}
