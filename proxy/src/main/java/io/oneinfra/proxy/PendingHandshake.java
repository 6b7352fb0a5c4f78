package io.oneinfra.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection that has not finished its handshake: the first-byte deadline, an immediate close on the client's FIN or
 * RST, and its place in the {@link PreAuthBudget}. Sits before the TLS handler and leaves once the handshake is done.
 */
final class PendingHandshake extends ChannelInboundHandlerAdapter {
  final Channel channel;
  final String source;
  private final ProxyContext proxy;
  private final SslHandler tls;
  private final long firstByteTimeoutNanos;
  private volatile HandshakeFailure closedBy;
  private ScheduledFuture<?> firstByte;
  // budget bookkeeping, guarded by the budget's lock
  long sequence;
  boolean inBudget;

  PendingHandshake(ProxyContext proxy, Channel channel, SslHandler tls, PreAuthLimits limits) {
    this.proxy = proxy;
    this.channel = channel;
    this.tls = tls;
    this.source = PreAuthBudget.sourceOf(channel.remoteAddress());
    this.firstByteTimeoutNanos = limits.firstByteTimeout().toNanos();
  }

  /** Why the proxy closed this connection before its handshake was done, or null when it did not. */
  HandshakeFailure closedBy() {
    return closedBy;
  }

  /** Closes it now for {@code reason} (evicted, draining); the handshake then fails with that reason. */
  void abort(HandshakeFailure reason) {
    if (closedBy == null) {
      closedBy = reason;
    }
    channel.close();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    // leave the pipeline once the handshake is done either way: the relay pays nothing for this handler
    tls.handshakeFuture().addListener(f -> {
      cancelFirstByte();
      if (ctx.pipeline().context(this) != null) {
        ctx.pipeline().remove(this);
      }
    });
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    firstByte = ctx.executor().schedule(() -> {
      if (channel.isActive()) {
        proxy.metrics.firstByteTimeouts.mark();
        abort(HandshakeFailure.TIMEOUT);
      }
    }, firstByteTimeoutNanos, TimeUnit.NANOSECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    cancelFirstByte();
    ctx.fireChannelRead(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      // a client that sent FIN before its Finished message can never finish the handshake: free its slot now
      abort(HandshakeFailure.CLOSED);
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // only socket errors reach this handler (it sits before TLS): a reset during the handshake
    abort(HandshakeFailure.CLOSED);
  }

  private void cancelFirstByte() {
    if (firstByte != null) {
      firstByte.cancel(false);
      firstByte = null;
    }
  }
}
