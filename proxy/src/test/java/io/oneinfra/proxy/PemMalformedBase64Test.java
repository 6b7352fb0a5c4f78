package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThatIOException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Malformed base64 in a PEM block is an IOException that names its source. */
class PemMalformedBase64Test {

  @ParameterizedTest
  @ValueSource(strings = {"AAAAA", "ab=cd", "QUJD=QUJD"})
  void rejectsMalformedBase64InCertificateBlockNamingSource(String body) {
    String text = "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n";

    assertThatIOException().isThrownBy(() -> Pem.parseCertificates("bad.crt", text))
        .withMessageStartingWith("bad.crt: ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"AAAAA", "ab=cd"})
  void rejectsMalformedBase64InKeyBlockNamingSource(String body) {
    String text = "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";

    assertThatIOException().isThrownBy(() -> Pem.parsePrivateKey("bad.key", text))
        .withMessageStartingWith("bad.key: ");
  }
}
