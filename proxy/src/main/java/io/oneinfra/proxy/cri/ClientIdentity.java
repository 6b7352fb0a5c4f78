package io.oneinfra.proxy.cri;

import io.oneinfra.proxy.AccessPolicy;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * Who is calling: the verified client certificate of the connection, as audit records and method rules see it.
 *
 * @param certificate the client's leaf certificate (already verified at the door)
 * @param commonName its subject CN, or empty
 * @param spkiSha256 the SHA-256 pin of its public key (lower-case hex), as in {@code access.allow.spkiSha256}
 * @param source the client's address, {@code host:port}
 */
public record ClientIdentity(X509Certificate certificate, String commonName, String spkiSha256, String source) {
  public ClientIdentity {
    Objects.requireNonNull(certificate, "certificate");
    commonName = Objects.requireNonNullElse(commonName, "");
  }

  /** The identity of {@code certificate} connecting from {@code source}. */
  public static ClientIdentity of(X509Certificate certificate, String commonName, String source) {
    return new ClientIdentity(certificate, commonName, AccessPolicy.spkiPin(certificate), source);
  }

  /** {@code cn=NAME} for log lines. */
  public String label() {
    return "cn=" + commonName;
  }
}
