package io.oneinfra.agent.registration.join;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes bootstrap token, {@code ID.SECRET}: the id is public (it names the token's Secret and the
 * {@code jws-kubeconfig-ID} signature), the secret authenticates and signs. {@link #toString} never shows the secret.
 *
 * @param id six characters {@code [a-z0-9]}
 * @param secret sixteen characters {@code [a-z0-9]}
 */
public record BootstrapToken(String id, String secret) {
  private static final Pattern FORMAT = Pattern.compile("([a-z0-9]{6})\\.([a-z0-9]{16})");

  /**
   * Parses {@code ID.SECRET}.
   *
   * @throws IllegalArgumentException naming {@code field}, without echoing the value (it is a secret)
   */
  public static BootstrapToken parse(String field, String text) {
    Matcher m = FORMAT.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(field + ": not a bootstrap token; want ID.SECRET with a 6-character and a "
          + "16-character part of [a-z0-9], as 'kubeadm token create' prints");
    }
    return new BootstrapToken(m.group(1), m.group(2));
  }

  /** The bearer credential sent to the API server. */
  public String bearer() {
    return id + "." + secret;
  }

  /** The user the API server authenticates this token as. */
  public String userName() {
    return "system:bootstrap:" + id;
  }

  @Override
  public String toString() {
    return id + ".<secret>";
  }
}
