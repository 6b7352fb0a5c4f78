package io.oneinfra.proxy;

import io.oneinfra.proxy.cri.CriSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * The proxy's immutable settings; build with {@link #builder(Address, Address)}.
 *
 * @param listen where clients connect (TCP)
 * @param backend where authenticated bytes go ({@code unix:/path} or {@code HOST:PORT})
 * @param maxConnections concurrent authenticated client connections; more are closed at once, and counted
 * @param handshakeTimeout a TLS handshake not done by then is abandoned
 * @param connectTimeout how long to wait for the backend to accept
 * @param idleTimeout a connection with no bytes either way for this long is closed; zero disables it
 * @param maxLifetime a connection open this long is closed; zero disables it
 * @param drainTimeout on stop, how long open connections may finish before they are closed
 * @param drainIdleGrace on stop, an l4 connection with no bytes either way for this long is closed (its client has
 *     no call in flight as far as bytes tell); zero waits for the client to close it
 * @param transport epoll, NIO, or the best available
 * @param ioThreads event loop threads; zero means one per core
 * @param tlsProvider BoringSSL (openssl), the JDK, or the best available
 * @param preAuth the budget for connections still in their handshake, apart from {@code maxConnections}; the first
 *     value of one that {@link ProxyServer#updatePreAuthLimits} can swap
 * @param mode what happens after the handshake: raw bytes to the backend (l4) or the CRI gateway (cri)
 * @param cri the gateway's limits and bridging rule (used in cri mode)
 */
public record ProxySettings(
    Address.Tcp listen,
    Address backend,
    int maxConnections,
    Duration handshakeTimeout,
    Duration connectTimeout,
    Duration idleTimeout,
    Duration maxLifetime,
    Duration drainTimeout,
    Duration drainIdleGrace,
    Transport.Preference transport,
    int ioThreads,
    TlsProvider tlsProvider,
    PreAuthLimits preAuth,
    Mode mode,
    CriSettings cri) {

  /** What an authenticated connection is joined to. */
  public enum Mode {
    /** Raw bytes both ways, as haproxy's {@code mode tcp}. */
    L4,
    /** HTTP/2 terminated; each gRPC call authorized, audited, counted and bridged (see {@code proxy.cri}). */
    CRI
  }

  /** Which TLS implementation serves the handshake. */
  public enum TlsProvider {
    AUTO,
    OPENSSL,
    JDK
  }

  public ProxySettings {
    Objects.requireNonNull(listen, "proxy.listen");
    Objects.requireNonNull(backend, "proxy.backend");
    Objects.requireNonNull(transport, "proxy.transport");
    Objects.requireNonNull(tlsProvider, "proxy.tlsProvider");
    Objects.requireNonNull(preAuth, "proxy.preauth");
    Objects.requireNonNull(mode, "proxy.mode");
    Objects.requireNonNull(cri, "cri");
    if (maxConnections < 1) {
      throw new IllegalArgumentException("proxy.maxConnections: " + maxConnections + " must be at least 1");
    }
    if (ioThreads < 0) {
      throw new IllegalArgumentException("proxy.ioThreads: " + ioThreads + " must be 0 (one per core) or more");
    }
    positive("proxy.handshakeTimeout", handshakeTimeout);
    positive("proxy.connectTimeout", connectTimeout);
    notNegative("proxy.idleTimeout", idleTimeout);
    notNegative("proxy.maxLifetime", maxLifetime);
    notNegative("proxy.drainTimeout", drainTimeout);
    notNegative("proxy.drainIdleGrace", drainIdleGrace);
  }

  private static void positive(String field, Duration value) {
    Objects.requireNonNull(value, field);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + ": " + value + " must be more than zero");
    }
  }

  private static void notNegative(String field, Duration value) {
    Objects.requireNonNull(value, field);
    if (value.isNegative()) {
      throw new IllegalArgumentException(field + ": " + value + " must not be negative");
    }
  }

  /** Threads to run: the configured count or one per core. */
  public int effectiveIoThreads() {
    return ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
  }

  public static Builder builder(Address.Tcp listen, Address backend) {
    return new Builder(listen, backend);
  }

  /** Defaults chosen for a CRI socket: long-lived gRPC connections, few clients; the library relays raw bytes (l4). */
  public static final class Builder {
    private final Address.Tcp listen;
    private final Address backend;
    private int maxConnections = 4096;
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration idleTimeout = Duration.ZERO;
    private Duration maxLifetime = Duration.ZERO;
    private Duration drainTimeout = Duration.ofSeconds(30);
    private Duration drainIdleGrace = Duration.ofSeconds(2);
    private Transport.Preference transport = Transport.Preference.AUTO;
    private int ioThreads;
    private TlsProvider tlsProvider = TlsProvider.AUTO;
    private PreAuthLimits preAuth = PreAuthLimits.DEFAULTS;
    private Mode mode = Mode.L4;
    private CriSettings cri = CriSettings.DEFAULTS;

    private Builder(Address.Tcp listen, Address backend) {
      this.listen = listen;
      this.backend = backend;
    }

    public Builder maxConnections(int value) {
      this.maxConnections = value;
      return this;
    }

    public Builder handshakeTimeout(Duration value) {
      this.handshakeTimeout = value;
      return this;
    }

    public Builder connectTimeout(Duration value) {
      this.connectTimeout = value;
      return this;
    }

    public Builder idleTimeout(Duration value) {
      this.idleTimeout = value;
      return this;
    }

    public Builder maxLifetime(Duration value) {
      this.maxLifetime = value;
      return this;
    }

    public Builder drainTimeout(Duration value) {
      this.drainTimeout = value;
      return this;
    }

    public Builder drainIdleGrace(Duration value) {
      this.drainIdleGrace = value;
      return this;
    }

    public Builder transport(Transport.Preference value) {
      this.transport = value;
      return this;
    }

    public Builder ioThreads(int value) {
      this.ioThreads = value;
      return this;
    }

    public Builder tlsProvider(TlsProvider value) {
      this.tlsProvider = value;
      return this;
    }

    public Builder preAuth(PreAuthLimits value) {
      this.preAuth = value;
      return this;
    }

    public Builder mode(Mode value) {
      this.mode = value;
      return this;
    }

    public Builder cri(CriSettings value) {
      this.cri = value;
      return this;
    }

    public ProxySettings build() {
      return new ProxySettings(listen, backend, maxConnections, handshakeTimeout, connectTimeout, idleTimeout,
          maxLifetime, drainTimeout, drainIdleGrace, transport, ioThreads, tlsProvider, preAuth, mode, cri);
    }
  }
}
