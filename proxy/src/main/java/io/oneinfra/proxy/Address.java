package io.oneinfra.proxy;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/** An endpoint in the one syntax used everywhere: {@code HOST:PORT}, {@code [V6]:PORT} or {@code unix:/path}. */
public sealed interface Address {

  /** Longest unix socket path the kernel accepts (sun_path is 108 bytes including the terminator). */
  int MAX_UNIX_PATH_BYTES = 107;

  /** A TCP endpoint; an empty host means every address. */
  record Tcp(String host, int port) implements Address {
    public InetSocketAddress toSocketAddress() {
      return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** A unix domain stream socket. */
  record Unix(Path path) implements Address {
    @Override
    public String toString() {
      return "unix:" + path;
    }
  }

  /**
   * Parses {@code text}; {@code field} names the setting in error messages.
   *
   * @throws IllegalArgumentException naming the field and what is wrong
   */
  static Address parse(String field, String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(field + ": address is empty; want HOST:PORT or unix:/path");
    }
    String value = text.trim();
    if (value.startsWith("unix:")) {
      String path = value.substring("unix:".length());
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException(field + ": unix socket path '" + path + "' is not absolute");
      }
      if (path.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_UNIX_PATH_BYTES) {
        throw new IllegalArgumentException(
            field + ": unix socket path is longer than " + MAX_UNIX_PATH_BYTES + " bytes: " + path);
      }
      return new Unix(Path.of(path));
    }
    int colon = value.lastIndexOf(':');
    if (colon < 0 || value.endsWith("]")) {
      throw new IllegalArgumentException(field + ": '" + value + "' has no port; want HOST:PORT or unix:/path");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException(field + ": IPv6 address in '" + value + "' must be in brackets: [ADDR]:PORT");
    }
    return new Tcp(host, parsePort(field, value.substring(colon + 1)));
  }

  private static int parsePort(String field, String text) {
    if (!text.matches("[0-9]{1,5}")) {
      throw new IllegalArgumentException(field + ": port '" + text + "' is not a number");
    }
    int port = Integer.parseInt(text);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(field + ": port " + port + " is out of range 0..65535");
    }
    return port;
  }
}
