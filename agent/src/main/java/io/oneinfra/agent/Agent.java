package io.oneinfra.agent;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.config.CriConfig;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriHealth;
import io.oneinfra.agent.gateway.AuditTrail;
import io.oneinfra.agent.gateway.CallMetrics;
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
import io.oneinfra.proxy.cri.CallListener;
import io.oneinfra.proxy.cri.CallRecord;
import io.oneinfra.proxy.cri.CriGateway;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running agent: starts its parts in order (identity, PKI, proxy, manifest) and stops them in reverse. */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  private volatile AgentConfig config;
  private final MetricRegistry metrics = new MetricRegistry();
  private final PrometheusRegistry prometheus = new PrometheusRegistry();
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
  private final CriGateway gateway;
  private final AuditTrail audit;
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
    ProxySettings settings = config.proxySettings();
    try {
      identity.set(identities.resolve(config.hypervisor(), settings.listen()));
    } catch (IllegalStateException e) {
      throw new UnavailableException(e.getMessage(), e); // no address yet: the network may still come up
    }
    tls.set(tlsSource.load(identity.get(), Instant.now(), false));
    if (settings.backend() instanceof Address.Unix unix && !Files.exists(unix.path())) {
      LOG.warn("proxy.backend: {} does not exist yet; clients will be refused until the runtime creates it "
          + "(set proxy.backend to your CRI socket, e.g. unix:/run/crio/crio.sock)", unix.path());
    }
    if (settings.mode() == ProxySettings.Mode.CRI) {
      audit = AuditTrail.open(config.cri().audit(), config.stateDir(), metrics);
      CallMetrics calls = new CallMetrics(prometheus);
      CallListener listener = new CallListener() {
        @Override
        public void started(String name) {
          calls.started(name);
        }

        @Override
        public void ended(CallRecord record) {
          calls.ended(record);
          audit.ended(record);
        }
      };
      gateway = new CriGateway(settings.cri(), config.cri().authorization().policy(), listener, audit.recording());
    } else {
      audit = null;
      gateway = null;
    }
    try {
      proxy = ProxyServer.start(settings, new ServerTls(settings.tlsProvider(), tls.get().material()), metrics,
          inheritedFd, gateway);
    } catch (IOException e) {
      if (audit != null) {
        audit.close();
      }
      throw new UnavailableException(e.getMessage(), e); // the port taken or the address not up yet
    } catch (RuntimeException e) {
      if (audit != null) {
        audit.close();
      }
      throw e;
    }
    tls.get().certificates().keySet().forEach(this::registerExpiry);
    registrar = Registrar.create(config.registration(), manifestFile(), metrics,
        () -> systemd.status(statusLine()));
    metrics.gauge("registration.state", () -> (Gauge<Integer>) () -> registrar.state().registered() ? 1 : 0);
    registrar.start(manifest()); // returns at once: the API server being slow or down never holds up serving
    criHealth = settings.backend() instanceof Address.Unix unix ? new CriHealth(unix.path()) : null;
    metrics.gauge("cri.up", () -> criGauge(CriHealth.Result::up));
    for (CriApiVersion api : CriApiVersion.values()) {
      metrics.gauge("cri.api." + api.apiVersion(), () -> criGauge(r -> r.apis().contains(api.apiVersion())));
    }
    AgentConfig.Status status = config.status();
    statusServer = status.enabled()
        ? StatusServer.start(((Address.Tcp) status.listen()).toSocketAddress(), metrics, prometheus, this::readiness)
        : null;
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
   * @throws UnavailableException when the proxy cannot listen or no address is detected: may clear by itself
   * @throws IOException when the PKI cannot be loaded or created
   */
  public static Agent start(AgentConfig config) throws IOException {
    return new Agent(config, new SystemdStatus(Optional.empty()), OptionalInt.empty());
  }

  /**
   * Starts the agent under systemd: READY=1 once serving, STATUS= on changes, the watchdog while healthy, and the
   * listening socket from systemd when {@code inheritedFd} is set.
   *
   * @throws UnavailableException when the proxy cannot listen or no address is detected: may clear by itself
   * @throws IOException when the PKI cannot be loaded or created
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
    details.put("mode", modeLine());
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
    if (gateway != null) {
      boolean wasBridging = gateway.bridging();
      gateway.runtimeApis(result.apis());
      if (gateway.bridging() != wasBridging) {
        LOG.info("cri gateway: {}", modeLine());
      }
    }
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
    return "serving (" + modeLine() + "); " + criPart + "; "
        + (registrar == null ? "registration starting" : registrar.state().line());
  }

  /**
   * The proxy's mode in a few words: {@code l4 relay}, {@code cri gateway}, {@code cri gateway, bridging v1alpha2 to
   * v1}.
   */
  public String modeLine() {
    if (gateway == null) {
      return "l4 relay";
    }
    return gateway.bridging() ? "cri gateway, bridging v1alpha2 to v1" : "cri gateway";
  }

  /** The CRI gateway, in cri mode. */
  public Optional<CriGateway> gateway() {
    return Optional.ofNullable(gateway);
  }

  /** The audit trail, in cri mode. */
  public Optional<AuditTrail> audit() {
    return Optional.ofNullable(audit);
  }

  /** The registry of the metrics that are Prometheus-native (the CRI gateway's per-method ones). */
  public PrometheusRegistry prometheus() {
    return prometheus;
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
        || !newConfig.registration().equals(old.registration()) || !restartOnly(newConfig.cri()).equals(
            restartOnly(old.cri()))) {
      LOG.warn("reload: changes to stateDir, proxy (but for proxy.preauth), hypervisor, status, registration or cri "
          + "(but for cri.authorization and cri.audit.mode) take effect only after a restart");
    }
    TlsSource previous = tlsSource;
    tlsSource = new TlsSource(newConfig);
    if (!refresh(identity.get(), false, "reload")) {
      tlsSource = previous;
      return false;
    }
    // swapped in place: open connections, pending handshakes included, are kept
    proxy.updatePreAuthLimits(newConfig.proxy().preauth().limits());
    if (gateway != null) {
      gateway.policy(newConfig.cri().authorization().policy());
      audit.mode(newConfig.cri().audit().mode());
      gateway.auditing(audit.recording());
      LOG.info("reload: cri.authorization profile {} with {} allow and {} deny rules; cri.audit.mode {}",
          newConfig.cri().authorization().profile().configName(), newConfig.cri().authorization().allow().size(),
          newConfig.cri().authorization().deny().size(),
          newConfig.cri().audit().mode().name().toLowerCase(Locale.ROOT));
    }
    config = newConfig;
    return true;
  }

  // What of the cri section only a restart applies: everything but the authorization and the audit mode.
  private static CriConfig restartOnly(CriConfig cri) {
    CriConfig.Audit a = cri.audit();
    return new CriConfig(cri.bridge(), cri.maxConcurrentStreams(), cri.maxHeaderListSize(), cri.maxMessageSize(),
        cri.maxPingsPerMinute(), null, new CriConfig.Audit(null, a.file(), a.maxFileSize(), a.maxFiles(),
        a.journald()));
  }

  /** Issues a new server certificate from the local CA now (generate mode) and swaps it in. */
  public synchronized boolean rotateServerCertificate() {
    return refresh(identity.get(), true, "rotation");
  }

  private synchronized void maintain() {
    try {
      HypervisorIdentity current = identity.get();
      HypervisorIdentity now = identities.resolve(config.hypervisor(), config.proxySettings().listen());
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

  /** 1 when the last CRI check passes {@code test}, else 0; absent when the backend is not checked (TCP). */
  private Gauge<Integer> criGauge(Predicate<CriHealth.Result> test) {
    return () -> {
      CriHealth.Result result = cri.get();
      return criHealth == null ? null : result != null && test.test(result) ? 1 : 0;
    };
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
    if (audit != null) {
      audit.close();
    }
    LOG.info("stopped ({})", clean ? "all connections finished" : "drain timeout: remaining connections closed");
  }
}
