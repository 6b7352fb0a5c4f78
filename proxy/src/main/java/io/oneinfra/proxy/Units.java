package io.oneinfra.proxy;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;

/** Human-readable byte counts and addresses for log lines. */
final class Units {
  private Units() {}

  static String bytes(long n) {
    if (n < 1024) {
      return n + "B";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double value = n;
    int i = -1;
    while (value >= 1024 && i < units.length - 1) {
      value /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, "%.1f%s", value, units[i]);
  }

  static String address(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return String.valueOf(address);
  }
}
