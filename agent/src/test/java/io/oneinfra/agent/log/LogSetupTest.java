package io.oneinfra.agent.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

class LogSetupTest {
  private static final LoggerContext GLOBAL = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final LoggerContext context = new LoggerContext();

  LogSetupTest() {
    context.setMDCAdapter(new LogbackMDCAdapter());
  }

  @AfterEach
  void restoreStartUpLogging() {
    LogSetup.apply(LogFormat.AUTO, "info", true);
    context.stop();
  }

  private static Logger root(LoggerContext context) {
    return context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  private static List<Appender<ILoggingEvent>> appenders(Logger logger) {
    List<Appender<ILoggingEvent>> all = new ArrayList<>();
    for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
      all.add(it.next());
    }
    return all;
  }

  @Test
  void applySetsTheRootLevel() {
    LogSetup.apply(LogFormat.CONSOLE, "debug", true);

    assertThat(root(GLOBAL).getLevel()).isEqualTo(Level.DEBUG);
  }

  @Test
  void applyWithConnectionLogsOffSetsTheConnectionLoggerToWarn() {
    LogSetup.apply(LogFormat.CONSOLE, "info", false);

    assertThat(GLOBAL.getLogger(LogSetup.CONNECTIONS).getLevel()).isEqualTo(Level.WARN);
    assertThat(GLOBAL.getLogger(LogSetup.CONNECTIONS).isInfoEnabled()).isFalse();
  }

  @Test
  void applyWithConnectionLogsOnSetsTheConnectionLoggerToInfo() {
    LogSetup.apply(LogFormat.CONSOLE, "error", true);

    assertThat(GLOBAL.getLogger(LogSetup.CONNECTIONS).getLevel()).isEqualTo(Level.INFO);
  }

  @Test
  void applyKeepsNettyAndGrpcAtWarn() {
    LogSetup.apply(LogFormat.CONSOLE, "trace", true);

    assertThat(GLOBAL.getLogger("io.netty.channel").getEffectiveLevel()).isEqualTo(Level.WARN);
    assertThat(GLOBAL.getLogger("io.grpc.netty").getEffectiveLevel()).isEqualTo(Level.WARN);
  }

  @Test
  void applyingAgainLeavesOneStderrAppenderWithTheNewFormat() {
    LogSetup.apply(LogFormat.CONSOLE, "info", true);
    LogSetup.apply(LogFormat.JSON, "info", true);

    List<Appender<ILoggingEvent>> appenders = appenders(root(GLOBAL));
    assertThat(appenders).hasSize(1);
    ConsoleAppender<ILoggingEvent> console = (ConsoleAppender<ILoggingEvent>) appenders.get(0);
    assertThat(console.getTarget()).isEqualTo("System.err");
    LayoutWrappingEncoder<ILoggingEvent> encoder = (LayoutWrappingEncoder<ILoggingEvent>) console.getEncoder();
    assertThat(encoder.getLayout()).isInstanceOf(JsonLayout.class);
  }

  @Test
  void invalidLevelIsRefusedNamingLogLevel() {
    assertThatThrownBy(() -> LogSetup.apply(LogFormat.CONSOLE, "verbose", true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("log.level: 'verbose' is not a level; want error, warn, info, debug or trace");
  }

  @Test
  void invalidLevelLeavesTheConfigurationAsItWas() {
    LogSetup.apply(LogFormat.CONSOLE, "warn", true);

    assertThatThrownBy(() -> LogSetup.apply(LogFormat.CONSOLE, "all", true))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(root(GLOBAL).getLevel()).isEqualTo(Level.WARN);
  }

  @Test
  void missingLevelIsRefusedNamingLogLevel() {
    assertThatThrownBy(() -> LogSetup.apply(LogFormat.CONSOLE, null, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("log.level: missing");
  }

  @ParameterizedTest
  @CsvSource({"ERROR, ERROR", "Warn, WARN", "info, INFO", "DeBuG, DEBUG", "trace, TRACE"})
  void levelsAreCaseInsensitive(String text, String level) {
    assertThat(LogSetup.parseLevel(text)).isEqualTo(Level.toLevel(level));
  }

  @Test
  void eventsGoToStderrInTheChosenFormat() throws Exception {
    LogSetup.configure(context, LogFormat.JSON, Level.INFO, true);
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      context.getLogger("io.oneinfra.agent.Agent").info("started on {}", "hv-1");
    } finally {
      System.setErr(stderr);
    }

    JsonNode line = new ObjectMapper().readTree(captured.toString(StandardCharsets.UTF_8));
    assertThat(line.get("msg").asText()).isEqualTo("started on hv-1");
  }

  @Test
  void debugLevelTurnsStackTracesOn() {
    LogSetup.configure(context, LogFormat.JOURNAL, Level.DEBUG, true);
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      context.getLogger("agent").warn("cannot save", TestEvents.diskFull());
    } finally {
      System.setErr(stderr);
    }

    assertThat(captured.toString(StandardCharsets.UTF_8)).isEqualTo(
        "<4>agent: cannot save\n<4>java.io.IOException: disk full\n<4>\tat io.oneinfra.Store.write(Store.java:42)\n");
  }

  @Test
  void autoIsJournalWhenJournalStreamIsSet() {
    assertThat(LogSetup.effective(LogFormat.AUTO, Map.of("JOURNAL_STREAM", "8:12345"))).isEqualTo(LogFormat.JOURNAL);
  }

  @Test
  void autoIsConsoleWithoutJournalStream() {
    assertThat(LogSetup.effective(LogFormat.AUTO, Map.of("TERM", "xterm"))).isEqualTo(LogFormat.CONSOLE);
  }

  @Test
  void autoIsConsoleWhenJournalStreamIsEmpty() {
    assertThat(LogSetup.effective(LogFormat.AUTO, Map.of("JOURNAL_STREAM", ""))).isEqualTo(LogFormat.CONSOLE);
  }

  @ParameterizedTest
  @EnumSource(value = LogFormat.class, names = {"CONSOLE", "JOURNAL", "JSON"})
  void explicitFormatsIgnoreTheEnvironment(LogFormat format) {
    assertThat(LogSetup.effective(format, Map.of("JOURNAL_STREAM", "8:12345"))).isEqualTo(format);
  }

  @Test
  void applyAutoWritesJournalLinesWhenJournalStreamIsSet() {
    LogSetup.apply(LogFormat.AUTO, "info", true, Map.of("JOURNAL_STREAM", "8:12345"));

    assertThat(layout(root(GLOBAL))).isInstanceOf(JournalLayout.class);
  }

  @Test
  void applyAutoWritesConsoleLinesWithoutJournalStream() {
    LogSetup.apply(LogFormat.AUTO, "info", true, Map.of("TERM", "xterm"));

    assertThat(layout(root(GLOBAL))).isInstanceOf(ConsoleLayout.class);
  }

  /** The layout of {@code logger}'s one appender. */
  private static Object layout(Logger logger) {
    List<Appender<ILoggingEvent>> appenders = appenders(logger);
    assertThat(appenders).hasSize(1);
    return ((LayoutWrappingEncoder<ILoggingEvent>) ((ConsoleAppender<ILoggingEvent>) appenders.get(0)).getEncoder())
        .getLayout();
  }
}
