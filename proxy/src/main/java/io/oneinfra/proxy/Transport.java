package io.oneinfra.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.function.Supplier;

/** Maps a Netty transport to its event loop and channel classes, so the rest of the proxy never names one. */
public enum Transport {
  EPOLL(EpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class,
      EpollDomainSocketChannel.class, path -> new DomainSocketAddress(path.toString())),
  NIO(NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class,
      NioDomainSocketChannel.class, UnixDomainSocketAddress::of);

  private final Supplier<IoHandlerFactory> ioHandler;
  private final Class<? extends ServerChannel> serverChannel;
  private final Class<? extends Channel> tcpChannel;
  private final Class<? extends Channel> unixChannel;
  private final Function<Path, SocketAddress> unixAddress;

  Transport(Supplier<IoHandlerFactory> ioHandler, Class<? extends ServerChannel> serverChannel,
      Class<? extends Channel> tcpChannel, Class<? extends Channel> unixChannel,
      Function<Path, SocketAddress> unixAddress) {
    this.ioHandler = ioHandler;
    this.serverChannel = serverChannel;
    this.tcpChannel = tcpChannel;
    this.unixChannel = unixChannel;
    this.unixAddress = unixAddress;
  }

  /** The operator's choice: {@code auto} takes epoll when the native library loads. */
  public enum Preference {
    AUTO,
    EPOLL,
    NIO
  }

  /**
   * Resolves a preference to a transport.
   *
   * @throws IllegalStateException when epoll is forced but cannot load, with the loader's reason
   */
  public static Transport select(Preference preference) {
    return switch (preference) {
      case NIO -> NIO;
      case EPOLL -> {
        if (!Epoll.isAvailable()) {
          throw new IllegalStateException("proxy.transport: epoll is unavailable: " + Epoll.unavailabilityCause());
        }
        yield EPOLL;
      }
      case AUTO -> Epoll.isAvailable() ? EPOLL : NIO;
    };
  }

  EventLoopGroup newGroup(int threads, ThreadFactory factory) {
    return new MultiThreadIoEventLoopGroup(threads, factory, ioHandler.get());
  }

  Class<? extends ServerChannel> serverChannel() {
    return serverChannel;
  }

  Class<? extends Channel> channel(Address backend) {
    return backend instanceof Address.Unix ? unixChannel : tcpChannel;
  }

  /**
   * Whether the backend channel takes {@code ALLOW_HALF_CLOSURE}: Netty's NIO unix-socket channel does not know the
   * option (setting it only logs a warning per connection), so there a backend's FIN closes the connection.
   */
  boolean backendHalfClosure(Address backend) {
    return !(this == NIO && backend instanceof Address.Unix);
  }

  SocketAddress socketAddress(Address address) {
    return address instanceof Address.Unix unix
        ? unixAddress.apply(unix.path())
        : ((Address.Tcp) address).toSocketAddress();
  }
}
