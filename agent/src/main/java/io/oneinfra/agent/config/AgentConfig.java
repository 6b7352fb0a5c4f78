package io.oneinfra.agent.config;

import io.oneinfra.agent.log.LogFormat;
import io.oneinfra.agent.pki.KeyType;
import io.oneinfra.proxy.AccessPolicy;
import io.oneinfra.proxy.Address;
import io.oneinfra.proxy.PreAuthLimits;
import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.proxy.Transport;
import io.oneinfra.proxy.cri.CriSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The agent's configuration, as read from YAML. Absent keys take the defaults documented in docs/CONFIGURATION.md.
 *
 * @param stateDir where the agent keeps its PKI (created with mode 0700)
 * @param proxy the mTLS proxy in front of the CRI socket
 * @param tls where the proxy's certificates come from
 * @param access who may pass beyond a certificate from the client CA
 * @param hypervisor this host's identity as published to oneinfra
 * @param status the HTTP status endpoint and health checks
 * @param log log format and levels
 * @param registration how the Hypervisor object reaches the management cluster
 * @param cri the CRI gateway ({@code proxy.mode: cri}): bridging, limits, method authorization, audit
 */
public record AgentConfig(Path stateDir, Proxy proxy, Tls tls, Access access, Hypervisor hypervisor, Status status,
    Log log, Registration registration, CriConfig cri) {

  public AgentConfig {
    stateDir = Objects.requireNonNullElse(stateDir, Path.of("/var/lib/oneinfra-agent"));
    proxy = Objects.requireNonNullElse(proxy, new Proxy(null, null, null, null, null, null, null, null, null, null,
        null, null, null, null));
    tls = Objects.requireNonNullElse(tls, new Tls(null, null, null, null, null, null, null, null, null, null));
    access = Objects.requireNonNullElse(access, new Access(null, null));
    hypervisor = Objects.requireNonNullElse(hypervisor, new Hypervisor(null, null, null, null, null));
    status = Objects.requireNonNullElse(status, new Status(null, null, null, null));
    log = Objects.requireNonNullElse(log, new Log(null, null, null));
    registration = Objects.requireNonNullElse(registration, Registration.defaults());
    cri = Objects.requireNonNullElse(cri, CriConfig.defaults());
  }

  /** The proxy's settings: the {@code proxy} section with the gateway's limits from {@code cri}. */
  public ProxySettings proxySettings() {
    return proxy.settings(cri.settings());
  }

  /** A config with every default. */
  public static AgentConfig defaults() {
    return new AgentConfig(null, null, null, null, null, null, null, null, null);
  }

  /** This config with per-host overrides (flags, environment) applied; null leaves a value as it is. */
  public AgentConfig withOverrides(Path stateDirOverride, Address listen, Address backend, String name,
      String ipAddress) {
    Proxy p = proxy;
    Proxy newProxy = new Proxy(listen != null ? listen : p.listen(), backend != null ? backend : p.backend(),
        p.maxConnections(), p.handshakeTimeout(), p.connectTimeout(), p.idleTimeout(), p.maxLifetime(),
        p.drainTimeout(), p.drainIdleGrace(), p.transport(), p.tlsProvider(), p.ioThreads(), p.preauth(), p.mode());
    Hypervisor h = hypervisor;
    Hypervisor newHypervisor = new Hypervisor(name != null ? name : h.name(),
        ipAddress != null ? ipAddress : h.ipAddress(), h.isPublic(), h.portRange(), h.controllerAddress());
    return new AgentConfig(stateDirOverride != null ? stateDirOverride : stateDir, newProxy, tls, access,
        newHypervisor, status, log, registration, cri);
  }

  /**
   * The {@code status} section.
   *
   * @param enabled whether to serve /healthz, /readyz and /metrics
   * @param listen where (default loopback only)
   * @param criCheckInterval how often the CRI socket is asked for its version
   * @param jmx also expose the metrics as MBeans of the platform MBean server (default false: starting JMX costs
   *     start-up time and a few MiB of memory, and /metrics already has them)
   */
  public record Status(Boolean enabled, Address listen, Duration criCheckInterval, Boolean jmx) {
    public Status {
      jmx = Objects.requireNonNullElse(jmx, false);
      enabled = Objects.requireNonNullElse(enabled, true);
      listen = Objects.requireNonNullElse(listen, new Address.Tcp("127.0.0.1", 7444));
      criCheckInterval = Objects.requireNonNullElse(criCheckInterval, Duration.ofSeconds(5));
      if (!(listen instanceof Address.Tcp)) {
        throw new IllegalArgumentException("status.listen: " + listen + " must be HOST:PORT");
      }
      if (criCheckInterval.isZero()) {
        throw new IllegalArgumentException("status.criCheckInterval: must be more than zero");
      }
    }
  }

  /**
   * The {@code registration} section: how the management cluster learns about this hypervisor.
   *
   * @param mode {@code none} (nothing published), {@code file} (default: the manifest in stateDir/hypervisor.yaml,
   *     applied by the operator) or {@code kubernetes} (the agent creates and updates the Hypervisor object and
   *     renews a Lease itself)
   * @param kubeconfig kubernetes: the kubeconfig file (default: {@code stateDir/kubeconfig}, which {@code join} writes)
   * @param namespace kubernetes: where the Lease lives (default {@code oneinfra-system}; the operator creates it)
   * @param leaseDurationSeconds kubernetes: the Lease's {@code leaseDurationSeconds} (default 40)
   * @param renewInterval kubernetes: how often the Lease is renewed, with up to 10% jitter (default 10s)
   * @param resyncInterval kubernetes: how often the Hypervisor object is re-read and corrected (default 5m)
   * @param recreate kubernetes: recreate the Hypervisor when someone deleted it (default true)
   * @param firstSyncDelay kubernetes: the first sync waits a random time up to this, so a fleet restarting together
   *     does not stampede the API server (default 30s: a restart costs three requests, spread over three renew
   *     intervals; 0 syncs at once)
   * @param backoffInitial kubernetes: the first retry delay after a failure, doubled on each further one (100ms)
   * @param backoffMax kubernetes: the retry delay's cap (30s)
   * @param certificateRenewal kubernetes: renew the kubeconfig's embedded hypervisor client certificate (the one
   *     {@code join} got) with a new CSR before 2/3 of its life (default true)
   * @param renewalBackoffMax kubernetes: the cap of the renewal's retry delay, which starts at backoffInitial
   *     (default 5m: each retry may file a new CSR)
   */
  public record Registration(Mode mode, Path kubeconfig, String namespace, Integer leaseDurationSeconds,
      Duration renewInterval, Duration resyncInterval, Boolean recreate, Duration firstSyncDelay,
      Duration backoffInitial, Duration backoffMax, Boolean certificateRenewal, Duration renewalBackoffMax) {
    /** The kubeconfig {@code join} writes in the state directory, and kubernetes mode's default. */
    public static final String JOINED_KUBECONFIG = "kubeconfig";

    /** Where the Hypervisor object goes. */
    public enum Mode {
      NONE,
      FILE,
      KUBERNETES;

      /** The mode as written in the config. */
      public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
      }
    }

    public Registration {
      mode = Objects.requireNonNullElse(mode, Mode.FILE);
      namespace = Objects.requireNonNullElse(namespace, "oneinfra-system");
      leaseDurationSeconds = Objects.requireNonNullElse(leaseDurationSeconds, 40);
      renewInterval = Objects.requireNonNullElse(renewInterval, Duration.ofSeconds(10));
      resyncInterval = Objects.requireNonNullElse(resyncInterval, Duration.ofMinutes(5));
      recreate = Objects.requireNonNullElse(recreate, true);
      firstSyncDelay = Objects.requireNonNullElse(firstSyncDelay, Duration.ofSeconds(30));
      backoffInitial = Objects.requireNonNullElse(backoffInitial, Duration.ofMillis(100));
      backoffMax = Objects.requireNonNullElse(backoffMax, Duration.ofSeconds(30));
      certificateRenewal = Objects.requireNonNullElse(certificateRenewal, true);
      renewalBackoffMax = Objects.requireNonNullElse(renewalBackoffMax, Duration.ofMinutes(5));
      if (!namespace.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
        throw new IllegalArgumentException("registration.namespace: '" + namespace + "' is not a namespace name");
      }
      if (leaseDurationSeconds < 1) {
        throw new IllegalArgumentException("registration.leaseDurationSeconds: must be at least 1");
      }
      if (renewInterval.isZero() || resyncInterval.isZero() || backoffInitial.isZero()) {
        throw new IllegalArgumentException(
            "registration.renewInterval, resyncInterval and backoffInitial: must be more than zero");
      }
      if (backoffMax.compareTo(backoffInitial) < 0 || renewalBackoffMax.compareTo(backoffInitial) < 0) {
        throw new IllegalArgumentException(
            "registration.backoffMax and renewalBackoffMax: must not be less than backoffInitial");
      }
      if (renewInterval.toSeconds() >= leaseDurationSeconds) {
        throw new IllegalArgumentException("registration.renewInterval: " + renewInterval
            + " must be shorter than leaseDurationSeconds (" + leaseDurationSeconds + "s)");
      }
    }

    /** Every default: {@code file} mode. */
    public static Registration defaults() {
      return new Registration(null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * How long a request to the API may take: 10 s, or the Lease's duration when shorter, as kubelet's heartbeat
     * client has it (the shorter of its 10 s status update frequency and the Lease's duration): a renewal answered
     * after the Lease expired is no use.
     */
    public Duration requestTimeout() {
      return Duration.ofSeconds(Math.min(10, leaseDurationSeconds));
    }

    /** The kubeconfig kubernetes mode uses: {@code kubeconfig} when set, else {@code stateDir/kubeconfig}. */
    public Path kubeconfigIn(Path stateDir) {
      return kubeconfig != null ? kubeconfig : stateDir.resolve(JOINED_KUBECONFIG);
    }

    /** This section with {@code kubeconfig} set to {@code path}. */
    public Registration withKubeconfig(Path path) {
      return new Registration(mode, path, namespace, leaseDurationSeconds, renewInterval, resyncInterval, recreate,
          firstSyncDelay, backoffInitial, backoffMax, certificateRenewal, renewalBackoffMax);
    }
  }

  /**
   * The {@code log} section; reloadable with SIGHUP.
   *
   * @param level root level: error, warn, info, debug, trace
   * @param format auto (journal under systemd, else console), console, journal, json
   * @param connections one line per closed connection
   */
  public record Log(String level, LogFormat format, Boolean connections) {
    public Log {
      level = Objects.requireNonNullElse(level, "info");
      format = Objects.requireNonNullElse(format, LogFormat.AUTO);
      connections = Objects.requireNonNullElse(connections, true);
    }
  }

  /**
   * The {@code hypervisor} section: what the Hypervisor object says about this host.
   *
   * @param name object name (default: the host name, normalised to DNS-1123)
   * @param ipAddress the address the controller dials (default: detected; loopback only when set here)
   * @param isPublic whether public components may run here
   * @param portRange ports the controller may allocate
   * @param controllerAddress the controller's API server {@code host:port}, used to pick the address facing it
   */
  public record Hypervisor(String name, String ipAddress,
      @com.fasterxml.jackson.annotation.JsonProperty("public") Boolean isPublic, Ports portRange,
      String controllerAddress) {

    public boolean publicRole() {
      return Boolean.TRUE.equals(isPublic);
    }

    public Ports ports() {
      return portRange == null ? new Ports(30000, 32767) : portRange;
    }
  }

  /**
   * A port range as written in YAML.
   *
   * @param low first port
   * @param high last port
   */
  public record Ports(Integer low, Integer high) {}

  /**
   * The {@code access} section.
   *
   * @param allow allow lists; empty means any certificate from the client CA
   * @param crl a PEM file of CRLs (one per client CA issuer); revoked client certificates are refused
   */
  public record Access(Allow allow, Path crl) {
    public Access {
      allow = Objects.requireNonNullElse(allow, new Allow(null, null, null, null, null));
    }
  }

  /**
   * Allow lists: a client passes when it matches any entry of any list.
   *
   * @param commonNames subject CNs
   * @param organizationalUnits subject OUs
   * @param dnsNames DNS SANs
   * @param uris URI SANs
   * @param spkiSha256 SHA-256 pins (hex) of the certificate's public key info
   */
  public record Allow(List<String> commonNames, List<String> organizationalUnits, List<String> dnsNames,
      List<String> uris, List<String> spkiSha256) {
    public Allow {
      commonNames = commonNames == null ? List.of() : List.copyOf(commonNames);
      organizationalUnits = organizationalUnits == null ? List.of() : List.copyOf(organizationalUnits);
      dnsNames = dnsNames == null ? List.of() : List.copyOf(dnsNames);
      uris = uris == null ? List.of() : List.copyOf(uris);
      spkiSha256 = spkiSha256 == null ? List.of() : List.copyOf(spkiSha256);
    }

    /** These lists as the proxy's policy, without revocation lists. */
    public AccessPolicy toPolicy() {
      return new AccessPolicy(Set.copyOf(commonNames), Set.copyOf(organizationalUnits), Set.copyOf(dnsNames),
          Set.copyOf(uris), Set.copyOf(spkiSha256), List.of());
    }
  }

  /**
   * The {@code proxy} section.
   *
   * @param listen {@code HOST:PORT} clients connect to
   * @param backend the CRI socket, {@code unix:/path} (or {@code HOST:PORT})
   * @param maxConnections concurrent client connections
   * @param handshakeTimeout TLS handshake deadline
   * @param connectTimeout backend connect deadline
   * @param idleTimeout close connections quiet this long (0 = never)
   * @param maxLifetime close connections open this long (0 = never)
   * @param drainTimeout on stop, how long open connections may finish
   * @param drainIdleGrace on stop, l4 connections quiet this long are closed (0 = wait for the client)
   * @param transport {@code auto}, {@code epoll} or {@code nio}
   * @param tlsProvider {@code auto}, {@code openssl} or {@code jdk}
   * @param ioThreads event loop threads (0 = one per core)
   * @param preauth the budget for connections still in their handshake; reloadable with SIGHUP
   * @param mode {@code cri} (default: the CRI gateway, see the {@code cri} section) or {@code l4} (raw relay)
   */
  public record Proxy(Address listen, Address backend, Integer maxConnections, Duration handshakeTimeout,
      Duration connectTimeout, Duration idleTimeout, Duration maxLifetime, Duration drainTimeout,
      Duration drainIdleGrace, Transport.Preference transport, ProxySettings.TlsProvider tlsProvider,
      Integer ioThreads, Preauth preauth, ProxySettings.Mode mode) {

    public Proxy {
      preauth = Objects.requireNonNullElse(preauth, new Preauth(null, null, null));
    }

    /** This section with another {@code preauth}: what a reload compares to tell restart-only changes apart. */
    public Proxy withPreauth(Preauth other) {
      return new Proxy(listen, backend, maxConnections, handshakeTimeout, connectTimeout, idleTimeout, maxLifetime,
          drainTimeout, drainIdleGrace, transport, tlsProvider, ioThreads, other, mode);
    }

    /** Validated proxy settings with defaults filled in, and the gateway's default limits. */
    public ProxySettings settings() {
      return settings(CriSettings.DEFAULTS);
    }

    /** Validated proxy settings with defaults filled in, and {@code cri} as the gateway's limits. */
    public ProxySettings settings(CriSettings cri) {
      Address listenAddress = Objects.requireNonNullElse(listen, Address.parse("proxy.listen", "0.0.0.0:7443"));
      if (!(listenAddress instanceof Address.Tcp tcp)) {
        throw new IllegalArgumentException("proxy.listen: " + listenAddress + " must be HOST:PORT, not a unix socket");
      }
      ProxySettings.Builder b = ProxySettings.builder(tcp, backend != null ? backend : detectedBackend());
      if (maxConnections != null) {
        b.maxConnections(maxConnections);
      }
      if (handshakeTimeout != null) {
        b.handshakeTimeout(handshakeTimeout);
      }
      if (connectTimeout != null) {
        b.connectTimeout(connectTimeout);
      }
      if (idleTimeout != null) {
        b.idleTimeout(idleTimeout);
      }
      if (maxLifetime != null) {
        b.maxLifetime(maxLifetime);
      }
      if (drainTimeout != null) {
        b.drainTimeout(drainTimeout);
      }
      if (drainIdleGrace != null) {
        b.drainIdleGrace(drainIdleGrace);
      }
      if (transport != null) {
        b.transport(transport);
      }
      if (tlsProvider != null) {
        b.tlsProvider(tlsProvider);
      }
      if (ioThreads != null) {
        b.ioThreads(ioThreads);
      }
      return b.preAuth(preauth.limits()).mode(mode != null ? mode : ProxySettings.Mode.CRI).cri(cri).build();
    }
  }

  /**
   * The {@code proxy.preauth} section: connections that have not finished their TLS handshake, budgeted apart from
   * {@code proxy.maxConnections}; reloadable with SIGHUP.
   *
   * @param maxHandshakes handshakes in progress at once; when full, the oldest of the source holding the most is closed
   * @param maxHandshakesPerSource handshakes in progress at once from one IPv4 address or IPv6 /64; when full, that
   *     source's oldest is closed
   * @param firstByteTimeout a connection that has sent nothing by then is closed
   */
  public record Preauth(Integer maxHandshakes, Integer maxHandshakesPerSource, Duration firstByteTimeout) {
    public Preauth {
      maxHandshakes = Objects.requireNonNullElse(maxHandshakes, PreAuthLimits.DEFAULTS.maxHandshakes());
      maxHandshakesPerSource = Objects.requireNonNullElse(maxHandshakesPerSource,
          PreAuthLimits.DEFAULTS.maxHandshakesPerSource());
      firstByteTimeout = Objects.requireNonNullElse(firstByteTimeout, PreAuthLimits.DEFAULTS.firstByteTimeout());
    }

    /** The validated limits. */
    public PreAuthLimits limits() {
      return new PreAuthLimits(maxHandshakes, maxHandshakesPerSource, firstByteTimeout);
    }
  }

  /** The CRI sockets tried, in order, when {@code proxy.backend} is not set. */
  public static final List<Path> KNOWN_CRI_SOCKETS = List.of(Path.of("/run/containerd/containerd.sock"),
      Path.of("/run/crio/crio.sock"));

  /** The first known CRI socket that exists, else containerd's (the agent then reports it missing). */
  static Address detectedBackend() {
    return new Address.Unix(KNOWN_CRI_SOCKETS.stream().filter(java.nio.file.Files::exists).findFirst()
        .orElse(KNOWN_CRI_SOCKETS.get(0)));
  }

  /**
   * The {@code tls} section.
   *
   * @param mode {@code generate} (the agent's own PKI in the state dir) or {@code files} (the operator's)
   * @param keyType {@code ec-p256} or {@code rsa-2048} for generated keys
   * @param serverNames extra IPs/DNS names for a generated server certificate
   * @param serverCertificateLifetime lifetime of a generated server certificate; re-issued at 2/3 of it
   * @param certificate files mode: the server certificate chain (PEM)
   * @param privateKey files mode: its PKCS#8 key (PEM, mode 0600)
   * @param clientCA files mode: the CA bundle client certificates must chain to
   * @param clientCertificate files mode, optional: the controller's client certificate, to publish in the manifest
   * @param clientPrivateKey files mode, optional: its key
   * @param checkInterval how often to check whether the server certificate is due or the IP changed
   */
  public record Tls(Mode mode, KeyType keyType, List<String> serverNames, Duration serverCertificateLifetime,
      Path certificate, Path privateKey, Path clientCA, Path clientCertificate, Path clientPrivateKey,
      Duration checkInterval) {
    /** Where certificates come from. */
    public enum Mode {
      GENERATE,
      FILES
    }


    public Tls {
      mode = Objects.requireNonNullElse(mode, Mode.GENERATE);
      keyType = Objects.requireNonNullElse(keyType, KeyType.EC_P256);
      serverNames = serverNames == null ? List.of() : List.copyOf(serverNames);
      serverCertificateLifetime = Objects.requireNonNullElse(serverCertificateLifetime, Duration.ofDays(365));
      checkInterval = Objects.requireNonNullElse(checkInterval, Duration.ofMinutes(1));
      if (checkInterval.isZero()) {
        throw new IllegalArgumentException("tls.checkInterval: must be more than zero");
      }
      if (serverCertificateLifetime.compareTo(Duration.ofMinutes(1)) < 0) {
        throw new IllegalArgumentException("tls.serverCertificateLifetime: " + serverCertificateLifetime
            + " is shorter than the 1m minimum");
      }
      if ((clientCertificate == null) != (clientPrivateKey == null)) {
        throw new IllegalArgumentException("tls.clientCertificate and tls.clientPrivateKey: set both or neither");
      }
      if (mode == Mode.FILES) {
        require("tls.certificate", certificate);
        require("tls.privateKey", privateKey);
        require("tls.clientCA", clientCA);
      }
    }

    private static void require(String field, Path value) {
      if (value == null) {
        throw new IllegalArgumentException(field + ": required when tls.mode is files");
      }
    }
  }
}
