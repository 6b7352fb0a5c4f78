package io.oneinfra.tests.adversarial;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * Unauthenticated clients, all at once, from source addresses 127.0.0.2 to 127.0.0.9: connect then FIN, silent,
 * a real ClientHello one byte per second, and garbage. Each wave waits until every connection is closed (by either
 * side) or a cap passes, then closes what is left, as an attacker would give up on it.
 */
public final class Flood implements AutoCloseable {
  /** How many connections of each kind one wave opens. */
  public record Mix(int fin, int silent, int slow, int garbage) {
    /** The issue's attack: 2,000 FIN, 2,000 silent, 1,000 slow, 2,000 garbage. */
    public static final Mix ISSUE = new Mix(2000, 2000, 1000, 2000);

    public int total() {
      return fin + silent + slow + garbage;
    }
  }

  /** What the waves did: connections opened, connect attempts that failed, waves run. */
  public record Totals(long opened, long connectFailures, int waves) {}

  private enum Kind { FIN, SILENT, SLOW, GARBAGE }

  private static final int SOURCES = 8;
  private static final AttributeKey<Kind> KIND = AttributeKey.valueOf("flood.kind");
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
  private final ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final byte[] clientHello;
  private final byte[] garbage = new byte[512];
  private final AtomicInteger opened = new AtomicInteger();
  private final AtomicInteger connectFailures = new AtomicInteger();
  private int waves;

  public Flood() throws SSLException, NoSuchAlgorithmException {
    clientHello = clientHello();
    new Random(14).nextBytes(garbage);
    garbage[0] = 0x47; // not a TLS content type
  }

  /** Runs waves of {@code mix} against {@code target} until {@code duration} has passed. */
  public Totals run(InetSocketAddress target, Mix mix, Duration duration, Duration waveCap)
      throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() - end < 0) {
      wave(target, mix, waveCap);
    }
    return totals();
  }

  /** One wave: every connection of {@code mix} opened at once; returns once all are closed. */
  public void wave(InetSocketAddress target, Mix mix, Duration cap) throws InterruptedException {
    CountDownLatch closed = new CountDownLatch(mix.total());
    List<Bootstrap> bootstraps = new ArrayList<>();
    for (int source = 0; source < SOURCES; source++) {
      bootstraps.add(bootstrap(source, closed));
    }
    int i = 0;
    for (Kind kind : interleaved(mix)) {
      bootstraps.get(i++ % SOURCES).attr(KIND, kind).connect(target).addListener(f -> {
        if (f.isSuccess()) {
          opened.incrementAndGet();
        } else {
          connectFailures.incrementAndGet();
        }
      });
    }
    if (!closed.await(cap.toMillis(), TimeUnit.MILLISECONDS)) {
      open.close().awaitUninterruptibly(); // the attacker gives up on what the server still holds
      closed.await(30, TimeUnit.SECONDS);
    }
    waves++;
  }

  /** The kinds spread evenly over the wave, as independent attackers starting together would be. */
  private static List<Kind> interleaved(Mix mix) {
    int[] left = {mix.fin(), mix.silent(), mix.slow(), mix.garbage()};
    int[] total = left.clone();
    List<Kind> order = new ArrayList<>(mix.total());
    while (order.size() < mix.total()) {
      int pick = -1;
      for (int k = 0; k < left.length; k++) {
        // the kind furthest behind its share of what has been opened so far goes next
        if (left[k] > 0 && (pick < 0 || (double) left[k] / total[k] > (double) left[pick] / total[pick])) {
          pick = k;
        }
      }
      left[pick]--;
      order.add(Kind.values()[pick]);
    }
    return order;
  }

  private Bootstrap bootstrap(int source, CountDownLatch closed) {
    return new Bootstrap().group(group).channel(EpollSocketChannel.class)
        .localAddress(new InetSocketAddress("127.0.0." + (2 + source), 0))
        .option(ChannelOption.SO_REUSEADDR, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.closeFuture().addListener(f -> closed.countDown());
            ch.pipeline().addLast(new Attacker(ch.attr(KIND).get()));
          }
        });
  }

  /** One attacking connection. */
  private final class Attacker extends ChannelInboundHandlerAdapter {
    private final Kind kind;
    private ScheduledFuture<?> drip;
    private int next;

    Attacker(Kind kind) {
      this.kind = kind;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      open.add(ctx.channel());
      switch (kind) {
        case FIN -> ctx.close();
        case SILENT -> { }
        case SLOW -> drip = ctx.executor().scheduleAtFixedRate(() -> {
          if (next < clientHello.length) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(clientHello, next++, 1));
          }
        }, 0, 1, TimeUnit.SECONDS);
        case GARBAGE -> ctx.writeAndFlush(Unpooled.wrappedBuffer(garbage));
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg); // alerts, if any
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (drip != null) {
        drip.cancel(false);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // resets are what a refused attacker gets
    }
  }

  /** A real TLS ClientHello, as the JDK's client sends it. */
  private static byte[] clientHello() throws SSLException, NoSuchAlgorithmException {
    SSLEngine engine = SSLContext.getDefault().createSSLEngine("127.0.0.1", 443);
    engine.setUseClientMode(true);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    return Arrays.copyOf(out.array(), out.limit());
  }

  public Totals totals() {
    return new Totals(opened.get(), connectFailures.get(), waves);
  }

  @Override
  public void close() {
    open.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
