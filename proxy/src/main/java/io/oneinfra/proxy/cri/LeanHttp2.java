package io.oneinfra.proxy.cri;

import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;

/**
 * What the gateway's two HTTP/2 endpoints share to stay small per connection: an idle gateway connection holds two
 * HTTP/2 stacks (the client's and the runtime's), and Netty's defaults size both for browsers.
 *
 * <ul>
 *   <li>{@link #HEADER_TABLE_SIZE}: the HPACK table each decoder keeps (SETTINGS_HEADER_TABLE_SIZE). gRPC's request
 *       headers (path, authority, content-type, user-agent, te, grpc-timeout) and its response headers take a few
 *       hundred bytes of table; 4096 (the default) costs each decoder a 128-slot array the calls never fill.
 *   <li>{@link #connection}: the remote flow controller spreads the connection window evenly over the streams with
 *       data ({@link UniformStreamByteDistributor}) instead of by HTTP/2 priority, which gRPC does not use, and whose
 *       distributor keeps priority queues and a state cache per connection.
 * </ul>
 * A class histogram of 5,000 idle gateway connections (bench, {@code -Dbench.histogram}) measured what these cost.
 */
final class LeanHttp2 {
  /** SETTINGS_HEADER_TABLE_SIZE the gateway announces on both sides. */
  static final int HEADER_TABLE_SIZE = 1024;

  private LeanHttp2() {}

  /** An HTTP/2 connection for the gateway's handler builders, its remote flow controller set. */
  static Http2Connection connection(boolean server) {
    Http2Connection connection = new DefaultHttp2Connection(server);
    connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection,
        new UniformStreamByteDistributor(connection)));
    return connection;
  }
}
