package io.oneinfra.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/** Strict IP address literals: full dotted-quad IPv4 or IPv6; never a host name, so never a DNS lookup. */
public final class IpLiteral {
  private static final Pattern IPV4 =
      Pattern.compile("((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  private IpLiteral() {}

  /** The address {@code text} spells, or empty when it is not a complete IPv4 or IPv6 literal. */
  public static Optional<InetAddress> parse(String text) {
    if (!IPV4.matcher(text).matches() && !IPV6.matcher(text).matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(text)); // only literals reach here: no lookup
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }
}
