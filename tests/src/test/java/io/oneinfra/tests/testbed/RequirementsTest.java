package io.oneinfra.tests.testbed;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A missing binary must fail the integration test with an install hint, never skip it. */
class RequirementsTest {

  @Test
  void missingBinaryFailsWithInstallHint() {
    assertThatThrownBy(() -> Requirements.require("sh", "no-such-binary-oneinfra"))
        .isInstanceOf(AssertionError.class)
        .hasMessage("integration test needs no-such-binary-oneinfra on PATH; "
            + "install with: sudo tests/install-deps.sh");
  }

  @Test
  void presentBinariesPass() {
    assertThatCode(() -> Requirements.require("sh")).doesNotThrowAnyException();
  }
}
