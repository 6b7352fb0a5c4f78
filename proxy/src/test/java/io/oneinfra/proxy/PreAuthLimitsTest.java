package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PreAuthLimitsTest {
  @Test
  void namesTheFieldAndTheReasonOfABadValue() {
    assertThatIllegalArgumentException().isThrownBy(() -> new PreAuthLimits(0, 1, Duration.ofSeconds(1)))
        .withMessage("proxy.preauth.maxHandshakes: 0 must be at least 1");
    assertThatIllegalArgumentException().isThrownBy(() -> new PreAuthLimits(8, 0, Duration.ofSeconds(1)))
        .withMessage("proxy.preauth.maxHandshakesPerSource: 0 must be at least 1");
    assertThatIllegalArgumentException().isThrownBy(() -> new PreAuthLimits(8, 9, Duration.ofSeconds(1)))
        .withMessage("proxy.preauth.maxHandshakesPerSource: 9 must not exceed proxy.preauth.maxHandshakes (8)");
    assertThatIllegalArgumentException().isThrownBy(() -> new PreAuthLimits(8, 8, Duration.ZERO))
        .withMessage("proxy.preauth.firstByteTimeout: PT0S must be more than zero");
  }
}
