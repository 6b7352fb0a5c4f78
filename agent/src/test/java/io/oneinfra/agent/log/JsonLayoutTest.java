package io.oneinfra.agent.log;

import static io.oneinfra.agent.log.TestEvents.CONNECTIONS;
import static io.oneinfra.agent.log.TestEvents.diskFull;
import static io.oneinfra.agent.log.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonLayoutTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final JsonLayout layout = new JsonLayout();

  @Test
  void oneObjectPerLineWithUtcTimeAndFullLoggerName() {
    assertThat(layout.doLayout(event(Level.INFO, CONNECTIONS, "closed connection from 10.0.0.1:5000")))
        .isEqualTo("{\"ts\":\"2026-11-24T07:10:00.123Z\",\"level\":\"INFO\","
            + "\"logger\":\"io.oneinfra.proxy.connections\","
            + "\"thread\":\"worker-1\",\"msg\":\"closed connection from 10.0.0.1:5000\"}\n");
  }

  @Test
  void exceptionIsClassAndMessage() {
    assertThat(layout.doLayout(event(Level.ERROR, "agent", "cannot save", diskFull())))
        .endsWith(",\"msg\":\"cannot save\",\"exception\":\"java.io.IOException: disk full\"}\n");
  }

  @Test
  void quotesBackslashesNewlinesAndControlCharactersAreEscaped() {
    assertThat(layout.doLayout(event(Level.INFO, "agent", "say \"hi\" C:\\x\nnext\ttab\r\u0000\u001f end")))
        .endsWith(",\"msg\":\"say \\\"hi\\\" C:\\\\x\\nnext\\u0009tab\\u000d\\u0000\\u001f end\"}\n");
  }

  @Test
  void outputParsesBackToTheOriginalStrings() throws Exception {
    String message = "say \"hi\" C:\\x\nnext\ttab\r\u0000\u001f\u007f é 😀 end";

    JsonNode line = JSON.readTree(layout.doLayout(event(Level.WARN, "io.oneinfra.agent.Agent", message, diskFull())));

    assertThat(line.get("ts").asText()).isEqualTo("2026-11-24T07:10:00.123Z");
    assertThat(line.get("level").asText()).isEqualTo("WARN");
    assertThat(line.get("logger").asText()).isEqualTo("io.oneinfra.agent.Agent");
    assertThat(line.get("thread").asText()).isEqualTo("worker-1");
    assertThat(line.get("msg").asText()).isEqualTo(message);
    assertThat(line.get("exception").asText()).isEqualTo("java.io.IOException: disk full");
  }

  @Test
  void stackFieldHoldsTheTraceWhenStackTracesAreOn() throws Exception {
    layout.setStackTraces(true);

    JsonNode line = JSON.readTree(layout.doLayout(event(Level.ERROR, "agent", "cannot save", diskFull())));

    assertThat(line.get("stack").asText())
        .isEqualTo("java.io.IOException: disk full\n\tat io.oneinfra.Store.write(Store.java:42)");
  }

  @Test
  void noExceptionFieldWithoutException() throws Exception {
    JsonNode line = JSON.readTree(layout.doLayout(event(Level.INFO, "agent", "fine")));

    assertThat(line.has("exception")).isFalse();
  }
}
