package io.oneinfra.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.proxy.Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class IdentityResolverTest {
  private static final Address.Tcp LISTEN = new Address.Tcp("0.0.0.0", 7443);

  @TempDir
  Path tmp;

  private Path routeTable;
  private Path proc;

  @BeforeEach
  void fakeHost() throws Exception {
    routeTable = tmp.resolve("route");
    // the only default route is on loopback: detection can never succeed
    Files.writeString(routeTable,
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        + "lo\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n");
    proc = tmp.resolve("proc");
    Files.createDirectories(proc.resolve("sys/net/ipv4"));
    Files.createDirectories(proc.resolve("net"));
    Files.writeString(proc.resolve("sys/net/ipv4/ip_local_port_range"), "32768\t60999\n");
    listenOn("1F90"); // 8080, outside every range below
  }

  private void listenOn(String hexPort) throws Exception {
    Files.writeString(proc.resolve("net/tcp"), "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when"
        + " retrnsmt   uid  timeout inode\n"
        + "   0: 00000000:" + hexPort + " 00000000:0000 0A 00000000:00000000 00:00000000 00000000"
        + "     0        0 12345 1\n");
  }

  private IdentityResolver resolver(Supplier<String> hostName) {
    return new IdentityResolver(new AddressDetector(routeTable), new PortInspector(proc), hostName);
  }

  private IdentityResolver resolver() {
    return resolver(() -> "unused-host");
  }

  private static AgentConfig.Hypervisor hypervisor(String name, String ip, Boolean isPublic, AgentConfig.Ports ports) {
    return new AgentConfig.Hypervisor(name, ip, isPublic, ports, null);
  }

  @Test
  void usesTheConfiguredNameVerbatim() {
    HypervisorIdentity identity = resolver().resolve(hypervisor("hv-1.example", "10.0.0.7", null, null), LISTEN);
    assertThat(identity.name()).isEqualTo("hv-1.example");
  }

  @Test
  void usesTheConfiguredIpAddressVerbatim() throws Exception {
    HypervisorIdentity identity = resolver().resolve(hypervisor("hv-1", "10.0.0.7", null, null), LISTEN);
    assertThat(identity.ipAddress()).isEqualTo(InetAddress.getByName("10.0.0.7"));
    assertThat(identity.ip()).isEqualTo("10.0.0.7");
  }

  @Test
  void acceptsAConfiguredLoopbackAddress() {
    HypervisorIdentity identity = resolver().resolve(hypervisor("hv-1", "127.0.0.1", null, null), LISTEN);
    assertThat(identity.ip()).isEqualTo("127.0.0.1");
  }

  @Test
  void acceptsAConfiguredIpv6Address() {
    HypervisorIdentity identity = resolver().resolve(hypervisor("hv-1", "fd00::7", null, null), LISTEN);
    assertThat(identity.ipAddress().getHostAddress()).isEqualTo("fd00:0:0:0:0:0:0:7");
    assertThat(identity.endpoint(7443)).isEqualTo("[fd00:0:0:0:0:0:0:7]:7443");
  }

  @Test
  void doesNotAskForTheHostNameWhenANameIsConfigured() {
    IdentityResolver resolver = resolver(() -> {
      throw new AssertionError("the host name was read");
    });
    assertThat(resolver.resolve(hypervisor("hv-1", "10.0.0.7", null, null), LISTEN).name()).isEqualTo("hv-1");
  }

  @Test
  void refusesAnInvalidConfiguredNameNamingTheKey() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> resolver().resolve(hypervisor("My_Host", "10.0.0.7", null, null), LISTEN))
        .withMessageStartingWith("hypervisor.name:").withMessageContaining("'My_Host'");
  }

  @Test
  void refusesAHostNameAsIpAddressNamingTheKey() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> resolver().resolve(hypervisor("hv-1", "example.com", null, null), LISTEN))
        .withMessageStartingWith("hypervisor.ipAddress:").withMessageContaining("'example.com'");
  }

  @Test
  void normalisesTheHostNameWhenNoNameIsConfigured() {
    HypervisorIdentity identity = resolver(() -> "My_Host.Example.COM")
        .resolve(hypervisor(null, "10.0.0.7", null, null), LISTEN);
    assertThat(identity.name()).isEqualTo("my-host.example.com");
  }

  @Test
  void logsTheNormalisedHostNameOnceUntilItChanges() {
    ListAppender<ILoggingEvent> log = capture();
    AtomicReference<String> host = new AtomicReference<>("My_Host");
    IdentityResolver resolver = resolver(host::get);
    try {
      resolver.resolve(hypervisor(null, "10.0.0.7", null, null), LISTEN);
      resolver.resolve(hypervisor(null, "10.0.0.7", null, null), LISTEN);
      host.set("hv-2");
      resolver.resolve(hypervisor(null, "10.0.0.7", null, null), LISTEN);
    } finally {
      logger().detachAppender(log);
    }
    assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "hypervisor.name not set: using 'my-host', the host name 'My_Host' normalised to a DNS-1123 subdomain",
        "hypervisor.name not set: using the host name 'hv-2'");
  }

  @Test
  void defaultsToTheKernelsHostName() throws Exception {
    String kernel = Files.readString(KernelHostName.PROC_HOSTNAME);
    HypervisorIdentity identity = new IdentityResolver().resolve(hypervisor(null, "10.0.0.7", null, null), LISTEN);
    assertThat(identity.name()).isEqualTo(Names.normalise(kernel));
  }

  private static Logger logger() {
    return (Logger) LoggerFactory.getLogger(IdentityResolver.class);
  }

  private static ListAppender<ILoggingEvent> capture() {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger().addAppender(appender);
    return appender;
  }

  @Test
  void refusesAnUnusableHostNameNamingTheKey() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> resolver(() -> "---").resolve(hypervisor(null, "10.0.0.7", null, null), LISTEN))
        .withMessageStartingWith("hypervisor.name:");
  }

  @Test
  void failsNamingTheKeyWhenNoAddressIsConfiguredOrDetectable() {
    assertThatIllegalStateException()
        .isThrownBy(() -> resolver().resolve(hypervisor("hv-1", null, null, null), LISTEN))
        .withMessageStartingWith("hypervisor.ipAddress:");
  }

  @Test
  void refusesAUnixControllerAddressNamingTheKey() {
    AgentConfig.Hypervisor config = new AgentConfig.Hypervisor("hv-1", null, null, null, "unix:/run/controller.sock");
    assertThatIllegalArgumentException().isThrownBy(() -> resolver().resolve(config, LISTEN))
        .withMessageStartingWith("hypervisor.controllerAddress:");
  }

  @Test
  void refusesAPortRangeThatHoldsTheProxyListenPortNamingBothKeys() {
    AgentConfig.Hypervisor config = hypervisor("hv-1", "10.0.0.7", null, new AgentConfig.Ports(7000, 8000));
    assertThatIllegalArgumentException().isThrownBy(() -> resolver().resolve(config, LISTEN))
        .withMessageStartingWith("hypervisor.portRange:").withMessageContaining("7000-8000")
        .withMessageContaining("7443").withMessageContaining("proxy.listen");
  }

  @Test
  void refusesAPortRangeWhoseBoundIsTheProxyListenPort() {
    AgentConfig.Hypervisor config = hypervisor("hv-1", "10.0.0.7", null, new AgentConfig.Ports(7443, 8000));
    assertThatIllegalArgumentException().isThrownBy(() -> resolver().resolve(config, LISTEN))
        .withMessageContaining("proxy.listen");
  }

  @Test
  void defaultsThePortRangeTo30000Through32767() {
    HypervisorIdentity identity = resolver().resolve(hypervisor("hv-1", "10.0.0.7", null, null), LISTEN);
    assertThat(identity.portRange()).isEqualTo(new PortRange(30000, 32767));
  }

  @Test
  void fillsAMissingBoundWithItsDefault() {
    HypervisorIdentity identity =
        resolver().resolve(hypervisor("hv-1", "10.0.0.7", null, new AgentConfig.Ports(31000, null)), LISTEN);
    assertThat(identity.portRange()).isEqualTo(new PortRange(31000, 32767));
  }

  @Test
  void usesTheConfiguredPortRange() {
    HypervisorIdentity identity =
        resolver().resolve(hypervisor("hv-1", "10.0.0.7", null, new AgentConfig.Ports(40000, 40100)), LISTEN);
    assertThat(identity.portRange()).isEqualTo(new PortRange(40000, 40100));
  }

  @Test
  void resolvesDespiteListeningPortsAndAnEphemeralOverlapInTheRange() throws Exception {
    listenOn("7530"); // 30000
    HypervisorIdentity identity =
        resolver().resolve(hypervisor("hv-1", "10.0.0.7", null, new AgentConfig.Ports(30000, 40000)), LISTEN);
    assertThat(identity.portRange()).isEqualTo(new PortRange(30000, 40000));
  }

  @Test
  void isPublicWhenConfiguredSo() {
    assertThat(resolver().resolve(hypervisor("hv-1", "10.0.0.7", true, null), LISTEN).isPublic()).isTrue();
  }

  @Test
  void isPrivateByDefault() {
    assertThat(resolver().resolve(hypervisor("hv-1", "10.0.0.7", null, null), LISTEN).isPublic()).isFalse();
  }

  @Test
  void isPrivateWhenConfiguredSo() {
    assertThat(resolver().resolve(hypervisor("hv-1", "10.0.0.7", false, null), LISTEN).isPublic()).isFalse();
  }
}
