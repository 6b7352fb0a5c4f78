package io.oneinfra.proxy.cri;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;

/** The HTTP/2 client that speaks to the runtime's socket on behalf of one client connection. */
final class RuntimeFacingHandler extends Http2ConnectionHandler {
  /** Responses can be large (ListContainers of thousands, 16 MiB): let the runtime send a good part at once. */
  private static final int WINDOW = 1024 * 1024;
  private static final int CONNECTION_WINDOW = 4 * 1024 * 1024;
  private static final int MAX_HEADER_LIST = 64 * 1024;

  private final GatewayLink link;

  private RuntimeFacingHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
      Http2Settings settings, GatewayLink link) {
    super(decoder, encoder, settings);
    this.link = link;
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        link.runtimeStreamClosed(stream.id());
      }

      @Override
      public void onGoAwayReceived(int lastStreamId, long errorCode, ByteBuf debugData) {
        link.runtimeGoingAway();
      }
    });
  }

  static RuntimeFacingHandler create(GatewayLink link) {
    Http2Settings settings = new Http2Settings().initialWindowSize(WINDOW).maxHeaderListSize(MAX_HEADER_LIST)
        .headerTableSize(LeanHttp2.HEADER_TABLE_SIZE).pushEnabled(false);
    return new Builder(link).connection(LeanHttp2.connection(false)).initialSettings(settings)
        .frameListener(new Frames(link)).build();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    link.runtimeSide(this, ctx);
    super.handlerAdded(ctx);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    super.channelActive(ctx);
    Http2Stream connectionStream = connection().connectionStream();
    decoder().flowController().incrementWindowSize(connectionStream,
        CONNECTION_WINDOW - decoder().flowController().windowSize(connectionStream));
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    link.flushClient();
    super.channelReadComplete(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    super.channelInactive(ctx);
    link.runtimeClosed();
  }

  private static final class Frames extends Http2FrameAdapter {
    private final GatewayLink link;

    Frames(GatewayLink link) {
      this.link = link;
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
      return link.runtimeData(streamId, data, padding, endOfStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
        boolean endOfStream) {
      link.runtimeHeaders(streamId, headers, endOfStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
        short weight, boolean exclusive, int padding, boolean endOfStream) {
      link.runtimeHeaders(streamId, headers, endOfStream);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
      link.runtimeReset(streamId, errorCode);
    }
  }

  private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<RuntimeFacingHandler, Builder> {
    private final GatewayLink link;

    Builder(GatewayLink link) {
      this.link = link;
    }

    @Override
    protected Builder connection(Http2Connection connection) {
      return super.connection(connection);
    }

    // the builder takes a connection given to it for a server's unless told otherwise (server() and connection()
    // exclude each other): the server-only defaults, such as the RST frame limits, stay off on the runtime side
    @Override
    protected boolean isServer() {
      return false;
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
    protected RuntimeFacingHandler build() {
      return super.build();
    }

    @Override
    protected RuntimeFacingHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings initialSettings) {
      return new RuntimeFacingHandler(decoder, encoder, initialSettings, link);
    }
  }
}
