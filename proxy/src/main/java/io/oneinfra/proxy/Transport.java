package io.oneinfra.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
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
import java.util.concurrent.ThreadFactory;

/** Maps a Netty transport to its event loop and channel classes, so the rest of the proxy never names one. */
public enum Transport {
  EPOLL {
    @Override
    EventLoopGroup newGroup(int threads, ThreadFactory factory) {
      return new MultiThreadIoEventLoopGroup(threads, factory, EpollIoHandler.newFactory());
    }

    @Override
    Class<? extends ServerChannel> serverChannel() {
      return EpollServerSocketChannel.class;
    }

    @Override
    Class<? extends Channel> channel(Address backend) {
      return backend instanceof Address.Unix ? EpollDomainSocketChannel.class : EpollSocketChannel.class;
    }

    @Override
    SocketAddress socketAddress(Address address) {
      return address instanceof Address.Unix unix
          ? new DomainSocketAddress(unix.path().toString())
          : ((Address.Tcp) address).toSocketAddress();
    }
  },
  NIO {
    @Override
    EventLoopGroup newGroup(int threads, ThreadFactory factory) {
      return new MultiThreadIoEventLoopGroup(threads, factory, NioIoHandler.newFactory());
    }

    @Override
    Class<? extends ServerChannel> serverChannel() {
      return NioServerSocketChannel.class;
    }

    @Override
    Class<? extends Channel> channel(Address backend) {
      return backend instanceof Address.Unix ? NioDomainSocketChannel.class : NioSocketChannel.class;
    }

    @Override
    SocketAddress socketAddress(Address address) {
      return address instanceof Address.Unix unix
          ? UnixDomainSocketAddress.of(unix.path())
          : ((Address.Tcp) address).toSocketAddress();
    }
  };

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

  abstract EventLoopGroup newGroup(int threads, ThreadFactory factory);

  abstract Class<? extends ServerChannel> serverChannel();

  abstract Class<? extends Channel> channel(Address backend);

  abstract SocketAddress socketAddress(Address address);
}
