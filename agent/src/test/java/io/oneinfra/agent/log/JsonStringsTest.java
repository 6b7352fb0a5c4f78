package io.oneinfra.agent.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonStringsTest {

  private static String quoted(String text) {
    return JsonStrings.quote(new StringBuilder(), text).toString();
  }

  @Test
  void plainTextIsCopiedAsIs() {
    String plain = "/runtime.v1.RuntimeService/Version é 😀";
    assertThat(quoted(plain)).isEqualTo("\"" + plain + "\"");
    assertThat(quoted("")).isEqualTo("\"\"");
  }

  @Test
  void escapesQuotesBackslashesControlsAndLineSeparatorsWhereverTheyStand() {
    assertThat(quoted("\"a\\b\nc\td\re\u0000\u001f\u2028\u2029"))
        .isEqualTo("\"\\\"a\\\\b\\nc\\u0009d\\u000de\\u0000\\u001f\\u2028\\u2029\"");
  }

  @Test
  void anyStringReadsBackAsItselfAndStaysOnOneLine() throws Exception {
    ObjectMapper json = new ObjectMapper();
    StringBuilder every = new StringBuilder();
    for (char c = 0; c < 0x3000; c++) {
      if (!Character.isSurrogate(c)) {
        every.append(c);
      }
    }
    every.append("😀 end\"");
    String text = every.toString();
    String line = quoted(text);
    assertThat(line).doesNotContain("\n", "\r", "\u2028", "\u2029");
    assertThat(json.readValue(line, String.class)).isEqualTo(text);
  }
}
