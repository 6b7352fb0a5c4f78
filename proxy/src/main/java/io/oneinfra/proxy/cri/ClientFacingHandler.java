package io.oneinfra.proxy.cri;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The HTTP/2 server the CRI client talks to; hands every frame to its {@link GatewayLink} and polices abuse. */
final class ClientFacingHandler extends Http2ConnectionHandler {
  /** The PING of a graceful shutdown ("oneinfra"): its ACK means the client has read the GOAWAY sent before it. */
  private static final long SHUTDOWN_PING = 0x6f6e65696e667261L;
  /** How long a client that does not answer PINGs is given before the final GOAWAY. */
  private static final long SHUTDOWN_PING_TIMEOUT_MILLIS = 10_000;

  private final GatewayLink link;
  private boolean shutdownStarted;
  private boolean shutdownFinished;

  private ClientFacingHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
      GatewayLink link) {
    super(decoder, encoder, settings);
    this.link = link;
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        link.clientStreamClosed(stream.id());
      }
    });
  }

  /** A handler for {@code link} with the gateway's limits; calls still open at a graceful close get {@code drain}. */
  static ClientFacingHandler create(GatewayLink link, long drainMillis) {
    CriSettings limits = link.gateway().settings();
    Http2Settings settings = new Http2Settings().headerTableSize(LeanHttp2.HEADER_TABLE_SIZE)
        .maxConcurrentStreams(limits.maxConcurrentStreams())
        .maxHeaderListSize(limits.maxHeaderListSize());
    ClientFacingHandler handler = new Builder(link).connection(LeanHttp2.connection(true)).initialSettings(settings)
        .frameListener(new Frames(link)).build();
    handler.gracefulShutdownTimeoutMillis(drainMillis);
    return handler;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    link.clientSide(this, ctx);
    super.handlerAdded(ctx);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    link.flushRuntime();
    super.channelReadComplete(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    link.clientClosed();
    super.channelInactive(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == CriGateway.DRAIN) {
      link.closeClientGracefully();
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  protected void onConnectionError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
      Http2Exception http2Ex) {
    if (!outbound && http2Ex != null) {
      GatewayRefusal reason = GatewayRefusal.classify(http2Ex);
      link.gateway().refused(reason, link.client(), http2Ex.getMessage());
    }
    super.onConnectionError(ctx, outbound, cause, http2Ex);
  }

  @Override
  protected void onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
      Http2Exception.StreamException http2Ex) {
    if (!outbound && http2Ex.error() == Http2Error.REFUSED_STREAM && link.streamRefused()) {
      cutOff(ctx, GatewayRefusal.TOO_MANY_STREAMS, "streams opened beyond MAX_CONCURRENT_STREAMS, repeatedly");
      return;
    }
    super.onStreamError(ctx, outbound, cause, http2Ex);
  }

  /**
   * Stops taking calls without losing one, as gRPC's own servers do: a GOAWAY that refuses no stream, and a PING. A
   * request the client sent before it read the GOAWAY arrives before the PING's ACK, so it is served rather than lost
   * to a connection closed under it; at the ACK (or after {@link #SHUTDOWN_PING_TIMEOUT_MILLIS}) the final GOAWAY
   * names the last stream and the connection closes once its calls are done.
   */
  void shutdownGracefully(ChannelHandlerContext ctx) {
    if (shutdownStarted) {
      return;
    }
    shutdownStarted = true;
    if (!ctx.channel().isActive()) {
      ctx.channel().close();
      return;
    }
    goAway(ctx, Integer.MAX_VALUE, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, ctx.newPromise());
    encoder().writePing(ctx, false, SHUTDOWN_PING, ctx.newPromise());
    ctx.flush();
    ctx.executor().schedule(() -> finishShutdown(ctx), SHUTDOWN_PING_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void finishShutdown(ChannelHandlerContext ctx) {
    if (shutdownFinished || !ctx.channel().isActive()) {
      return;
    }
    shutdownFinished = true;
    goAway(ctx, connection().remote().lastStreamCreated(), Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER,
        ctx.newPromise());
    ctx.flush();
    ctx.channel().close(); // through this handler: Netty's graceful close waits for the calls in progress
  }

  /** Counts the refusal, then GOAWAY ENHANCE_YOUR_CALM and close, as grpc-go does with "too_many_pings". */
  void cutOff(ChannelHandlerContext ctx, GatewayRefusal reason, String why) {
    link.gateway().refused(reason, link.client(), why);
    goAway(ctx, connection().remote().lastStreamCreated(), Http2Error.ENHANCE_YOUR_CALM.code(),
        ctx.alloc().buffer().writeBytes(reason.metricName().getBytes(StandardCharsets.US_ASCII)), ctx.newPromise());
    ctx.flush();
    ctx.close();
  }

  private static final class Frames extends Http2FrameAdapter {
    private final GatewayLink link;

    Frames(GatewayLink link) {
      this.link = link;
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
      return link.clientData(streamId, data, padding, endOfStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
        boolean endOfStream) {
      link.clientHeaders(streamId, headers, endOfStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
        short weight, boolean exclusive, int padding, boolean endOfStream) {
      link.clientHeaders(streamId, headers, endOfStream);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
      link.clientReset(streamId, errorCode);
    }

    @Override
    public void onPingRead(ChannelHandlerContext ctx, long data) {
      controlFrame(ctx, "PING");
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
      if (data == SHUTDOWN_PING) {
        ((ClientFacingHandler) ctx.handler()).finishShutdown(ctx);
      }
    }

    @Override
    public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
      controlFrame(ctx, "SETTINGS");
    }

    private void controlFrame(ChannelHandlerContext ctx, String type) {
      if (!link.clientControlFrame()) {
        ((ClientFacingHandler) ctx.handler()).cutOff(ctx, GatewayRefusal.CONTROL_FRAME_FLOOD,
            type + " frames beyond cri.maxPingsPerMinute");
      }
    }
  }

  private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<ClientFacingHandler, Builder> {
    private final GatewayLink link;

    Builder(GatewayLink link) {
      this.link = link;
    }

    @Override
    protected Builder connection(Http2Connection connection) {
      return super.connection(connection);
    }

    @Override
    protected Builder initialSettings(Http2Settings settings) {
      return super.initialSettings(settings);
    }

    @Override
    protected Builder frameListener(Http2FrameListener listener) {
      return super.frameListener(listener);
    }

    @Override
    protected ClientFacingHandler build() {
      return super.build();
    }

    @Override
    protected ClientFacingHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings initialSettings) {
      return new ClientFacingHandler(decoder, encoder, initialSettings, link);
    }
  }
}
