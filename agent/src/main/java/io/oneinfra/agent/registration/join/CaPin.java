package io.oneinfra.agent.registration.join;

import io.oneinfra.proxy.AccessPolicy;
import java.security.cert.X509Certificate;
import java.util.Locale;

/**
 * A {@code --discovery-token-ca-cert-hash}: {@code sha256:} and the hex SHA-256 of a CA certificate's
 * SubjectPublicKeyInfo, as {@code kubeadm token create --print-join-command} prints it.
 *
 * @param sha256 64 lower-case hex digits
 */
public record CaPin(String sha256) {

  /**
   * Parses {@code sha256:HEX}.
   *
   * @throws IllegalArgumentException naming the flag and what is wrong with the value
   */
  public static CaPin parse(String text) {
    String value = text == null ? "" : text.strip();
    int colon = value.indexOf(':');
    if (colon < 0 || !value.substring(0, colon).equalsIgnoreCase("sha256")) {
      throw new IllegalArgumentException("--discovery-token-ca-cert-hash: '" + text + "' is not sha256:HEX (the "
          + "only hash format kubeadm prints)");
    }
    String hex = value.substring(colon + 1).toLowerCase(Locale.ROOT);
    if (!hex.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("--discovery-token-ca-cert-hash: '" + text + "' does not have 64 hex "
          + "digits after sha256:");
    }
    return new CaPin(hex);
  }

  /** The pin of {@code ca}'s public key. */
  public static CaPin of(X509Certificate ca) {
    return new CaPin(AccessPolicy.spkiPin(ca));
  }

  @Override
  public String toString() {
    return "sha256:" + sha256;
  }
}
