package io.oneinfra.proxy;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;

/** Why a TLS handshake was refused, as counted in {@code proxy.handshake.failures.<reason>}. */
public enum HandshakeFailure {
  /** The client sent no certificate. */
  NO_CLIENT_CERTIFICATE,
  /** The client certificate does not chain to a trusted client CA. */
  UNTRUSTED_CERTIFICATE,
  /** The client certificate (or one in its chain) has expired. */
  EXPIRED_CERTIFICATE,
  /** The client certificate is not valid yet. */
  NOT_YET_VALID_CERTIFICATE,
  /** The client certificate is listed in a configured CRL. */
  REVOKED_CERTIFICATE,
  /** A CA certificate, or one whose extended key usage excludes TLS client authentication. */
  NOT_A_CLIENT_CERTIFICATE,
  /** The client certificate is valid but matches none of the configured allow lists. */
  DENIED_BY_POLICY,
  /** The client offered only protocol versions or ciphers we refuse. */
  PROTOCOL,
  /** The first bytes were not a TLS record. */
  NOT_TLS,
  /** The handshake did not finish within the handshake timeout. */
  TIMEOUT,
  /** The client went away during the handshake (FIN or RST): closed at once. */
  CLOSED,
  /** Closed by the proxy to make room for a newer connection: the pre-authentication budget was full. */
  EVICTED,
  /** Closed by the proxy because it was stopping: handshakes in progress are not drained. */
  DRAINING,
  /** Anything else. */
  OTHER;

  /** Lower-case name used in metric names and log lines. */
  public String metricName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The innermost message of a cause chain: BoringSSL wraps the useful one in a generic engine error. */
  public static String detail(Throwable cause) {
    String message = String.valueOf(cause);
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    return message;
  }

  /** Classifies the cause of a failed handshake. */
  public static HandshakeFailure classify(Throwable cause) {
    StringBuilder messages = new StringBuilder();
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SslHandshakeTimeoutException) {
        return TIMEOUT;
      }
      if (t instanceof NotSslRecordException) {
        return NOT_TLS;
      }
      if (t instanceof CertificateExpiredException) {
        return EXPIRED_CERTIFICATE;
      }
      if (t instanceof CertificateNotYetValidException) {
        return NOT_YET_VALID_CERTIFICATE;
      }
      if (t.getMessage() != null) {
        messages.append(t.getMessage()).append('\n');
      }
    }
    return classifyMessage(messages.toString().toLowerCase(Locale.ROOT));
  }

  // BoringSSL and the JDK report these only as text.
  private static HandshakeFailure classifyMessage(String text) {
    // our own trust manager's words (see AccessPolicy.refusal)
    if (text.contains("revoked: serial")) {
      return REVOKED_CERTIFICATE;
    }
    if (text.contains("denied by the access policy")) {
      return DENIED_BY_POLICY;
    }
    if (text.contains("not a client certificate") || text.contains("extended key usage")) {
      return NOT_A_CLIENT_CERTIFICATE;
    }
    if (text.contains("peer_did_not_return_a_certificate") || text.contains("empty client certificate chain")
        || text.contains("certificate_required") || text.contains("null cert chain")) {
      return NO_CLIENT_CERTIFICATE;
    }
    if (text.contains("certificate expired") || text.contains("validity check failed")) {
      return EXPIRED_CERTIFICATE;
    }
    if (text.contains("pkix path") || text.contains("certificate_verify_failed") || text.contains("unknown_ca")
        || text.contains("unable to find valid certification path") || text.contains("certpath")) {
      return UNTRUSTED_CERTIFICATE;
    }
    if (text.contains("unsupported_protocol") || text.contains("protocol_version")
        || text.contains("no appropriate protocol") || text.contains("no_shared_cipher")
        || text.contains("no cipher suites in common") || text.contains("is not enabled")
        || text.contains("wrong_version_number") || text.contains("unsupported protocol")
        || text.contains("illegal packet length") || text.contains("record_too_large")
        || text.contains("encrypted_length_too_long")) {
      return PROTOCOL;
    }
    if (text.contains("connection closed while ssl/tls handshake") || text.contains("connection reset")
        || text.contains("closed channel")) {
      return CLOSED;
    }
    return OTHER;
  }
}
