package io.oneinfra.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.oneinfra.proxy.cri.CriGateway;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every connection of one proxy shares: settings, TLS, metrics, the backend bootstrap and the log switches.
 *
 * <p>Loggers are separate switches: {@code io.oneinfra.proxy.connections} (one line per relayed connection),
 * {@code io.oneinfra.proxy.handshake} (refused handshakes), {@code io.oneinfra.proxy.errors} (backend and I/O errors).
 */
final class ProxyContext {
  static final Logger CONNECTIONS = LoggerFactory.getLogger("io.oneinfra.proxy.connections");
  static final Logger HANDSHAKE = LoggerFactory.getLogger("io.oneinfra.proxy.handshake");
  static final Logger ERRORS = LoggerFactory.getLogger("io.oneinfra.proxy.errors");

  final ProxySettings settings;
  final ServerTls tls;
  final ProxyMetrics metrics;
  final SocketAddress backendAddress;
  /** The CRI gateway in {@code cri} mode, else null. */
  final CriGateway gateway;
  private final Bootstrap backendTemplate;
  final RateLimitedLog handshakeLog = new RateLimitedLog(HANDSHAKE, 1, TimeUnit.SECONDS);
  final RateLimitedLog backendLog = new RateLimitedLog(ERRORS, 10, TimeUnit.SECONDS);
  final RateLimitedLog refusedLog = new RateLimitedLog(ERRORS, 10, TimeUnit.SECONDS);
  /** Set once the proxy drains: a connection that joins its backend afterwards drains at once. */
  volatile boolean draining;

  ProxyContext(ProxySettings settings, Transport transport, ServerTls tls, ProxyMetrics metrics, CriGateway gateway) {
    this.settings = settings;
    this.gateway = gateway;
    this.tls = tls;
    this.metrics = metrics;
    this.backendAddress = transport.socketAddress(settings.backend());
    this.backendTemplate = new Bootstrap()
        .channel(transport.channel(settings.backend()))
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis());
    if (transport.backendHalfClosure(settings.backend())) {
      backendTemplate.option(ChannelOption.ALLOW_HALF_CLOSURE, true);
    }
  }

  /** A bootstrap for one backend connection, on the frontend's own event loop so the pair shares a thread. */
  Bootstrap backendBootstrap(Channel frontend) {
    return backendTemplate.clone(frontend.eventLoop());
  }
}
