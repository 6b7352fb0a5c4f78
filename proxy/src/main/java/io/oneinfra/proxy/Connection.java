package io.oneinfra.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.oneinfra.proxy.cri.CriGateway;
import io.oneinfra.proxy.cri.Traffic;
import java.util.ArrayDeque;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * One client connection and, once the client is authenticated, its backend connection: raw bytes both ways (l4), or
 * the CRI gateway's HTTP/2 handlers on both channels (cri).
 *
 * <p>All state is touched only on the frontend's event loop, which the backend channel shares.
 */
final class Connection implements Traffic {
  /** The connection of a client channel, for the drain. */
  static final AttributeKey<Connection> KEY = AttributeKey.valueOf(Connection.class, "connection");

  private final ProxyContext proxy;
  final Channel frontend;
  private Channel backend;
  private final long acceptedNanos = System.nanoTime();
  private long lastActivityNanos = acceptedNanos;
  private long bytesIn;
  private long bytesOut;
  private String peer = "-";
  private boolean frontendInputClosed;
  private boolean backendInputClosed;
  private String closeReason = "";
  private Queue<Object> early;
  private boolean gateway;
  private boolean draining;

  Connection(ProxyContext proxy, Channel frontend) {
    this.proxy = proxy;
    this.frontend = frontend;
    frontend.attr(KEY).set(this);
    ProxySettings settings = proxy.settings;
    if (!settings.maxLifetime().isZero()) {
      frontend.eventLoop().schedule(() -> timeout("lifetime"), settings.maxLifetime().toNanos(),
          TimeUnit.NANOSECONDS);
    }
    if (!settings.idleTimeout().isZero()) {
      frontend.eventLoop().schedule(this::checkIdle, settings.idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  long acceptedNanos() {
    return acceptedNanos;
  }

  boolean authenticated() {
    return !"-".equals(peer);
  }

  void authenticated(String peerName) {
    this.peer = peerName;
  }

  /** Called with the backend channel once it is connected; sends what arrived early. */
  void joined(Channel channel) {
    backend = channel;
    if (!frontend.isActive()) {
      channel.close();
      return;
    }
    proxy.metrics.relayed.mark();
    if (early != null) {
      for (Object msg; (msg = early.poll()) != null; ) {
        toBackend((ByteBuf) msg);
      }
      early = null;
    }
    backend.flush();
    if (frontendInputClosed) {
      shutdownOutput(backend);
    }
    // From here reads are driven by the peer's writability (see the handlers' channelWritabilityChanged).
    backend.config().setAutoRead(true);
    if (!frontendInputClosed) {
      frontend.config().setAutoRead(true);
    }
    lastActivityNanos = System.nanoTime(); // the quiet time the drain counts starts here, not at the handshake
    drainIfDraining();
  }

  /**
   * Called with the runtime channel once it is connected in cri mode: the gateway's client-side handler goes in after
   * TLS, and what arrived early is fed to it.
   */
  void joinedGateway(Channel channel, ChannelHandler clientSide) {
    backend = channel;
    gateway = true;
    if (!frontend.isActive()) {
      channel.close();
      return;
    }
    proxy.metrics.relayed.mark();
    frontend.pipeline().addAfter(FrontendInitializer.TLS, "cri", clientSide);
    if (early != null) {
      ChannelHandlerContext tls = frontend.pipeline().context(FrontendInitializer.TLS);
      for (Object msg; (msg = early.poll()) != null; ) {
        tls.fireChannelRead(msg);
      }
      early = null;
      tls.fireChannelReadComplete();
    }
    if (frontendInputClosed) {
      // HTTP/2 has no half-close: a client that sent FIN is done
      frontend.close();
      return;
    }
    backend.config().setAutoRead(true);
    frontend.config().setAutoRead(true);
    drainIfDraining();
  }

  /**
   * The proxy drains (on its event loop): a gateway connection sends GOAWAY now and closes when its calls are done; a
   * raw relay is closed once no bytes have passed either way for {@code proxy.drainIdleGrace}. A connection not
   * joined yet drains when it joins.
   */
  void drain() {
    if (draining) {
      return;
    }
    draining = true;
    if (backend != null) {
      drainJoined();
    }
  }

  /** At join: a drain that began before (or while the proxy started draining) applies now. */
  private void drainIfDraining() {
    draining |= proxy.admission.draining();
    if (draining) {
      drainJoined();
    }
  }

  private void drainJoined() {
    if (!frontend.isActive()) {
      return;
    }
    if (gateway) {
      frontend.pipeline().fireUserEventTriggered(CriGateway.DRAIN);
    } else if (!proxy.settings.drainIdleGrace().isZero()) {
      checkDrainIdle();
    }
  }

  private void checkDrainIdle() {
    afterQuiet(proxy.settings.drainIdleGrace(), () -> close("drain idle"), this::checkDrainIdle);
  }

  @Override
  public void in(int bytes) {
    bytesIn += bytes;
    proxy.metrics.bytesIn.inc(bytes);
    lastActivityNanos = System.nanoTime();
  }

  @Override
  public void out(int bytes) {
    bytesOut += bytes;
    proxy.metrics.bytesOut.inc(bytes);
    lastActivityNanos = System.nanoTime();
  }

  /** Bytes from the client: held until the backend is joined, then relayed. */
  void fromFrontend(ByteBuf msg) {
    if (backend == null) {
      if (early == null) {
        early = new ArrayDeque<>(2);
      }
      early.add(msg);
      return;
    }
    toBackend(msg);
  }

  private void toBackend(ByteBuf msg) {
    in(msg.readableBytes());
    backend.write(msg, backend.voidPromise());
  }

  /** Bytes from the backend, relayed to the client. */
  void fromBackend(ByteBuf msg) {
    out(msg.readableBytes());
    frontend.write(msg, frontend.voidPromise());
  }

  void flushToBackend() {
    if (backend != null) {
      backend.flush();
    }
  }

  void flushToFrontend() {
    frontend.flush();
  }

  /** Stops reading from one side while the other cannot take more, and resumes when it can. */
  void writabilityChanged(Channel channel) {
    boolean toBackend = channel == backend;
    Channel reader = toBackend ? frontend : backend;
    // a side that has reached EOF has nothing left to read; epoll refuses to re-arm it
    if (reader != null && !(toBackend ? frontendInputClosed : backendInputClosed)) {
      reader.config().setAutoRead(channel.isWritable());
    }
  }

  /** The client will send no more (TCP FIN or TLS close_notify): pass the half-close on. */
  void frontendInputClosed() {
    if (frontendInputClosed) {
      return;
    }
    frontendInputClosed = true;
    if (backend == null) {
      return; // applied when joined
    }
    if (gateway) {
      frontend.close(); // HTTP/2 has no half-close: the gateway lets open calls answer, then closes
      return;
    }
    if (backendInputClosed) {
      close("");
    } else {
      shutdownOutput(backend);
    }
  }

  /** The backend will send no more: flush, send close_notify, and half-close the client's side. */
  void backendInputClosed() {
    if (backendInputClosed) {
      return;
    }
    backendInputClosed = true;
    if (frontendInputClosed) {
      close("");
      return;
    }
    frontend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
      SslHandler ssl = frontend.pipeline().get(SslHandler.class);
      if (ssl != null) {
        ssl.closeOutbound().addListener(c -> shutdownOutput(frontend));
      } else {
        shutdownOutput(frontend);
      }
    });
  }

  private static void shutdownOutput(Channel channel) {
    // pending writes must reach the wire first: shutdownOutput fails whatever is still queued
    channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
      if (channel.isActive() && channel instanceof DuplexChannel duplex) {
        duplex.shutdownOutput();
      }
    });
  }

  /** Closes both sides after flushing what is queued; {@code reason} is logged when not empty. */
  void close(String reason) {
    if (closeReason.isEmpty()) {
      closeReason = reason;
    }
    closeOnFlush(frontend);
    if (backend != null) {
      closeOnFlush(backend);
    }
  }

  private static void closeOnFlush(Channel channel) {
    if (channel.isActive()) {
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Called once when the frontend is gone: releases held bytes and writes the connection's log line. */
  void frontendClosed() {
    if (early != null) {
      early.forEach(ReferenceCountUtil::release);
      early = null;
    }
    if (backend != null) {
      closeOnFlush(backend);
    }
    if (authenticated() && ProxyContext.CONNECTIONS.isInfoEnabled()) {
      ProxyContext.CONNECTIONS.info("closed connection from {} {} in={} out={} {}ms{}", remote(), peer,
          Units.bytes(bytesIn), Units.bytes(bytesOut),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acceptedNanos),
          closeReason.isEmpty() ? "" : " reason=" + closeReason);
    }
  }

  String remote() {
    return Units.address(frontend.remoteAddress());
  }

  String peer() {
    return peer;
  }

  private void timeout(String kind) {
    if (!frontend.isActive()) {
      return;
    }
    (kind.equals("idle") ? proxy.metrics.idleTimeouts : proxy.metrics.lifetimeTimeouts).mark();
    close(kind + " timeout");
  }

  private void checkIdle() {
    afterQuiet(proxy.settings.idleTimeout(), () -> timeout("idle"), this::checkIdle);
  }

  /** Runs {@code quiet} if no bytes passed for {@code limit}, else {@code recheck} when that could first be true. */
  private void afterQuiet(Duration limit, Runnable quiet, Runnable recheck) {
    if (!frontend.isActive()) {
      return;
    }
    long quietNanos = System.nanoTime() - lastActivityNanos;
    if (quietNanos >= limit.toNanos()) {
      quiet.run();
    } else {
      frontend.eventLoop().schedule(recheck, limit.toNanos() - quietNanos, TimeUnit.NANOSECONDS);
    }
  }
}
