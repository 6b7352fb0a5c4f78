package io.oneinfra.proxy;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;

/**
 * Wires an accepted connection: refuse it when stopping or every authenticated slot is taken, else enter it in the
 * pre-authentication budget, then the pending-handshake guard (which adds TLS with the first byte) and the frontend
 * handler.
 */
final class FrontendInitializer extends ChannelInitializer<SocketChannel> {
  /** The TLS handler's name in the client pipeline. */
  static final String TLS = "tls";

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
    PendingHandshake pending = new PendingHandshake(proxy, ch, admission.budget().limits());
    admission.pending(pending);
    // the TLS handler goes between the two with the first byte (see PendingHandshake)
    ch.pipeline()
        .addLast("preauth", pending)
        .addLast("relay", new FrontendHandler(proxy, pending));
  }
}
