package io.oneinfra.agent.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.LayoutBase;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * {@code HH:mm:ss.SSS LEVEL logger - message: ExceptionClass: message}, local time, one line per event.
 *
 * <p>An exception is summarised on the same line; its stack trace follows on the next lines only when
 * {@linkplain #setStackTraces stack traces} are on (root level DEBUG or TRACE).
 */
public final class ConsoleLayout extends LayoutBase<ILoggingEvent> implements StackTraces {
  private final DateTimeFormatter time;
  private volatile boolean stackTraces;

  public ConsoleLayout() {
    this(ZoneId.systemDefault());
  }

  ConsoleLayout(ZoneId zone) {
    this.time = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT).withZone(zone);
  }

  @Override
  public void setStackTraces(boolean stackTraces) {
    this.stackTraces = stackTraces;
  }

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(128);
    time.formatTo(event.getInstant(), line);
    line.append(' ');
    String level = event.getLevel().toString();
    line.append(level);
    for (int i = level.length(); i < 5; i++) {
      line.append(' ');
    }
    line.append(' ').append(Events.shortLogger(event)).append(" - ").append(event.getFormattedMessage());
    String trace = stackTraces ? Events.stackTrace(event) : null;
    if (trace != null) {
      line.append(Events.EOL).append(trace);
    } else {
      String summary = Events.exceptionSummary(event);
      if (summary != null) {
        line.append(": ").append(summary);
      }
    }
    return line.append(Events.EOL).toString();
  }
}
