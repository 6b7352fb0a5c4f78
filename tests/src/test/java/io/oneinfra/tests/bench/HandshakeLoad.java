package io.oneinfra.tests.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;

/**
 * A handshake load generator that costs as little as it can, so the proxy rather than the client sets the rate: Netty
 * with BoringSSL, a fixed number of connections in flight, each a full mTLS handshake (no peer key is given to the
 * engine, so it never looks up a session to resume) followed by a one-byte round trip, then closed. The server
 * certificate is pinned (compared byte for byte) instead of path-validated, which is as strict for a known server and
 * keeps Java's certificate path code out of the client's time.
 *
 * <p>The offer is the same for every contender: TLS 1.3 only, one cipher suite, key exchange X25519 only (BoringSSL
 * would otherwise offer its post-quantum hybrid first, which haproxy's OpenSSL 3.0 does not have), ALPN h2.
 */
final class HandshakeLoad implements AutoCloseable {
  private static final Duration DEADLINE = Duration.ofMinutes(5);

  private final SslContext context;
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());

  HandshakeLoad(X509Certificate clientCertificate, PrivateKey clientKey, X509Certificate serverCertificate,
      String cipher) throws SSLException {
    if (!OpenSsl.isAvailable()) {
      throw new IllegalStateException("BoringSSL (netty-tcnative) is unavailable: " + OpenSsl.unavailabilityCause());
    }
    context = SslContextBuilder.forClient()
        .sslProvider(SslProvider.OPENSSL)
        .protocols("TLSv1.3")
        .ciphers(List.of(cipher))
        .option(OpenSslContextOption.GROUPS, new String[] {"x25519"})
        .keyManager(clientKey, clientCertificate)
        .trustManager(new Pinned(serverCertificate))
        // the pinned certificate is the check; no peer host is given (that would also key a session cache)
        .endpointIdentificationAlgorithm(null)
        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2"))
        .build();
  }

  /** Runs {@code total} connections, {@code inFlight} at a time; returns the seconds taken. */
  double run(int port, int total, int inFlight) throws IOException, InterruptedException {
    AtomicInteger started = new AtomicInteger();
    AtomicInteger succeeded = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch finished = new CountDownLatch(total);
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
    Bootstrap bootstrap = new Bootstrap().group(group).channel(EpollSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      if (started.incrementAndGet() > total) {
        return;
      }
      bootstrap.clone().handler(new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel channel) {
          channel.pipeline().addLast(context.newHandler(channel.alloc()));
          channel.pipeline().addLast(new RoundTrip(succeeded, failure));
        }
      }).connect(address).addListener(f -> {
        if (f.isSuccess()) {
          ((ChannelFuture) f).channel().closeFuture().addListener(c -> {
            finished.countDown();
            next[0].run();
          });
        } else {
          failure.compareAndSet(null, f.cause());
          finished.countDown();
          next[0].run();
        }
      });
    };
    long start = System.nanoTime();
    for (int i = 0; i < inFlight; i++) {
      group.execute(next[0]);
    }
    if (!finished.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
      throw new IOException("handshake load: " + (total - finished.getCount()) + " of " + total
          + " connections finished within " + DEADLINE);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (succeeded.get() != total) {
      throw new IOException("handshake load: " + succeeded.get() + " of " + total + " round trips succeeded",
          failure.get());
    }
    return seconds;
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** After the handshake, one byte out; the connection counts once the byte is back. */
  private static final class RoundTrip extends ChannelInboundHandlerAdapter {
    private final AtomicInteger succeeded;
    private final AtomicReference<Throwable> failure;

    RoundTrip(AtomicInteger succeeded, AtomicReference<Throwable> failure) {
      this.succeeded = succeeded;
      this.failure = failure;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof SslHandshakeCompletionEvent handshake) {
        if (handshake.isSuccess()) {
          ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {42}));
        } else {
          failure.compareAndSet(null, handshake.cause());
          ctx.close();
        }
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      succeeded.incrementAndGet();
      ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      failure.compareAndSet(null, cause);
      ctx.close();
    }
  }

  /** Trusts exactly one server certificate. */
  private static final class Pinned implements X509TrustManager {
    private final byte[] expected;

    Pinned(X509Certificate certificate) {
      try {
        expected = certificate.getEncoded();
      } catch (CertificateEncodingException e) {
        throw new IllegalArgumentException(e);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      if (chain.length == 0 || !Arrays.equals(chain[0].getEncoded(), expected)) {
        throw new CertificateException("not the pinned server certificate");
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a client only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
