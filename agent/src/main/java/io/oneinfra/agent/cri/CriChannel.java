package io.oneinfra.agent.cri;

import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A gRPC channel to a CRI endpoint that owns its event loop; {@link #close()} releases both. */
public final class CriChannel implements AutoCloseable {
  private final ManagedChannel channel;
  private final EventLoopGroup group;
  private final boolean ownsGroup;

  private CriChannel(ManagedChannel channel, EventLoopGroup group, boolean ownsGroup) {
    this.channel = channel;
    this.group = group;
    this.ownsGroup = ownsGroup;
  }

  /** A plaintext channel to a local CRI unix socket. */
  public static CriChannel unix(Path socket) {
    EventLoopGroup group = newGroup("cri-client");
    try {
      ManagedChannel channel = NettyChannelBuilder
          .forAddress(new DomainSocketAddress(socket.toAbsolutePath().toString()))
          .eventLoopGroup(group)
          .channelType(EpollDomainSocketChannel.class)
          // gRPC sets SO_KEEPALIVE by default; a unix socket has none, and Netty warns about it.
          .withOption(ChannelOption.SO_KEEPALIVE, null)
          .usePlaintext()
          .overrideAuthority("localhost")
          .build();
      return new CriChannel(channel, group, true);
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
  }

  /**
   * A channel configured as oneinfra's controller dials a hypervisor: TLS to {@code criEndpointUri}
   * ({@code host:port}), trusting only {@code caCertificatePem}, presenting the client certificate, verifying the
   * server name against the URI's host, offering ALPN {@code h2}.
   *
   * @param group an event loop group to share between many channels, or null for one of its own
   */
  public static CriChannel remote(String criEndpointUri, String caCertificatePem, String clientCertificatePem,
      String clientKeyPem, EventLoopGroup group) throws IOException {
    SslContext tls;
    try (InputStream ca = pem(caCertificatePem); InputStream cert = pem(clientCertificatePem);
        InputStream key = pem(clientKeyPem)) {
      tls = GrpcSslContexts.forClient().trustManager(ca).keyManager(cert, key).build();
    } catch (IllegalArgumentException e) {
      throw new IOException("controller credentials: " + e.getMessage(), e);
    }
    boolean owns = group == null;
    EventLoopGroup loops = owns ? newGroup("cri-remote") : group;
    ManagedChannel channel = NettyChannelBuilder.forTarget(criEndpointUri)
        .eventLoopGroup(loops)
        .channelType(EpollSocketChannel.class)
        .negotiationType(NegotiationType.TLS)
        .sslContext(tls)
        .build();
    return new CriChannel(channel, loops, owns);
  }

  /** An event loop group (epoll, daemon threads) that several remote channels can share. */
  public static EventLoopGroup newGroup(String name) {
    return new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name, true), EpollIoHandler.newFactory());
  }

  private static InputStream pem(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
  }

  /** The gRPC channel; close this wrapper rather than shutting it down directly. */
  public ManagedChannel channel() {
    return channel;
  }

  /** Shuts the channel down (up to 5s for in-flight calls), then its own event loop. */
  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      if (ownsGroup) {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      }
    }
  }
}
