package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TransportTest {
  private static final Address UNIX = new Address.Unix(Path.of("/run/x.sock"));
  private static final Address TCP = new Address.Tcp("127.0.0.1", 9);

  @Test
  void nioPreferenceSelectsNio() {
    assertThat(Transport.select(Transport.Preference.NIO)).isEqualTo(Transport.NIO);
  }

  @Test
  void autoSelectsEpollExactlyWhenAvailable() {
    assertThat(Transport.select(Transport.Preference.AUTO))
        .isEqualTo(Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO);
  }

  @Test
  void nioUsesDomainSocketChannelForUnixBackend() {
    assertThat(Transport.NIO.channel(UNIX)).isEqualTo(NioDomainSocketChannel.class);
    assertThat(Transport.NIO.channel(TCP)).isEqualTo(NioSocketChannel.class);
  }

  @Test
  void epollUsesDomainSocketChannelForUnixBackend() {
    assertThat(Transport.EPOLL.channel(UNIX)).isEqualTo(EpollDomainSocketChannel.class);
    assertThat(Transport.EPOLL.channel(TCP)).isEqualTo(EpollSocketChannel.class);
  }

  @Test
  void halfClosureIsAskedOfABackendChannelExactlyWhenItsConfigKnowsTheOption() {
    Epoll.ensureAvailability(); // loads the native transport (or fails: the proxy needs it on Linux)
    for (Transport transport : Transport.values()) {
      for (Address backend : new Address[] {UNIX, TCP}) {
        Channel channel = newChannel(transport.channel(backend));
        try {
          assertThat(transport.backendHalfClosure(backend)).as("%s %s", transport, backend)
              .isEqualTo(channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true));
        } finally {
          channel.unsafe().closeForcibly();
        }
      }
    }
  }

  private static Channel newChannel(Class<? extends Channel> type) {
    try {
      return type.getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void nioMapsUnixAddressToJdkUnixSocketAddress() {
    assertThat(Transport.NIO.socketAddress(UNIX)).isEqualTo(UnixDomainSocketAddress.of("/run/x.sock"));
  }

  @Test
  void epollMapsUnixAddressToNettyDomainSocketAddress() {
    assertThat(Transport.EPOLL.socketAddress(UNIX)).isEqualTo(new DomainSocketAddress("/run/x.sock"));
  }

  @Test
  void bothMapTcpAddressToInetSocketAddress() {
    InetSocketAddress expected = new InetSocketAddress("127.0.0.1", 9);

    assertThat(Transport.NIO.socketAddress(TCP)).isEqualTo(expected);
    assertThat(Transport.EPOLL.socketAddress(TCP)).isEqualTo(expected);
  }
}
