package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HandshakeFailureTest {

  private static Throwable wrapped(Throwable inner, String outerMessage) {
    SSLHandshakeException outer = new SSLHandshakeException(outerMessage);
    outer.initCause(inner);
    return new DecoderException(outer);
  }

  @Test
  void handshakeTimeoutIsTimeout() {
    assertThat(HandshakeFailure.classify(new SslHandshakeTimeoutException("handshake timed out after 10000ms")))
        .isEqualTo(HandshakeFailure.TIMEOUT);
  }

  @Test
  void notSslRecordIsNotTls() {
    assertThat(HandshakeFailure.classify(new DecoderException(new NotSslRecordException("not an SSL/TLS record"))))
        .isEqualTo(HandshakeFailure.NOT_TLS);
  }

  @Test
  void nestedCertificateExpiredIsExpired() {
    Throwable cause = wrapped(new CertificateExpiredException("NotAfter: Mon Jan 01 00:00:00 UTC 2024"),
        "General SSLEngine problem");

    assertThat(HandshakeFailure.classify(cause)).isEqualTo(HandshakeFailure.EXPIRED_CERTIFICATE);
  }

  @Test
  void nestedCertificateNotYetValidIsNotYetValid() {
    Throwable cause = wrapped(new CertificateNotYetValidException("NotBefore: tomorrow"), "General SSLEngine problem");

    assertThat(HandshakeFailure.classify(cause)).isEqualTo(HandshakeFailure.NOT_YET_VALID_CERTIFICATE);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "error:10000418:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE | NO_CLIENT_CERTIFICATE",
      "Empty client certificate chain | NO_CLIENT_CERTIFICATE",
      "Empty Client Certificate Chain | NO_CLIENT_CERTIFICATE",
      "PKIX path building failed: unable to find valid certification path | UNTRUSTED_CERTIFICATE",
      "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED | UNTRUSTED_CERTIFICATE",
      "error:10000410:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER | PROTOCOL",
      "No appropriate protocol (protocol is disabled or cipher suites are inappropriate) | PROTOCOL",
      "Connection closed while SSL/TLS handshake was in progress | CLOSED",
      "Connection reset by peer | CLOSED",
      "something nobody has seen before | OTHER"})
  void classifiesByMessage(String message, HandshakeFailure expected) {
    assertThat(HandshakeFailure.classify(wrapped(new IllegalStateException(message), "General SSLEngine problem")))
        .isEqualTo(expected);
  }

  @Test
  void unknownTopLevelExceptionIsOther() {
    assertThat(HandshakeFailure.classify(new RuntimeException("boom"))).isEqualTo(HandshakeFailure.OTHER);
  }

  @Test
  void exceptionWithoutMessagesIsOther() {
    assertThat(HandshakeFailure.classify(new RuntimeException((String) null))).isEqualTo(HandshakeFailure.OTHER);
  }

  @Test
  void detailReturnsInnermostMessage() {
    Throwable cause = wrapped(new IllegalStateException("PEER_DID_NOT_RETURN_A_CERTIFICATE"),
        "General SSLEngine problem");

    assertThat(HandshakeFailure.detail(cause)).isEqualTo("PEER_DID_NOT_RETURN_A_CERTIFICATE");
  }

  @Test
  void detailSkipsInnerCausesWithoutMessage() {
    Throwable cause = new RuntimeException("outer", new IllegalStateException("middle", new RuntimeException()));

    assertThat(HandshakeFailure.detail(cause)).isEqualTo("middle");
  }

  @Test
  void detailFallsBackToToStringWithoutAnyMessage() {
    assertThat(HandshakeFailure.detail(new IllegalStateException())).isEqualTo("java.lang.IllegalStateException");
  }

  @Test
  void metricNameIsLowerCase() {
    assertThat(HandshakeFailure.NO_CLIENT_CERTIFICATE.metricName()).isEqualTo("no_client_certificate");
  }
}
