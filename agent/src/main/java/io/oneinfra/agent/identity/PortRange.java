package io.oneinfra.agent.identity;

/**
 * The ports the controller may allocate on this hypervisor for control-plane components.
 *
 * @param low first port
 * @param high last port (inclusive)
 */
public record PortRange(int low, int high) {
  public static final int MIN = 1024;
  public static final int MAX = 65535;

  public PortRange {
    if (low < MIN || high > MAX) {
      throw new IllegalArgumentException("hypervisor.portRange: " + low + "-" + high + " must lie within " + MIN + ".."
          + MAX);
    }
    if (low > high) {
      throw new IllegalArgumentException("hypervisor.portRange: low " + low + " is above high " + high);
    }
  }

  public boolean contains(int port) {
    return port >= low && port <= high;
  }

  public boolean overlaps(PortRange other) {
    return low <= other.high && other.low <= high;
  }

  @Override
  public String toString() {
    return low + "-" + high;
  }
}
