package io.oneinfra.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection that has not finished its handshake: its place in the {@link PreAuthBudget}, the first-byte deadline,
 * and an immediate close on the client's FIN or RST. The TLS handler is added only when the first byte arrives, so a
 * connection that never sends one costs no TLS engine; this handler leaves once the handshake is done.
 */
final class PendingHandshake extends ChannelInboundHandlerAdapter {
  final Channel channel;
  final String source;
  private final ProxyContext proxy;
  private final long acceptedNanos = System.nanoTime();
  private final long firstByteTimeoutNanos;
  private volatile HandshakeFailure closedBy;
  private ScheduledFuture<?> firstByte;
  private SslHandler tls; // event loop only
  // budget bookkeeping, guarded by the budget's lock
  long sequence;
  boolean inBudget;

  PendingHandshake(ProxyContext proxy, Channel channel, PreAuthLimits limits) {
    this.proxy = proxy;
    this.channel = channel;
    this.source = PreAuthBudget.sourceOf(channel.remoteAddress());
    this.firstByteTimeoutNanos = limits.firstByteTimeout().toNanos();
  }

  /** Why the proxy closed this connection before its handshake was done, or null when it did not. */
  HandshakeFailure closedBy() {
    return closedBy;
  }

  /** Closes it now for {@code reason} (evicted, draining; from any thread); counted under that reason. */
  void abort(HandshakeFailure reason) {
    if (channel.eventLoop().inEventLoop()) {
      abortNow(reason);
    } else {
      channel.eventLoop().execute(() -> abortNow(reason));
    }
  }

  private void abortNow(HandshakeFailure reason) {
    if (closedBy != null || !channel.isOpen()) {
      return;
    }
    closedBy = reason;
    cancelFirstByte();
    if (tls == null) {
      // no handshake began, so no TLS failure will report it: count it here
      proxy.metrics.handshakeFailure(reason).mark();
      proxy.handshakeLog.warn("refused handshake from {}: {} (before its first byte)", Units.address(
          channel.remoteAddress()), reason.metricName());
    }
    channel.close();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    firstByte = ctx.executor().schedule(() -> {
      proxy.metrics.firstByteTimeouts.mark();
      abortNow(HandshakeFailure.TIMEOUT);
    }, Math.min(firstByteTimeoutNanos, proxy.settings.handshakeTimeout().toNanos()), TimeUnit.NANOSECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (tls == null) {
      cancelFirstByte();
      long left = proxy.settings.handshakeTimeout().toNanos() - (System.nanoTime() - acceptedNanos);
      tls = proxy.tls.newHandler(ctx.alloc(), Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      tls.handshakeFuture().addListener(f -> {
        if (ctx.pipeline().context(this) != null) {
          ctx.pipeline().remove(this);
        }
      });
      ctx.pipeline().addAfter(ctx.name(), FrontendInitializer.TLS, tls);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      // a client that sent FIN before its Finished message can never finish the handshake: free its slot now
      abortNow(HandshakeFailure.CLOSED);
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // only socket errors reach this handler (it sits before TLS): a reset during the handshake
    abortNow(HandshakeFailure.CLOSED);
  }

  private void cancelFirstByte() {
    if (firstByte != null) {
      firstByte.cancel(false);
      firstByte = null;
    }
  }
}
