package io.oneinfra.agent.log;

import static io.oneinfra.agent.log.TestEvents.CONNECTIONS;
import static io.oneinfra.agent.log.TestEvents.diskFull;
import static io.oneinfra.agent.log.TestEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ConsoleLayoutTest {
  private final ConsoleLayout layout = new ConsoleLayout(ZoneOffset.UTC);

  @Test
  void timeLevelShortLoggerAndMessage() {
    assertThat(layout.doLayout(event(Level.INFO, CONNECTIONS, "closed connection from 10.0.0.1:5000")))
        .isEqualTo("07:10:00.123 INFO  i.o.p.connections - closed connection from 10.0.0.1:5000\n");
  }

  @Test
  void timeIsInTheLayoutsZone() {
    ConsoleLayout berlin = new ConsoleLayout(ZoneOffset.ofHours(1));

    assertThat(berlin.doLayout(event(Level.WARN, "agent", "hello"))).isEqualTo("08:10:00.123 WARN  agent - hello\n");
  }

  @Test
  void exceptionIsSummarisedOnTheSameLine() {
    assertThat(layout.doLayout(event(Level.ERROR, "io.oneinfra.agent.Agent", "cannot save", diskFull())))
        .isEqualTo("07:10:00.123 ERROR i.o.a.Agent - cannot save: java.io.IOException: disk full\n");
  }

  @Test
  void exceptionWithoutMessageIsItsClassName() {
    assertThat(layout.doLayout(event(Level.WARN, "agent", "odd", new IllegalStateException())))
        .isEqualTo("07:10:00.123 WARN  agent - odd: java.lang.IllegalStateException\n");
  }

  @Test
  void multiLineExceptionMessageStaysOnOneLine() {
    assertThat(layout.doLayout(event(Level.WARN, "agent", "odd", new IllegalStateException("a\r\nb\nc"))))
        .isEqualTo("07:10:00.123 WARN  agent - odd: java.lang.IllegalStateException: a b c\n");
  }

  @Test
  void stackTracesOnPrintTheTraceAfterTheLine() {
    layout.setStackTraces(true);

    assertThat(layout.doLayout(event(Level.ERROR, "agent", "cannot save", diskFull()))).isEqualTo(
        "07:10:00.123 ERROR agent - cannot save\n"
            + "java.io.IOException: disk full\n"
            + "\tat io.oneinfra.Store.write(Store.java:42)\n");
  }
}
