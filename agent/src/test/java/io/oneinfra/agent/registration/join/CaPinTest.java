package io.oneinfra.agent.registration.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.Issued;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class CaPinTest {
  @Test
  void isTheSha256OfTheSubjectPublicKeyInfo() throws Exception {
    Issued ca = CertificateIssuer.certificate("pin test CA").certificateAuthority().issue();
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(ca.certificate().getPublicKey().getEncoded()));
    assertThat(CaPin.of(ca.certificate())).hasToString("sha256:" + expected);
    assertThat(CaPin.parse("SHA256:" + expected.toUpperCase())).isEqualTo(CaPin.of(ca.certificate()));
  }

  @Test
  void refusesOtherFormatsNamingTheFlag() {
    assertThatIllegalArgumentException().isThrownBy(() -> CaPin.parse("md5:abcd"))
        .withMessage("--discovery-token-ca-cert-hash: 'md5:abcd' is not sha256:HEX (the only hash format kubeadm "
            + "prints)");
    assertThatIllegalArgumentException().isThrownBy(() -> CaPin.parse("sha256:abcd"))
        .withMessageContaining("does not have 64 hex digits");
    assertThatIllegalArgumentException().isThrownBy(() -> CaPin.parse("0".repeat(64)))
        .withMessageContaining("is not sha256:HEX");
  }
}
