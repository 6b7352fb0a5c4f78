package io.oneinfra.agent;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.cri.CriHealth;
import io.oneinfra.agent.identity.HypervisorIdentity;
import io.oneinfra.agent.identity.IdentityResolver;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.registration.Registrar;
import io.oneinfra.agent.status.JmxExposure;
import io.oneinfra.agent.status.Readiness;
import io.oneinfra.agent.status.StatusServer;
import io.oneinfra.agent.systemd.SystemdStatus;
import io.oneinfra.agent.systemd.Watchdog;
import io.oneinfra.agent.tls.TlsSource;
import io.oneinfra.agent.tls.TlsState;
import io.oneinfra.proxy.Address;
import io.oneinfra.proxy.ProxyServer;
import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.proxy.ServerTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running agent: starts its parts in order (identity, PKI, proxy, manifest) and stops them in reverse. */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  private volatile AgentConfig config;
  private final MetricRegistry metrics = new MetricRegistry();
  private final IdentityResolver identities = new IdentityResolver();
  private volatile TlsSource tlsSource;
  private final SystemdStatus systemd;
  private final CriHealth criHealth;
  private final AtomicReference<CriHealth.Result> cri = new AtomicReference<>();
  private final StatusServer statusServer;
  private volatile JmxExposure jmx;
  private final AtomicReference<HypervisorIdentity> identity = new AtomicReference<>();
  private final AtomicReference<TlsState> tls = new AtomicReference<>();
  private final ProxyServer proxy;
  private final Registrar registrar;
  private final ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "agent-maintenance");
    thread.setDaemon(true);
    return thread;
  });

  private Agent(AgentConfig config, SystemdStatus systemd, OptionalInt inheritedFd) throws IOException {
    this.config = config;
    this.systemd = systemd;
    this.tlsSource = new TlsSource(config);
    ProxySettings settings = config.proxy().settings();
    identity.set(identities.resolve(config.hypervisor(), settings.listen()));
    tls.set(tlsSource.load(identity.get(), Instant.now(), false));
    if (settings.backend() instanceof Address.Unix unix && !Files.exists(unix.path())) {
      LOG.warn("proxy.backend: {} does not exist yet; clients will be refused until the runtime creates it "
          + "(set proxy.backend to your CRI socket, e.g. unix:/run/crio/crio.sock)", unix.path());
    }
    proxy = ProxyServer.start(settings, new ServerTls(settings.tlsProvider(), tls.get().material()), metrics,
        inheritedFd);
    tls.get().certificates().keySet().forEach(this::registerExpiry);
    registrar = Registrar.create(config.registration(), manifestFile(), metrics,
        () -> systemd.status(statusLine()));
    metrics.gauge("registration.state", () -> (Gauge<Integer>) () -> registrar.state().registered() ? 1 : 0);
    registrar.start(manifest()); // returns at once: the API server being slow or down never holds up serving
    criHealth = settings.backend() instanceof Address.Unix unix ? new CriHealth(unix.path()) : null;
    metrics.gauge("cri.up", () -> (Gauge<Integer>) () -> cri.get() != null && cri.get().up() ? 1 : 0);
    AgentConfig.Status status = config.status();
    statusServer = status.enabled()
        ? StatusServer.start(((Address.Tcp) status.listen()).toSocketAddress(), metrics, this::readiness) : null;
    long every = config.tls().checkInterval().toMillis();
    maintenance.scheduleWithFixedDelay(this::maintain, every, every, TimeUnit.MILLISECONDS);
    // The first CRI check (and JMX, when on) come right after READY, off the start-up path: the check loads gRPC (and its own
    // copy of Netty), and neither is needed to serve. Until the check answers, /readyz says "cri not checked yet".
    long criEvery = status.criCheckInterval().toMillis();
    maintenance.scheduleWithFixedDelay(this::checkCri, 0, criEvery, TimeUnit.MILLISECONDS);
    if (status.jmx()) {
      maintenance.execute(() -> jmx = JmxExposure.start(metrics));
    }
    Watchdog.interval(System.getenv(), ProcessHandle.current().pid()).ifPresent(interval ->
        Watchdog.start(maintenance, interval, systemd, this::healthy));
    systemd.ready(statusLine());
  }

  /**
   * Starts the agent without a supervisor (tests, tools).
   *
   * @throws IOException when the PKI cannot be loaded or created, or the proxy cannot listen
   */
  public static Agent start(AgentConfig config) throws IOException {
    return new Agent(config, new SystemdStatus(Optional.empty()), OptionalInt.empty());
  }

  /**
   * Starts the agent under systemd: READY=1 once serving, STATUS= on changes, the watchdog while healthy, and the
   * listening socket from systemd when {@code inheritedFd} is set.
   *
   * @throws IOException when the PKI cannot be loaded or created, or the proxy cannot listen
   */
  public static Agent start(AgentConfig config, SystemdStatus systemd, OptionalInt inheritedFd) throws IOException {
    return new Agent(config, systemd, inheritedFd);
  }

  /** The status endpoint's address, when enabled. */
  public Optional<InetSocketAddress> statusAddress() {
    return Optional.ofNullable(statusServer).map(StatusServer::address);
  }

  /** The last CRI check. */
  public CriHealth.Result cri() {
    return cri.get();
  }

  /** Registration with the management cluster now. */
  public Registrar.State registration() {
    return registrar.state();
  }

  /**
   * What /readyz says: ready when the proxy listens and the CRI runtime answers. Registration is reported as a detail
   * but never makes the agent not ready: the proxy serves whether or not the management cluster is reachable.
   */
  public Readiness readiness() {
    CriHealth.Result result = cri.get();
    Map<String, String> details = new LinkedHashMap<>();
    details.put("listen", identity.get().endpoint(proxy.localAddress().getPort()));
    details.put("backend", proxy.settings().backend().toString());
    details.put("registration", registrar.state().readyz());
    if (result != null && result.up()) {
      details.put("runtime", result.runtime());
      details.put("api", String.join(", ", result.apis()));
      details.put("registration", details.remove("registration")); // keep it last
      return Readiness.ready(details);
    }
    return Readiness.notReady(result == null ? "cri not checked yet" : "cri " + result.reason(), details);
  }

  /**
   * The watchdog's question: is this process working? The runtime being down is not the agent's failure (readiness
   * and STATUS say so); a restart would not help, so it must not stop the pings.
   */
  private boolean healthy() {
    return proxy.isResponsive(Duration.ofSeconds(1));
  }

  private void checkCri() {
    if (criHealth == null) {
      return;
    }
    CriHealth.Result result = criHealth.check();
    CriHealth.Result before = cri.getAndSet(result);
    if (before == null || before.up() != result.up()) {
      if (result.up()) {
        LOG.info("{}", result.summary());
      } else {
        LOG.warn("{}", result.summary());
      }
    }
    systemd.status(statusLine());
  }

  /**
   * One line for STATUS= and logs, e.g. {@code serving; cri containerd 1.6.20 (v1, v1alpha2); registration file} or
   * {@code ...; registration kubernetes: registered hv-1 (lease renewed 3s ago)}.
   */
  public String statusLine() {
    CriHealth.Result result = cri.get();
    String criPart = criHealth == null ? "cri over tcp (not checked)"
        : result == null ? "cri not checked yet" : result.summary();
    return "serving; " + criPart + "; " + (registrar == null ? "registration starting" : registrar.state().line());
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

  /**
   * Applies a re-read config: certificates, CAs, CRL, allow lists, the pre-authentication budget and log settings
   * take effect now; other changes (listen address, backend, identity) need a restart and are reported. On failure
   * nothing changes.
   *
   * @return true when the new settings are in use
   */
  public synchronized boolean reload(AgentConfig newConfig) {
    AgentConfig old = config;
    if (!newConfig.proxy().withPreauth(old.proxy().preauth()).equals(old.proxy())
        || !newConfig.hypervisor().equals(old.hypervisor())
        || !newConfig.stateDir().equals(old.stateDir()) || !newConfig.status().equals(old.status())
        || !newConfig.registration().equals(old.registration())) {
      LOG.warn("reload: changes to stateDir, proxy, hypervisor, status or registration take effect only after a "
          + "restart");
    }
    TlsSource previous = tlsSource;
    tlsSource = new TlsSource(newConfig);
    if (!refresh(identity.get(), false, "reload")) {
      tlsSource = previous;
      return false;
    }
    // swapped in place: open connections, pending handshakes included, are kept
    proxy.updatePreAuthLimits(newConfig.proxy().preauth().limits());
    config = newConfig;
    return true;
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
      manifestChanged();
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

  /**
   * Publishes the current manifest after a change (new server certificate, address): rewrites the manifest file and,
   * in kubernetes mode, triggers an immediate sync of the Hypervisor object. Called after every such change.
   */
  public void manifestChanged() {
    registrar.manifestChanged(manifest());
  }

  /** Stops accepting and drains open connections up to the drain timeout. */
  @Override
  public void close() {
    maintenance.shutdownNow();
    try {
      if (!maintenance.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("stopping: a maintenance task (certificate check, CRI check) is still running after 5s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    registrar.close();
    if (statusServer != null) {
      statusServer.close();
    }
    JmxExposure exposure = jmx;
    if (exposure != null) {
      exposure.close();
    }
    if (criHealth != null) {
      criHealth.close();
    }
    LOG.info("stopping: draining {} open connections", proxy.openConnections());
    boolean clean = proxy.drain(proxy.settings().drainTimeout());
    LOG.info("stopped ({})", clean ? "all connections finished" : "drain timeout: remaining connections closed");
  }
}
