package io.oneinfra.proxy;

import com.codahale.metrics.MetricRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.oneinfra.proxy.cri.CallListener;
import io.oneinfra.proxy.cri.CriGateway;
import io.oneinfra.proxy.cri.MethodPolicy;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running proxy: listens, admits handshakes within the pre-authentication budget and authenticated connections up
 * to the connection limit, relays, and drains authenticated connections on close.
 */
public final class ProxyServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);

  private final ProxySettings settings;
  private final Transport transport;
  private final ServerTls tls;
  private final EventLoopGroup group;
  private final CriGateway gateway;
  private Admission admission;
  private Channel listener;

  private ProxyServer(ProxySettings settings, ServerTls tls, CriGateway gateway) {
    this.settings = settings;
    this.gateway = settings.mode() == ProxySettings.Mode.CRI
        ? (gateway != null ? gateway : new CriGateway(settings.cri(), MethodPolicy.CONTROLLER, CallListener.NONE, false))
        : null;
    this.transport = Transport.select(settings.transport());
    this.tls = tls;
    this.group = transport.newGroup(settings.effectiveIoThreads(), new DefaultThreadFactory("proxy-io", true));
  }

  /**
   * Binds the listen address and starts serving.
   *
   * @throws IOException when the address cannot be bound, naming it and the reason
   */
  public static ProxyServer start(ProxySettings settings, ServerTls tls, MetricRegistry registry)
      throws IOException {
    return start(settings, tls, registry, OptionalInt.empty());
  }

  /**
   * Starts serving on a listening socket inherited from systemd (socket activation) when {@code inheritedFd} is set,
   * else binds {@code settings.listen()}.
   *
   * @throws IOException when the address cannot be bound or the descriptor cannot be adopted
   */
  public static ProxyServer start(ProxySettings settings, ServerTls tls, MetricRegistry registry,
      OptionalInt inheritedFd) throws IOException {
    return start(settings, tls, registry, inheritedFd, null);
  }

  /**
   * As {@link #start(ProxySettings, ServerTls, MetricRegistry, OptionalInt)}, with the CRI gateway to use in
   * {@code cri} mode (its method policy, bridging and call listener); null in cri mode means the controller profile
   * and no listener.
   *
   * @throws IOException when the address cannot be bound or the descriptor cannot be adopted
   */
  public static ProxyServer start(ProxySettings settings, ServerTls tls, MetricRegistry registry,
      OptionalInt inheritedFd, CriGateway gateway) throws IOException {
    ProxyServer server = new ProxyServer(settings, tls, gateway);
    try {
      server.bind(new ProxyMetrics(registry), inheritedFd);
    } catch (IOException | RuntimeException e) {
      server.group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
    return server;
  }

  private void bind(ProxyMetrics metrics, OptionalInt inheritedFd) throws IOException {
    admission = new Admission(settings.maxConnections(), new PreAuthBudget(settings.preAuth(), metrics));
    metrics.registerGauges(admission, settings.maxConnections());
    if (gateway != null) {
      gateway.register(metrics.registry());
    }
    ProxyContext context = new ProxyContext(settings, transport, tls, metrics, admission, gateway);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        // as deep as the kernel allows (net.core.somaxconn): a burst of connections waits rather than losing SYNs
        .option(ChannelOption.SO_BACKLOG, NetUtil.SOMAXCONN)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new FrontendInitializer(context));
    ChannelFuture future;
    if (inheritedFd.isPresent()) {
      if (transport != Transport.EPOLL) {
        throw new IOException("LISTEN_FDS: socket activation needs the epoll transport (proxy.transport)");
      }
      // the descriptor is already bound and listening: register it, do not bind
      int fd = inheritedFd.getAsInt();
      future = bootstrap.channelFactory(() -> new EpollServerSocketChannel(fd)).register().awaitUninterruptibly();
    } else {
      future = bootstrap.channel(transport.serverChannel()).bind(settings.listen().toSocketAddress())
          .awaitUninterruptibly();
    }
    if (!future.isSuccess()) {
      throw new IOException("proxy.listen: cannot listen on " + (inheritedFd.isPresent()
          ? "inherited descriptor " + inheritedFd.getAsInt() : settings.listen()) + ": "
          + future.cause().getMessage(), future.cause());
    }
    listener = future.channel();
    if (inheritedFd.isPresent() && !sameEndpoint(settings.listen(), localAddress())) {
      LOG.warn("proxy.listen is {} but the socket systemd passed listens on {}: serving there; keep ListenStream= of "
          + "oneinfra-agent.socket and proxy.listen in step", settings.listen(), Units.address(localAddress()));
    }
    LOG.info("proxy listening on {}{} for {} (mode {}, transport {}, tls {}, {} io threads)",
        Units.address(listener.localAddress()), inheritedFd.isPresent() ? " (socket activation)" : "",
        settings.backend(), settings.mode().name().toLowerCase(Locale.ROOT), transport.name().toLowerCase(Locale.ROOT),
        tls.provider().name().toLowerCase(Locale.ROOT), settings.effectiveIoThreads());
  }

  /** Whether {@code bound} is where {@code configured} says: the same port and address, any wildcard matching any. */
  static boolean sameEndpoint(Address.Tcp configured, InetSocketAddress bound) {
    InetSocketAddress wanted = configured.toSocketAddress();
    if (wanted.getPort() != bound.getPort() || wanted.isUnresolved() || bound.getAddress() == null) {
      return wanted.getPort() == bound.getPort() && wanted.getHostString().equals(bound.getHostString());
    }
    InetAddress want = wanted.getAddress();
    InetAddress have = bound.getAddress();
    return want.isAnyLocalAddress() && have.isAnyLocalAddress() || want.equals(have);
  }

  /** True when every event loop runs a task within {@code timeout}: the watchdog's liveness probe. */
  public boolean isResponsive(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Future<?>> probes = new ArrayList<>();
    for (EventExecutor loop : group) {
      probes.add(loop.submit(() -> { }));
    }
    for (Future<?> probe : probes) {
      if (!probe.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        return false;
      }
    }
    return listener.isActive();
  }

  /** The bound address (useful with port 0). */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) listener.localAddress();
  }

  /** The settings it runs with. */
  public ProxySettings settings() {
    return settings;
  }

  /** The transport in use. */
  public Transport transport() {
    return transport;
  }

  /** The TLS door, for swapping certificates at run time. */
  public ServerTls tls() {
    return tls;
  }

  /** The CRI gateway in {@code cri} mode, else empty. */
  public Optional<CriGateway> gateway() {
    return Optional.ofNullable(gateway);
  }

  /** Authenticated client connections open now (handshakes in progress are not counted). */
  public int openConnections() {
    return admission.authenticated();
  }

  /** Connections whose handshake is in progress now. */
  public int pendingHandshakes() {
    return admission.budget().pending();
  }

  /** The pre-authentication budget in force. */
  public PreAuthLimits preAuthLimits() {
    return admission.budget().limits();
  }

  /**
   * Swaps the pre-authentication budget at run time. Nothing is closed at once: new arrivals close pending
   * handshakes over a lowered limit, and the new first-byte deadline applies to connections accepted from now on.
   */
  public void updatePreAuthLimits(PreAuthLimits limits) {
    PreAuthLimits before = admission.budget().limits();
    admission.budget().update(limits);
    if (!before.equals(limits)) {
      LOG.info("pre-authentication budget now {} (was {})", limits, before);
    }
  }

  /**
   * Stops accepting and lets open connections finish: gateway connections send GOAWAY at once and close when their
   * calls are done; raw relays close when the client does or once quiet for {@code proxy.drainIdleGrace}.
   * Handshakes under way get {@code proxy.drainIdleGrace} to finish (and then drain as any connection). Waits up to
   * {@code timeout}, then closes what is left and stops the event loops. A second call finds it done.
   *
   * @return true when every connection ended before the timeout
   */
  public boolean drain(Duration timeout) {
    if (group.isShuttingDown()) {
      return admission.authenticated() == 0;
    }
    listener.close().awaitUninterruptibly();
    // connections accepted before the close are registered on their loops by tasks queued there: let those run, so
    // that each is admitted and served (they are this process's; under socket activation the next process gets the
    // ones still in the kernel's queue)
    if (!group.isShuttingDown()) {
      for (EventExecutor loop : group) {
        loop.submit(() -> { }).awaitUninterruptibly();
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    admission.startDrain(settings.drainIdleGrace(), group.next());
    admission.forEachAuthenticated(channel -> {
      Connection connection = channel.attr(Connection.KEY).get();
      if (connection != null) {
        connection.drain();
      }
    });
    boolean finished = admission.awaitIdle(deadline);
    if (!finished) {
      LOG.warn("drain timeout after {}: closing {} open connections", timeout, admission.authenticated());
      admission.closeAll();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    return finished;
  }

  /** Drains with the configured drain timeout. */
  @Override
  public void close() {
    drain(settings.drainTimeout());
  }
}
