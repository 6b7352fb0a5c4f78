package io.oneinfra.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.oneinfra.proxy.cri.ClientIdentity;
import io.oneinfra.proxy.cri.CriGateway;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The client side: waits for a successful handshake, and only then connects the backend and relays bytes to it.
 *
 * <p>Nothing reaches the backend, not even a connection, before the client certificate has been verified.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
  private static final Pattern CN = Pattern.compile("(?:^|,)CN=((?:[^,\\\\]|\\\\.)*)");

  private final ProxyContext proxy;
  private final PendingHandshake pending;
  private Connection connection;

  FrontendHandler(ProxyContext proxy, PendingHandshake pending) {
    this.proxy = proxy;
    this.pending = pending;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    connection = new Connection(proxy, ctx.channel());
    ctx.read(); // AUTO_READ is off: the handshake needs the first read
    ctx.fireChannelActive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent handshake) {
      proxy.metrics.handshakeTime.update(System.nanoTime() - connection.acceptedNanos(), TimeUnit.NANOSECONDS);
      if (handshake.isSuccess()) {
        if (!proxy.admission.authenticated(pending)) {
          refuseAuthenticated(ctx);
        } else {
          X509Certificate leaf = peerCertificate(ctx);
          connection.authenticated(leaf == null ? "cn=?" : peerName(leaf));
          connectBackend(ctx, leaf);
        }
      } else {
        refuse(ctx, handshake.cause());
      }
    } else if (evt instanceof SslCloseCompletionEvent || evt instanceof ChannelInputShutdownEvent) {
      connection.frontendInputClosed();
    }
    ctx.fireUserEventTriggered(evt);
  }

  private void refuse(ChannelHandlerContext ctx, Throwable cause) {
    HandshakeFailure reason = pending.closedBy();
    if (reason == null) {
      reason = HandshakeFailure.classify(cause);
      if (reason == HandshakeFailure.TIMEOUT) {
        proxy.metrics.handshakeTimeouts.mark();
      }
    }
    proxy.metrics.handshakeFailure(reason).mark();
    proxy.handshakeLog.warn("refused handshake from {}: {} ({})", connection.remote(), reason.metricName(),
        HandshakeFailure.detail(cause));
    ctx.close();
  }

  // authenticated, but evicted or drained meanwhile, or every authenticated slot is taken
  private void refuseAuthenticated(ChannelHandlerContext ctx) {
    if (pending.closedBy() == null) {
      proxy.refused(connection.remote());
    }
    ctx.close();
  }

  private void connectBackend(ChannelHandlerContext ctx, X509Certificate leaf) {
    long start = System.nanoTime();
    CriGateway.Pair gateway = proxy.gateway == null || leaf == null ? null
        : proxy.gateway.newPair(ClientIdentity.of(leaf, commonName(leaf), connection.remote()), connection,
            proxy.settings.drainTimeout().toMillis());
    ChannelHandler backendHandler = gateway != null ? gateway.runtimeSide() : new BackendHandler(connection);
    ChannelFuture connect = proxy.backendBootstrap(ctx.channel())
        .handler(backendHandler)
        .connect(proxy.backendAddress);
    connect.addListener((ChannelFuture f) -> {
      proxy.metrics.backendConnect.update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      if (f.isSuccess() && gateway != null) {
        connection.joinedGateway(f.channel(), gateway.clientSide());
      } else if (f.isSuccess()) {
        connection.joined(f.channel());
      } else {
        proxy.metrics.backendUnavailable.mark();
        proxy.backendLog.warn("backend {} unavailable: {}; closed connection from {} {}", proxy.settings.backend(),
            HandshakeFailure.detail(f.cause()), connection.remote(), connection.peer());
        ctx.close();
      }
    });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    connection.fromFrontend((ByteBuf) msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    connection.flushToBackend();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    connection.writabilityChanged(ctx.channel());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    connection.frontendClosed();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // handshake failures are reported by the completion event; the rest are I/O errors on a relayed connection
    if (connection != null && connection.authenticated() && ProxyContext.ERRORS.isDebugEnabled()) {
      ProxyContext.ERRORS.debug("error on connection from {} {}: {}", connection.remote(), connection.peer(),
          cause.toString());
    }
    if (connection != null) {
      connection.close("error");
    } else {
      ctx.close();
    }
  }

  /** The verified client certificate, or null when the session has none (never after a successful handshake). */
  private static X509Certificate peerCertificate(ChannelHandlerContext ctx) {
    try {
      Certificate[] chain = ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
      return (X509Certificate) chain[0];
    } catch (SSLPeerUnverifiedException | RuntimeException e) {
      return null;
    }
  }

  /** {@code cn=NAME} of the verified client certificate, for log lines. */
  private static String peerName(X509Certificate leaf) {
    String cn = commonName(leaf);
    return cn != null ? "cn=" + cn : "subject=" + leaf.getSubjectX500Principal().getName();
  }

  private static String commonName(X509Certificate leaf) {
    Matcher m = CN.matcher(leaf.getSubjectX500Principal().getName());
    return m.find() ? m.group(1) : null;
  }
}
