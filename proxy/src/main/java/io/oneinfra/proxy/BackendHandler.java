package io.oneinfra.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/** The backend side: relays the backend's bytes to the client and passes its half-close or close on. */
final class BackendHandler extends ChannelInboundHandlerAdapter {
  private final Connection connection;

  BackendHandler(Connection connection) {
    this.connection = connection;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    connection.fromBackend((ByteBuf) msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    connection.flushToFrontend();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    connection.writabilityChanged(ctx.channel());
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      connection.backendInputClosed();
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    connection.close("");
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (ProxyContext.ERRORS.isDebugEnabled()) {
      ProxyContext.ERRORS.debug("backend error for connection from {} {}: {}", connection.remote(),
          connection.peer(), cause.toString());
    }
    connection.close("backend error");
  }
}
