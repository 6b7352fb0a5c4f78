package io.oneinfra.proxy.cri;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PingBudgetTest {
  @Test
  void allowsTheBudgetThenRefusesUntilItRefills() {
    PingBudget budget = new PingBudget(60, 0);
    for (int i = 0; i < 60; i++) {
      assertThat(budget.take(0)).as("ping %d", i).isTrue();
    }
    assertThat(budget.take(0)).isFalse();
    assertThat(budget.take(TimeUnit.SECONDS.toNanos(2))).as("one token a second comes back").isTrue();
  }

  @Test
  void responsesEarnPings() {
    PingBudget budget = new PingBudget(2, 0);
    assertThat(budget.take(0)).isTrue();
    assertThat(budget.take(0)).isTrue();
    budget.credit();
    assertThat(budget.take(0)).isTrue();
    assertThat(budget.take(0)).isFalse();
  }

  @Test
  void creditNeverExceedsTheBudget() {
    PingBudget budget = new PingBudget(3, 0);
    for (int i = 0; i < 100; i++) {
      budget.credit();
    }
    int taken = 0;
    while (budget.take(0)) {
      taken++;
    }
    assertThat(taken).isEqualTo(3);
  }
}
