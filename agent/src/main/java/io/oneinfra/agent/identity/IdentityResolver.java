package io.oneinfra.agent.identity;

import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.proxy.Address;
import io.oneinfra.proxy.IpLiteral;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Works out this hypervisor's identity from the config and the host, refusing what cannot work. */
public final class IdentityResolver {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityResolver.class);

  private final AddressDetector addresses;
  private final PortInspector ports;
  private final Supplier<String> hostName;
  private volatile String loggedName;

  /** Reads the host name from the kernel ({@code /proc/sys/kernel/hostname}), the address from the route table. */
  public IdentityResolver() {
    this(new AddressDetector(), new PortInspector(), new KernelHostName());
  }

  IdentityResolver(AddressDetector addresses, PortInspector ports, Supplier<String> hostName) {
    this.addresses = addresses;
    this.ports = ports;
    this.hostName = hostName;
  }

  /**
   * Resolves the identity.
   *
   * @param listen the proxy's listen address, which the port range must not include
   * @throws IllegalArgumentException naming the config key when a value is unusable (a host name that cannot be
   *     read or normalised included: setting hypervisor.name is the fix)
   * @throws IllegalStateException when no address can be detected
   */
  public HypervisorIdentity resolve(AgentConfig.Hypervisor config, Address.Tcp listen) {
    String name = config.name() != null ? checkedName(config.name()) : hostDerivedName();
    InetAddress ip = config.ipAddress() != null ? parseIp(config.ipAddress())
        : addresses.detect(Optional.ofNullable(config.controllerAddress()).map(IdentityResolver::controller));
    AgentConfig.Ports raw = config.ports();
    PortRange range = new PortRange(Objects.requireNonNullElse(raw.low(), 30000),
        Objects.requireNonNullElse(raw.high(), 32767));
    if (range.contains(listen.port())) {
      throw new IllegalArgumentException("hypervisor.portRange: " + range + " includes the proxy's own port "
          + listen.port() + " (proxy.listen)");
    }
    ports.ephemeralRange().filter(range::overlaps).ifPresent(ephemeral -> LOG.warn(
        "hypervisor.portRange {} overlaps the kernel's ephemeral ports {} (net.ipv4.ip_local_port_range): "
            + "outgoing connections may take ports the controller allocates", range, ephemeral));
    TreeSet<Integer> busy = ports.listeningIn(range);
    if (!busy.isEmpty()) {
      LOG.warn("hypervisor.portRange {}: ports already listening on this host: {}", range, busy);
    }
    return new HypervisorIdentity(name, ip, config.publicRole(), range);
  }

  /** The kernel's host name as an object name; logged when first used and whenever it changes. */
  private String hostDerivedName() {
    String raw = hostName.get();
    String name = Names.normalise(raw);
    if (!name.equals(loggedName)) {
      loggedName = name;
      if (name.equals(raw)) {
        LOG.info("hypervisor.name not set: using the host name '{}'", name);
      } else {
        LOG.info("hypervisor.name not set: using '{}', the host name '{}' normalised to a DNS-1123 subdomain", name,
            raw);
      }
    }
    return name;
  }

  private static String checkedName(String name) {
    if (!Names.isValid(name)) {
      throw new IllegalArgumentException("hypervisor.name: '" + name
          + "' is not a valid object name (lower-case letters, digits, '-' and '.', at most 253)");
    }
    return name;
  }

  private static InetAddress parseIp(String text) {
    return IpLiteral.parse(text).orElseThrow(() -> new IllegalArgumentException("hypervisor.ipAddress: '" + text
        + "' is not an IP address (want a full IPv4 dotted quad or an IPv6 address)"));
  }

  private static InetSocketAddress controller(String hostPort) {
    Address address = Address.parse("hypervisor.controllerAddress", hostPort);
    if (!(address instanceof Address.Tcp tcp)) {
      throw new IllegalArgumentException("hypervisor.controllerAddress: want HOST:PORT, not " + address);
    }
    return new InetSocketAddress(tcp.host(), tcp.port());
  }
}
