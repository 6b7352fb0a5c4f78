package io.oneinfra.agent.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import java.time.Instant;

/** Logging events with a fixed time and thread, from a private logger context. */
final class TestEvents {
  static final Instant TIME = Instant.parse("2026-11-24T07:10:00.123Z");
  static final String CONNECTIONS = "io.oneinfra.proxy.connections";
  private static final LoggerContext CONTEXT = new LoggerContext();

  private TestEvents() {}

  static LoggingEvent event(Level level, String logger, String message) {
    return event(level, logger, message, null);
  }

  static LoggingEvent event(Level level, String logger, String message, Throwable error) {
    LoggingEvent event =
        new LoggingEvent(TestEvents.class.getName(), CONTEXT.getLogger(logger), level, message, error, null);
    event.setTimeStamp(TIME.toEpochMilli());
    event.setThreadName("worker-1");
    return event;
  }

  /** An IOException with one fixed stack frame, so traces print the same everywhere. */
  static IOException diskFull() {
    IOException error = new IOException("disk full");
    error.setStackTrace(
        new StackTraceElement[] {new StackTraceElement("io.oneinfra.Store", "write", "Store.java", 42)});
    return error;
  }
}
