package io.oneinfra.agent.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.Issued;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class ClientCertificateRenewerTest {
  @Test
  void renewsBetweenHalfAndTwoThirdsOfTheLifeCountedFromNotBefore() {
    Instant from = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofDays(10));
    Issued certificate = CertificateIssuer.certificate("system:oneinfra:hypervisor:hv-1")
        .validity(from, from.plus(Duration.ofDays(300))).issue();
    assertThat(ClientCertificateRenewer.renewalTime(certificate.certificate(), 0)).isEqualTo(
        from.plus(Duration.ofDays(150)));
    assertThat(ClientCertificateRenewer.renewalTime(certificate.certificate(), 1)).isEqualTo(
        from.plus(Duration.ofDays(200)));
    assertThat(ClientCertificateRenewer.renewalTime(certificate.certificate(), 0.5)).isEqualTo(
        from.plus(Duration.ofDays(175)));
  }
}
