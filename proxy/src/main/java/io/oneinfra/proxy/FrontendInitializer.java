package io.oneinfra.proxy;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;

/** Wires an accepted connection: refuse it when over the limit, else TLS then the frontend handler. */
final class FrontendInitializer extends ChannelInitializer<SocketChannel> {
  /** The TLS handler's name in the client pipeline. */
  static final String TLS = "tls";

  private final ProxyContext proxy;
  private final ConnectionCounter counter;

  /** Counts open client connections and says whether a new one may be served. */
  interface ConnectionCounter {
    /** Registers {@code channel}; false when it must be refused. */
    boolean admit(SocketChannel channel);
  }

  FrontendInitializer(ProxyContext proxy, ConnectionCounter counter) {
    this.proxy = proxy;
    this.counter = counter;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    proxy.metrics.accepted.mark();
    if (!counter.admit(ch)) {
      proxy.metrics.refused.mark();
      proxy.refusedLog.warn("refused connection from {}: limit of {} connections reached, or draining",
          Units.address(ch.remoteAddress()), proxy.settings.maxConnections());
      ch.close();
      return;
    }
    ch.pipeline()
        .addLast(TLS, proxy.tls.newHandler(ch.alloc(), proxy.settings.handshakeTimeout().toMillis()))
        .addLast("relay", new FrontendHandler(proxy));
  }
}
