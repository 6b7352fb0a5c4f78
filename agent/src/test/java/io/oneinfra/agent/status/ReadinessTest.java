package io.oneinfra.agent.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadinessTest {
  @Test
  void keepsInsertionOrderAndCopies() {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("runtime", "containerd 1.6.20~ds1");
    details.put("api", "v1, v1alpha2");

    Readiness readiness = Readiness.ready(details);
    details.put("later", "x");

    assertThat(readiness.ready()).isTrue();
    assertThat(readiness.reason()).isNull();
    assertThat(readiness.details().keySet()).containsExactly("runtime", "api");
    assertThatThrownBy(() -> readiness.details().put("k", "v")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void notReadyNeedsAReasonAndNullDetailsMeanNone() {
    Readiness readiness = Readiness.notReady("starting", null);

    assertThat(readiness.ready()).isFalse();
    assertThat(readiness.reason()).isEqualTo("starting");
    assertThat(readiness.details()).isEmpty();
    assertThatThrownBy(() -> Readiness.notReady(null, Map.of())).isInstanceOf(NullPointerException.class);
  }
}
