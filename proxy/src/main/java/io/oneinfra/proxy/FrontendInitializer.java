package io.oneinfra.proxy;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;

/**
 * Wires an accepted connection: refuse it when stopping or every authenticated slot is taken, else enter it in the
 * pre-authentication budget, then the pending-handshake guard, TLS and the frontend handler.
 */
final class FrontendInitializer extends ChannelInitializer<SocketChannel> {
  private final ProxyContext proxy;

  FrontendInitializer(ProxyContext proxy) {
    this.proxy = proxy;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    proxy.metrics.accepted.mark();
    Admission admission = proxy.admission;
    if (!admission.accepting()) {
      proxy.refused(Units.address(ch.remoteAddress()));
      ch.close();
      return;
    }
    SslHandler tls = proxy.tls.newHandler(ch.alloc(), proxy.settings.handshakeTimeout().toMillis());
    PendingHandshake pending = new PendingHandshake(proxy, ch, tls, admission.budget().limits());
    admission.pending(pending);
    ch.pipeline()
        .addLast("preauth", pending)
        .addLast("tls", tls)
        .addLast("relay", new FrontendHandler(proxy, pending));
  }
}
