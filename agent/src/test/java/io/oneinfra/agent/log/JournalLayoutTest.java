package io.oneinfra.agent.log;

import static io.oneinfra.agent.log.TestEvents.CONNECTIONS;
import static io.oneinfra.agent.log.TestEvents.diskFull;
import static io.oneinfra.agent.log.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JournalLayoutTest {
  private final JournalLayout layout = new JournalLayout();

  @Test
  void priorityShortLoggerAndMessageWithoutTimestamp() {
    assertThat(layout.doLayout(event(Level.INFO, CONNECTIONS, "closed connection from 10.0.0.1:5000")))
        .isEqualTo("<6>i.o.p.connections: closed connection from 10.0.0.1:5000\n");
  }

  @ParameterizedTest
  @CsvSource({"ERROR, <3>", "WARN, <4>", "INFO, <6>", "DEBUG, <7>", "TRACE, <7>"})
  void prefixIsTheSyslogPriorityOfTheLevel(String level, String prefix) {
    assertThat(layout.doLayout(event(Level.toLevel(level), "agent", "m"))).isEqualTo(prefix + "agent: m\n");
  }

  @Test
  void everyLineOfAMultiLineMessageCarriesThePrefix() {
    assertThat(layout.doLayout(event(Level.WARN, "agent", "one\ntwo\r\nthree")))
        .isEqualTo("<4>agent: one\n<4>two\n<4>three\n");
  }

  @Test
  void exceptionIsSummarisedOnTheSameLine() {
    assertThat(layout.doLayout(event(Level.ERROR, "io.oneinfra.agent.Agent", "cannot save", diskFull())))
        .isEqualTo("<3>i.o.a.Agent: cannot save: java.io.IOException: disk full\n");
  }

  @Test
  void everyStackTraceLineCarriesThePrefixWhenStackTracesAreOn() {
    layout.setStackTraces(true);

    assertThat(layout.doLayout(event(Level.ERROR, "agent", "cannot save", diskFull()))).isEqualTo(
        "<3>agent: cannot save\n"
            + "<3>java.io.IOException: disk full\n"
            + "<3>\tat io.oneinfra.Store.write(Store.java:42)\n");
  }
}
