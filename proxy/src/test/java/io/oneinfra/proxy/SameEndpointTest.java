package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When the socket systemd passes differs from proxy.listen, the agent warns: what counts as the same endpoint. */
class SameEndpointTest {
  @ParameterizedTest
  @CsvSource({
      "0.0.0.0:7443, 0.0.0.0, 7443, true",
      "0.0.0.0:7443, ::, 7443, true", // a dual-stack wildcard (ListenStream=7443) serves what 0.0.0.0 meant
      "[::]:7443, 0.0.0.0, 7443, true",
      "0.0.0.0:7443, 0.0.0.0, 7444, false",
      "127.0.0.1:7443, 127.0.0.1, 7443, true",
      "127.0.0.1:7443, 0.0.0.0, 7443, false",
      "0.0.0.0:7443, 127.0.0.1, 7443, false",
      "[::1]:7443, ::1, 7443, true",
  })
  void comparesPortAndAddressWithWildcardsAlike(String configured, String boundHost, int boundPort,
      boolean same) {
    Address.Tcp listen = (Address.Tcp) Address.parse("proxy.listen", configured);
    assertThat(ProxyServer.sameEndpoint(listen, new InetSocketAddress(boundHost, boundPort))).isEqualTo(same);
  }
}
