package io.oneinfra.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class PortRangeTest {

  @Test
  void acceptsTheWidestRange() {
    PortRange range = new PortRange(1024, 65535);
    assertThat(range.low()).isEqualTo(1024);
    assertThat(range.high()).isEqualTo(65535);
  }

  @Test
  void acceptsASinglePort() {
    assertThat(new PortRange(30000, 30000).contains(30000)).isTrue();
  }

  @Test
  void refusesALowBoundBelow1024NamingTheKey() {
    assertThatIllegalArgumentException().isThrownBy(() -> new PortRange(1023, 2000))
        .withMessageStartingWith("hypervisor.portRange:").withMessageContaining("1023-2000")
        .withMessageContaining("1024..65535");
  }

  @Test
  void refusesAHighBoundAbove65535NamingTheKey() {
    assertThatIllegalArgumentException().isThrownBy(() -> new PortRange(30000, 65536))
        .withMessageStartingWith("hypervisor.portRange:").withMessageContaining("1024..65535");
  }

  @Test
  void refusesLowAboveHighNamingTheKey() {
    assertThatIllegalArgumentException().isThrownBy(() -> new PortRange(32000, 31000))
        .withMessageStartingWith("hypervisor.portRange:").withMessageContaining("low 32000 is above high 31000");
  }

  @Test
  void containsBothBoundsInclusive() {
    PortRange range = new PortRange(30000, 30100);
    assertThat(range.contains(30000)).isTrue();
    assertThat(range.contains(30100)).isTrue();
    assertThat(range.contains(30050)).isTrue();
  }

  @Test
  void doesNotContainPortsJustOutside() {
    PortRange range = new PortRange(30000, 30100);
    assertThat(range.contains(29999)).isFalse();
    assertThat(range.contains(30101)).isFalse();
  }

  @Test
  void overlapsWhenRangesShareOnlyABound() {
    assertThat(new PortRange(30000, 30100).overlaps(new PortRange(30100, 30200))).isTrue();
    assertThat(new PortRange(30100, 30200).overlaps(new PortRange(30000, 30100))).isTrue();
  }

  @Test
  void overlapsWhenOneRangeHoldsTheOther() {
    assertThat(new PortRange(30000, 32767).overlaps(new PortRange(31000, 31001))).isTrue();
    assertThat(new PortRange(31000, 31001).overlaps(new PortRange(30000, 32767))).isTrue();
  }

  @Test
  void doesNotOverlapAnAdjacentRange() {
    assertThat(new PortRange(30000, 30100).overlaps(new PortRange(30101, 30200))).isFalse();
    assertThat(new PortRange(30101, 30200).overlaps(new PortRange(30000, 30100))).isFalse();
  }

  @Test
  void printsAsLowDashHigh() {
    assertThat(new PortRange(30000, 32767)).hasToString("30000-32767");
  }
}
