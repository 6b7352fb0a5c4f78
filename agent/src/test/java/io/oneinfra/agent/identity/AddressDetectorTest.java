package io.oneinfra.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddressDetectorTest {
  private static final String HEADER =
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

  @TempDir
  Path tmp;

  private Path routeTable(String... routes) throws Exception {
    Path file = tmp.resolve("route");
    Files.writeString(file, HEADER + String.join("\n", routes) + "\n");
    return file;
  }

  private static String route(String iface, String destination, String mask) {
    return iface + "\t" + destination + "\t010200C0\t0003\t0\t0\t0\t" + mask + "\t0\t0\t0";
  }

  @Test
  void findsTheInterfaceOfTheDefaultRoute() throws Exception {
    AddressDetector detector = new AddressDetector(routeTable(route("ens3", "000200C0", "00FFFFFF"),
        route("ens4", "00000000", "00000000")));
    assertThat(detector.defaultRouteInterface()).contains("ens4");
  }

  @Test
  void findsNoDefaultRouteInATableWithoutOne() throws Exception {
    AddressDetector detector = new AddressDetector(routeTable(route("ens3", "000200C0", "00FFFFFF")));
    assertThat(detector.defaultRouteInterface()).isEmpty();
  }

  @Test
  void ignoresTheHeaderLine() throws Exception {
    Path file = tmp.resolve("route");
    Files.writeString(file, "00000000 00000000 header-looking-like-a-route\n");
    assertThat(new AddressDetector(file).defaultRouteInterface()).isEmpty();
  }

  @Test
  void defaultRouteOnLoopbackGivesNoUsableAddress() throws Exception {
    AddressDetector detector = new AddressDetector(routeTable(route("lo", "00000000", "00000000")));
    assertThatIllegalStateException().isThrownBy(() -> detector.detect(Optional.empty()))
        .withMessageStartingWith("hypervisor.ipAddress:").withMessageContaining("set hypervisor.ipAddress");
  }

  @Test
  void missingRouteTableFailsNamingTheKeyAndTheFile() {
    Path missing = tmp.resolve("no-such-route");
    AddressDetector detector = new AddressDetector(missing);
    assertThatIllegalStateException().isThrownBy(() -> detector.detect(Optional.empty()))
        .withMessageStartingWith("hypervisor.ipAddress:").withMessageContaining(missing.toString());
  }

  @Test
  void defaultRouteOnANonexistentInterfaceFails() throws Exception {
    AddressDetector detector =
        new AddressDetector(routeTable(route("no-such-nic0", "00000000", "00000000")));
    assertThatIllegalStateException().isThrownBy(() -> detector.detect(Optional.empty()))
        .withMessageStartingWith("hypervisor.ipAddress:");
  }

  @Test
  void failureWithAControllerSaysThereIsNoRouteTowardsIt() throws Exception {
    AddressDetector detector = new AddressDetector(routeTable(route("lo", "00000000", "00000000")));
    InetSocketAddress controller = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);
    assertThatIllegalStateException().isThrownBy(() -> detector.detect(Optional.of(controller)))
        .withMessageStartingWith("hypervisor.ipAddress:").withMessageContaining("no route towards");
  }

  @Test
  void usableRefusesLoopback() throws Exception {
    assertThat(AddressDetector.usable(InetAddress.getByName("127.0.0.1"))).isFalse();
    assertThat(AddressDetector.usable(InetAddress.getByName("::1"))).isFalse();
  }

  @Test
  void usableRefusesLinkLocal() throws Exception {
    assertThat(AddressDetector.usable(InetAddress.getByName("169.254.1.2"))).isFalse();
    assertThat(AddressDetector.usable(InetAddress.getByName("fe80::1"))).isFalse();
  }

  @Test
  void usableRefusesTheWildcardAddress() throws Exception {
    assertThat(AddressDetector.usable(InetAddress.getByName("0.0.0.0"))).isFalse();
    assertThat(AddressDetector.usable(InetAddress.getByName("::"))).isFalse();
  }

  @Test
  void usableRefusesMulticast() throws Exception {
    assertThat(AddressDetector.usable(InetAddress.getByName("224.0.0.1"))).isFalse();
    assertThat(AddressDetector.usable(InetAddress.getByName("ff02::1"))).isFalse();
  }

  @Test
  void usableAcceptsAPrivateAddress() throws Exception {
    assertThat(AddressDetector.usable(InetAddress.getByName("10.1.2.3"))).isTrue();
  }

  @Test
  void sourceAddressTowardsLoopbackIsEmpty() {
    assertThat(AddressDetector.sourceAddressTowards(new InetSocketAddress("127.0.0.1", 9))).isEmpty();
  }

  @Test
  void sourceAddressTowardsAnUnresolvedHostIsEmpty() {
    assertThat(AddressDetector.sourceAddressTowards(InetSocketAddress.createUnresolved("controller.invalid", 6443)))
        .isEmpty();
  }
}
