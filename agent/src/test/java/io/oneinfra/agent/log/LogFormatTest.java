package io.oneinfra.agent.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogFormatTest {
  @ParameterizedTest
  @CsvSource({"auto, AUTO", "console, CONSOLE", "journal, JOURNAL", "json, JSON"})
  void readsLowerCaseNames(String name, LogFormat format) throws Exception {
    assertThat(new ObjectMapper().readValue("\"" + name + "\"", LogFormat.class)).isEqualTo(format);
  }
}
