package io.oneinfra.tests.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.oneinfra.tests.monitoring.PromQlSelectors.Matcher;
import io.oneinfra.tests.monitoring.PromQlSelectors.Selector;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromQlSelectorsTest {
  @Test
  void findsBareAndBracedSelectorsButNotFunctionsAggregationsOrModifiers() {
    assertThat(PromQlSelectors.of("sum by (instance, job) (rate(a_total{job=\"x\"}[5m] offset 1h)) / on (job) "
        + "group_left(instance) max without (le) (b) > bool 0.9 and c unless d @ start()"))
        .extracting(Selector::metric).containsExactly("a_total", "b", "c", "d");
  }

  @Test
  void readsMatchersIncludingNameRegexesAndSkipsStringArgumentsAndSubqueries() {
    List<Selector> selectors = PromQlSelectors.of("rate(label_replace({job=\"j\", __name__=~\"p_.+_total\"}, "
        + "\"reason\", \"$1\", \"__name__\", \"p_(.+)_total\")[5m:30s]) > 1 # count(not_a_metric)\n");
    assertThat(selectors).containsExactly(new Selector(null, List.of(new Matcher("job", "=", "j"),
        new Matcher("__name__", "=~", "p_.+_total"))));
  }

  @Test
  void unescapesMatcherValuesAndIgnoresNumbersDurationsAndNumberWords() {
    assertThat(PromQlSelectors.of("m{a=~'x\\\\.y', b!=`raw\\d`} < 14 * 86400 + 1e3 - Inf + NaN + 0x1F"))
        .containsExactly(new Selector("m", List.of(new Matcher("a", "=~", "x\\.y"), new Matcher("b", "!=", "raw\\d"))));
  }

  @Test
  void refusesWhatItCannotRead() {
    assertThatThrownBy(() -> PromQlSelectors.of("m{a=\"unclosed}")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unclosed");
    assertThatThrownBy(() -> PromQlSelectors.of("m{a}")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("label matcher");
  }
}
