package io.oneinfra.tests.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.oneinfra.agent.registration.join.BootstrapToken;
import io.oneinfra.agent.registration.join.DetachedJws;
import io.oneinfra.agent.registration.join.JoinException;
import org.junit.jupiter.api.Test;

/**
 * The agent's verification of cluster-info's detached JWS against signatures computed independently by
 * {@code openssl dgst -sha256 -hmac} (the real openssl, as installed by tests/install-deps.sh).
 */
class DetachedJwsAgainstOpensslTest {
  private static final BootstrapToken TOKEN = BootstrapToken.parse("token", "abcdef.0123456789abcdef");
  private static final String KUBECONFIG = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n"
      + "  name: \"\"\nkind: Config\n";

  @Test
  void aSignatureMadeByOpensslWithTheTokenVerifies() {
    String jws = Openssl.detachedJws(KUBECONFIG, "abcdef", "0123456789abcdef");
    assertThatCode(() -> DetachedJws.verify(jws, KUBECONFIG, TOKEN)).doesNotThrowAnyException();
  }

  @Test
  void theBootstrapSignersPublishedVectorIsWhatOpensslComputesAndItVerifies() {
    // the vector of Kubernetes' cluster-bootstrap jws tests (go-jose, key zero-padded to 32 bytes)
    String content = "Hello from the other side. I must have called a thousand times.";
    String published = "eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8";
    assertThat(Openssl.detachedJws(content, "joshua", "my voice is my passcode")).isEqualTo(published);
    assertThatCode(() -> DetachedJws.verify(published, content,
        new BootstrapToken("joshua", "my voice is my passcode"))).doesNotThrowAnyException();
  }

  @Test
  void anotherSecretsSignatureIsRefused() {
    String jws = Openssl.detachedJws(KUBECONFIG, "abcdef", "0123456789abcdeX".replace('X', 'g'));
    assertRefused(jws, KUBECONFIG, "does not verify with the token's secret");
  }

  @Test
  void alteredContentIsRefused() {
    String jws = Openssl.detachedJws(KUBECONFIG, "abcdef", "0123456789abcdef");
    assertRefused(jws, KUBECONFIG.replace("10.0.0.1", "10.6.6.6"), "does not verify with the token's secret");
  }

  @Test
  void aHeaderForAnotherTokenIdIsRefused() {
    String jws = Openssl.detachedJwsWithHeader(KUBECONFIG, "{\"alg\":\"HS256\",\"kid\":\"zzzzzz\"}",
        "0123456789abcdef");
    assertRefused(jws, KUBECONFIG, "signed for token id 'zzzzzz'");
  }

  @Test
  void anAlgorithmOtherThanHs256IsRefusedEvenWithAValidMac() {
    String jws = Openssl.detachedJwsWithHeader(KUBECONFIG, "{\"alg\":\"none\",\"kid\":\"abcdef\"}",
        "0123456789abcdef");
    assertRefused(jws, KUBECONFIG, "has algorithm 'none'; only HS256 is accepted");
  }

  @Test
  void aJwsWithItsPayloadIsNotADetachedOneAndIsRefused() {
    String jws = Openssl.detachedJws(KUBECONFIG, "abcdef", "0123456789abcdef");
    String attached = jws.replace("..", ".e30.");
    assertRefused(attached, KUBECONFIG, "is not a detached JWS");
  }

  @Test
  void garbageIsRefusedWithoutEchoingTheSecret() {
    assertThatThrownBy(() -> DetachedJws.verify("!!..!!", KUBECONFIG, TOKEN)).isInstanceOf(JoinException.class)
        .hasMessageNotContaining("0123456789abcdef");
  }

  private static void assertRefused(String jws, String content, String reason) {
    assertThatThrownBy(() -> DetachedJws.verify(jws, content, TOKEN)).isInstanceOf(JoinException.class)
        .hasMessageContaining(reason).hasMessageNotContaining("0123456789abcdef")
        .satisfies(e -> assertThat(((JoinException) e).outcome())
            .isEqualTo(JoinException.Outcome.REFUSED));
  }
}
