package io.oneinfra.agent.identity;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds the address the controller should dial: the source address of the route towards the controller's API server
 * or, without one, of the default route. Never a loopback or link-local address.
 */
public final class AddressDetector {
  private final Path routeTable;

  public AddressDetector() {
    this(Path.of("/proc/net/route"));
  }

  AddressDetector(Path routeTable) {
    this.routeTable = routeTable;
  }

  /**
   * Detects the address.
   *
   * @param controller the controller's API server {@code host:port}, or empty
   * @throws IllegalStateException when nothing suitable exists, saying what was tried
   */
  public InetAddress detect(Optional<InetSocketAddress> controller) {
    if (controller.isPresent()) {
      Optional<InetAddress> towardsController = sourceAddressTowards(controller.get());
      if (towardsController.isPresent()) {
        return towardsController.get();
      }
    }
    return defaultRouteInterface()
        .flatMap(AddressDetector::usableAddressOf)
        .orElseThrow(() -> new IllegalStateException("hypervisor.ipAddress: cannot detect this host's address ("
            + (controller.isPresent() ? "no route towards " + controller.get() + ", " : "")
            + "no default route with a non-loopback IPv4 address in " + routeTable
            + "); set hypervisor.ipAddress"));
  }

  /** A connected UDP socket asks the kernel for the route; no packet is sent. */
  static Optional<InetAddress> sourceAddressTowards(InetSocketAddress target) {
    if (target.isUnresolved()) {
      return Optional.empty();
    }
    try (DatagramSocket probe = new DatagramSocket()) {
      probe.connect(target);
      InetAddress local = probe.getLocalAddress();
      return usable(local) ? Optional.of(local) : Optional.empty();
    } catch (SocketException e) {
      return Optional.empty();
    }
  }

  /** The interface of the default IPv4 route (destination 00000000) in /proc/net/route. */
  Optional<String> defaultRouteInterface() {
    try {
      List<String> lines = Files.readAllLines(routeTable);
      for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length > 2 && fields[1].equals("00000000")) {
          return Optional.of(fields[0]);
        }
      }
    } catch (IOException e) {
      // no route table: fall through to "cannot detect"
    }
    return Optional.empty();
  }

  private static Optional<InetAddress> usableAddressOf(String interfaceName) {
    try {
      NetworkInterface nic = NetworkInterface.getByName(interfaceName);
      if (nic == null) {
        return Optional.empty();
      }
      return nic.inetAddresses().filter(a -> a instanceof Inet4Address).filter(AddressDetector::usable).findFirst();
    } catch (SocketException e) {
      return Optional.empty();
    }
  }

  static boolean usable(InetAddress address) {
    return !address.isLoopbackAddress() && !address.isLinkLocalAddress() && !address.isAnyLocalAddress()
        && !address.isMulticastAddress();
  }
}
