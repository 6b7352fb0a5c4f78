package io.oneinfra.agent.registration.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BootstrapTokenTest {
  @Test
  void parsesIdAndSecretAndNeverPrintsTheSecret() {
    BootstrapToken token = BootstrapToken.parse("--token", " abcdef.0123456789abcdef\n");
    assertThat(token.id()).isEqualTo("abcdef");
    assertThat(token.secret()).isEqualTo("0123456789abcdef");
    assertThat(token.bearer()).isEqualTo("abcdef.0123456789abcdef");
    assertThat(token.userName()).isEqualTo("system:bootstrap:abcdef");
    assertThat(token).hasToString("abcdef.<secret>");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "abcdef", "abcdef.0123456789abcde", "ABCDEF.0123456789abcdef",
      "abcdef:0123456789abcdef", "abcdefg.0123456789abcdef", "abcdef.0123456789abcdef0"})
  void refusesAnythingButIdDotSecretWithoutEchoingIt(String text) {
    assertThatIllegalArgumentException().isThrownBy(() -> BootstrapToken.parse("--token", text))
        .withMessageStartingWith("--token: not a bootstrap token")
        .satisfies(e -> assertThat(text.isEmpty() || !e.getMessage().contains(text)).isTrue());
  }
}
