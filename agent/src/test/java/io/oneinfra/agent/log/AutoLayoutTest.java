package io.oneinfra.agent.log;

import static io.oneinfra.agent.log.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AutoLayoutTest {
  @Test
  void journalLinesWhenJournalStreamIsSet() {
    AutoLayout layout = new AutoLayout(Map.of("JOURNAL_STREAM", "8:12345"));

    assertThat(layout.doLayout(event(Level.INFO, "agent", "started"))).isEqualTo("<6>agent: started\n");
  }

  @Test
  void consoleLinesWithoutJournalStream() {
    AutoLayout layout = new AutoLayout(Map.of());

    assertThat(layout.format()).isEqualTo(LogFormat.CONSOLE);
    assertThat(layout.doLayout(event(Level.INFO, "agent", "started")))
        .matches("\\d\\d:\\d\\d:\\d\\d\\.123 INFO  agent - started\n");
  }
}
