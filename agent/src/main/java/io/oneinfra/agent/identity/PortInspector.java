package io.oneinfra.agent.identity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/** Reads the host's port facts from /proc: the ephemeral port range and ports already listening. */
public final class PortInspector {
  private final Path proc;

  public PortInspector() {
    this(Path.of("/proc"));
  }

  PortInspector(Path proc) {
    this.proc = proc;
  }

  /** {@code net.ipv4.ip_local_port_range}, when readable. */
  public Optional<PortRange> ephemeralRange() {
    try {
      String[] bounds = Files.readString(proc.resolve("sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
      return Optional.of(new PortRange(Math.max(PortRange.MIN, Integer.parseInt(bounds[0])),
          Integer.parseInt(bounds[1])));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** TCP ports in {@code range} that something on this host listens on (from /proc/net/tcp and tcp6). */
  public TreeSet<Integer> listeningIn(PortRange range) {
    TreeSet<Integer> ports = new TreeSet<>();
    for (String table : List.of("net/tcp", "net/tcp6")) {
      try {
        List<String> lines = Files.readAllLines(proc.resolve(table));
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
          String[] fields = line.trim().split("\\s+");
          // fields[1] is local_address as HEXIP:HEXPORT, fields[3] the state; 0A is LISTEN
          if (fields.length > 3 && fields[3].equals("0A")) {
            int port = Integer.parseInt(fields[1].substring(fields[1].lastIndexOf(':') + 1), 16);
            if (range.contains(port)) {
              ports.add(port);
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // a missing table (no IPv6) hides nothing we could act on
      }
    }
    return ports;
  }
}
