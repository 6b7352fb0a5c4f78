package io.oneinfra.agent.pki;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A server name that is neither a valid IP nor a DNS name is refused, naming it. */
class CertificateIssuerSanTest {

  @ParameterizedTest
  @ValueSource(strings = {"1.2.3", "10", "fe80::1%eth0", "host:8080"})
  void unencodableSubjectAltNameIsNamedInTheError(String name) {
    assertThatThrownBy(() -> CertificateIssuer.certificate("x").subjectAltName(name).issue())
        .hasMessageContaining(name);
  }
}
