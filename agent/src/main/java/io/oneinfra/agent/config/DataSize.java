package io.oneinfra.agent.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A number of bytes as written in the config: {@code 16MiB}, {@code 64KiB}, {@code 1GiB} or a plain count.
 *
 * @param bytes the size in bytes
 */
public record DataSize(long bytes) {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kib|mib|gib|kb|mb|gb)?");

  public DataSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("a size must not be negative: " + bytes);
    }
  }

  /** Reads {@code 16MiB}, {@code 512KiB}, {@code 1048576}; {@code kB}/{@code MB}/{@code GB} are read as powers of 2. */
  public static DataSize parse(String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a size; want e.g. 64KiB, 16MiB, 1GiB or a byte count");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    int shift = switch (unit.charAt(0)) {
      case 'k' -> 10;
      case 'm' -> 20;
      case 'g' -> 30;
      default -> 0;
    };
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
    return new DataSize(n << shift);
  }

  /** The size as an int, or an error naming {@code field} when it does not fit one. */
  public int toInt(String field) {
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(field + ": " + bytes + " bytes is more than the most allowed, "
          + Integer.MAX_VALUE);
    }
    return (int) bytes;
  }

  @Override
  public String toString() {
    return bytes % (1 << 20) == 0 ? (bytes >> 20) + "MiB" : bytes % 1024 == 0 ? (bytes >> 10) + "KiB" : bytes + "B";
  }
}
