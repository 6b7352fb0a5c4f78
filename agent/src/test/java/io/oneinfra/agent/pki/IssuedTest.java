package io.oneinfra.agent.pki;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.proxy.Pem;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class IssuedTest {
  private static final Issued ISSUED = CertificateIssuer.certificate("issued").issue();

  @Test
  void certificatePemReadsBackAsTheSameCertificate() throws Exception {
    assertThat(Pem.parseCertificates("pem", ISSUED.certificatePem())).containsExactly(ISSUED.certificate());
  }

  @Test
  void privateKeyPemIsUnencryptedPkcs8OfTheSameKey() throws Exception {
    String pem = ISSUED.privateKeyPem();

    assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(Pem.parsePrivateKey("pem", pem).getEncoded()).isEqualTo(ISSUED.privateKey().getEncoded());
  }

  @Test
  void toStringNamesSubjectButNotKey() {
    String key = Base64.getEncoder().encodeToString(ISSUED.privateKey().getEncoded());

    assertThat(ISSUED.toString()).isEqualTo("Issued[CN=issued]").doesNotContain(key.substring(0, 32));
  }
}
