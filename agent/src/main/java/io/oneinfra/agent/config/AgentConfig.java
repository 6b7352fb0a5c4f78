package io.oneinfra.agent.config;

import io.oneinfra.proxy.Address;
import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.proxy.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The agent's configuration, as read from YAML. Absent keys take the defaults documented in README.md.
 *
 * @param stateDir where the agent keeps its PKI (created with mode 0700)
 * @param proxy the mTLS proxy in front of the CRI socket
 * @param tls where the proxy's certificates come from
 */
public record AgentConfig(Path stateDir, Proxy proxy, Tls tls) {

  public AgentConfig {
    stateDir = Objects.requireNonNullElse(stateDir, Path.of("/var/lib/oneinfra-agent"));
    proxy = Objects.requireNonNullElse(proxy, new Proxy(null, null, null, null, null, null, null, null, null, null,
        null));
    tls = Objects.requireNonNullElse(tls, new Tls(null, null, null, null, null));
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
   * @param transport {@code auto}, {@code epoll} or {@code nio}
   * @param tlsProvider {@code auto}, {@code openssl} or {@code jdk}
   * @param ioThreads event loop threads (0 = one per core)
   */
  public record Proxy(Address listen, Address backend, Integer maxConnections, Duration handshakeTimeout,
      Duration connectTimeout, Duration idleTimeout, Duration maxLifetime, Duration drainTimeout,
      Transport.Preference transport, ProxySettings.TlsProvider tlsProvider, Integer ioThreads) {

    /** Validated proxy settings with defaults filled in. */
    public ProxySettings settings() {
      Address listenAddress = Objects.requireNonNullElse(listen, Address.parse("proxy.listen", "0.0.0.0:7443"));
      if (!(listenAddress instanceof Address.Tcp tcp)) {
        throw new IllegalArgumentException("proxy.listen: " + listenAddress + " must be HOST:PORT, not a unix socket");
      }
      ProxySettings.Builder b = ProxySettings.builder(tcp,
          Objects.requireNonNullElse(backend, Address.parse("proxy.backend", "unix:/run/containerd/containerd.sock")));
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
      if (transport != null) {
        b.transport(transport);
      }
      if (tlsProvider != null) {
        b.tlsProvider(tlsProvider);
      }
      if (ioThreads != null) {
        b.ioThreads(ioThreads);
      }
      return b.build();
    }
  }

  /**
   * The {@code tls} section.
   *
   * @param mode {@code generate} (the agent's own PKI in the state dir) or {@code files} (the operator's)
   * @param serverNames extra IPs/DNS names for a generated server certificate
   * @param certificate files mode: the server certificate chain (PEM)
   * @param privateKey files mode: its PKCS#8 key (PEM, mode 0600)
   * @param clientCA files mode: the CA bundle client certificates must chain to
   */
  public record Tls(Mode mode, List<String> serverNames, Path certificate, Path privateKey, Path clientCA) {
    /** Where certificates come from. */
    public enum Mode {
      GENERATE,
      FILES
    }

    public Tls {
      mode = Objects.requireNonNullElse(mode, Mode.GENERATE);
      serverNames = serverNames == null ? List.of() : List.copyOf(serverNames);
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
