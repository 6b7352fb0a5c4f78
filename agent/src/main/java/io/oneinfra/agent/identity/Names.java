package io.oneinfra.agent.identity;

import java.util.Locale;
import java.util.regex.Pattern;

/** Kubernetes object names: host names normalised to a DNS-1123 subdomain. */
public final class Names {
  private static final Pattern VALID =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final int MAX_LENGTH = 253;

  private Names() {}

  /** True when {@code name} is a valid DNS-1123 subdomain. */
  public static boolean isValid(String name) {
    return name.length() <= MAX_LENGTH && VALID.matcher(name).matches();
  }

  /**
   * Lower-cases, turns every other character into '-', drops empty labels and leading/trailing '-' of each label.
   *
   * @throws IllegalArgumentException when nothing usable is left
   */
  public static String normalise(String hostName) {
    String lower = hostName.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
    StringBuilder out = new StringBuilder();
    for (String label : lower.split("\\.")) {
      String trimmed = label.replaceAll("^-+|-+$", "");
      if (trimmed.isEmpty()) {
        continue;
      }
      if (out.length() > 0) {
        out.append('.');
      }
      out.append(trimmed.length() > 63 ? trimmed.substring(0, 63).replaceAll("-+$", "") : trimmed);
    }
    String name = out.length() > MAX_LENGTH ? out.substring(0, MAX_LENGTH).replaceAll("[.-]+$", "") : out.toString();
    if (!isValid(name)) {
      throw new IllegalArgumentException("hypervisor.name: cannot derive a valid object name from host name '"
          + hostName + "'; set hypervisor.name");
    }
    return name;
  }
}
