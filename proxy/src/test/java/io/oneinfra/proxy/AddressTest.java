package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressTest {

  @Test
  void parsesHostAndPort() {
    assertThat(Address.parse("f", "example.com:8080")).isEqualTo(new Address.Tcp("example.com", 8080));
  }

  @Test
  void parsesBracketedIpv6() {
    assertThat(Address.parse("f", "[::1]:7443")).isEqualTo(new Address.Tcp("::1", 7443));
  }

  @Test
  void parsesEmptyHostAsWildcard() {
    Address.Tcp tcp = (Address.Tcp) Address.parse("f", ":7443");

    assertThat(tcp.host()).isEmpty();
    assertThat(tcp.toSocketAddress().getAddress().isAnyLocalAddress()).isTrue();
    assertThat(tcp.toSocketAddress().getPort()).isEqualTo(7443);
  }

  @Test
  void acceptsPortZero() {
    assertThat(Address.parse("f", "127.0.0.1:0")).isEqualTo(new Address.Tcp("127.0.0.1", 0));
  }

  @Test
  void trimsSurroundingWhitespace() {
    assertThat(Address.parse("f", "  127.0.0.1:80 \n")).isEqualTo(new Address.Tcp("127.0.0.1", 80));
  }

  @Test
  void parsesUnixPath() {
    assertThat(Address.parse("f", "unix:/run/containerd/containerd.sock"))
        .isEqualTo(new Address.Unix(Path.of("/run/containerd/containerd.sock")));
  }

  @Test
  void tcpSocketAddressCarriesHostAndPort() {
    InetSocketAddress socket = new Address.Tcp("127.0.0.1", 9000).toSocketAddress();

    assertThat(socket.getAddress().isLoopbackAddress()).isTrue();
    assertThat(socket.getPort()).isEqualTo(9000);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"   ", "\t"})
  void rejectsEmptyNamingField(String text) {
    assertThatIllegalArgumentException().isThrownBy(() -> Address.parse("proxy.backend", text))
        .withMessageStartingWith("proxy.backend: ")
        .withMessageContaining("empty");
  }

  @Test
  void rejectsMissingPort() {
    assertThatIllegalArgumentException().isThrownBy(() -> Address.parse("proxy.listen", "example.com"))
        .withMessageStartingWith("proxy.listen: ")
        .withMessageContaining("'example.com' has no port");
  }

  @ParameterizedTest
  @ValueSource(strings = {"70000", "65536", "99999"})
  void rejectsPortOutOfRange(String port) {
    assertThatIllegalArgumentException().isThrownBy(() -> Address.parse("proxy.listen", "127.0.0.1:" + port))
        .withMessageStartingWith("proxy.listen: ")
        .withMessageContaining("port " + port + " is out of range 0..65535");
  }

  @Test
  void acceptsHighestPort() {
    assertThat(Address.parse("f", "127.0.0.1:65535")).isEqualTo(new Address.Tcp("127.0.0.1", 65535));
  }

  @ParameterizedTest
  @ValueSource(strings = {"http", "", "80a", "99999999999", "+80", "-1"})
  void rejectsNonNumericPort(String port) {
    assertThatIllegalArgumentException().isThrownBy(() -> Address.parse("proxy.listen", "host:" + port))
        .withMessageStartingWith("proxy.listen: ")
        .withMessageContaining("port '" + port + "' is not a number");
  }

  @Test
  void rejectsRelativeUnixPath() {
    assertThatIllegalArgumentException().isThrownBy(() -> Address.parse("proxy.backend", "unix:run/x.sock"))
        .withMessageStartingWith("proxy.backend: ")
        .withMessageContaining("'run/x.sock' is not absolute");
  }

  @Test
  void acceptsUnixPathOfExactly107Bytes() {
    String path = "/" + "a".repeat(106);

    assertThat(Address.parse("f", "unix:" + path)).isEqualTo(new Address.Unix(Path.of(path)));
  }

  @Test
  void rejectsUnixPathLongerThan107Bytes() {
    String path = "/" + "a".repeat(107);

    assertThatIllegalArgumentException().isThrownBy(() -> Address.parse("proxy.backend", "unix:" + path))
        .withMessageStartingWith("proxy.backend: ")
        .withMessageContaining("longer than 107 bytes");
  }

  @Test
  void countsUnixPathLengthInUtf8Bytes() {
    String path = "/" + "\u00e9".repeat(54); // 55 characters, 109 bytes

    assertThatIllegalArgumentException().isThrownBy(() -> Address.parse("proxy.backend", "unix:" + path))
        .withMessageContaining("longer than 107 bytes");
  }

  @Test
  void rejectsBareIpv6WithoutBrackets() {
    assertThatIllegalArgumentException().isThrownBy(() -> Address.parse("proxy.listen", "::1:7443"))
        .withMessageStartingWith("proxy.listen: ")
        .withMessageContaining("must be in brackets");
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1:7443", "example.com:80", "[::1]:443", "[fe80::1]:0", ":7443",
      "unix:/run/containerd/containerd.sock"})
  void toStringRoundTrips(String text) {
    Address address = Address.parse("f", text);

    assertThat(address).hasToString(text);
    assertThat(Address.parse("f", address.toString())).isEqualTo(address);
  }
}
