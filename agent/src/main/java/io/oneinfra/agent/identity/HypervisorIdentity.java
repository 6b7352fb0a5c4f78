package io.oneinfra.agent.identity;

import java.net.InetAddress;
import java.util.Objects;

/**
 * This host as oneinfra sees it.
 *
 * @param name the Hypervisor object's name (a DNS-1123 subdomain)
 * @param ipAddress the address the controller reaches the proxy at
 * @param isPublic whether the controller may place public-facing components (ingress) here
 * @param portRange ports the controller may allocate here
 */
public record HypervisorIdentity(String name, InetAddress ipAddress, boolean isPublic, PortRange portRange) {
  public HypervisorIdentity {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(ipAddress, "ipAddress");
    Objects.requireNonNull(portRange, "portRange");
  }

  /** The address as text, without brackets. */
  public String ip() {
    return ipAddress.getHostAddress();
  }

  /** {@code IP:PORT} as the controller dials it; IPv6 in brackets. */
  public String endpoint(int port) {
    return (ip().indexOf(':') >= 0 ? "[" + ip() + "]" : ip()) + ":" + port;
  }
}
