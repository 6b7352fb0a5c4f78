package io.oneinfra.agent.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.LayoutBase;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * One JSON object per line:
 * {@code {"ts":"2026-11-24T07:10:00.123Z","level":"INFO","logger":"...","thread":"...","msg":"...",}
 * {@code "exception":"Class: message"}}.
 *
 * <p>{@code ts} is UTC with milliseconds; {@code logger} is the full name; {@code exception} is present only when
 * the event has one. When {@linkplain #setStackTraces stack traces} are on (root level DEBUG or TRACE), a
 * {@code stack} field holds the whole stack trace.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> implements StackTraces {
  private static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private volatile boolean stackTraces;

  @Override
  public void setStackTraces(boolean stackTraces) {
    this.stackTraces = stackTraces;
  }

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder json = new StringBuilder(256);
    json.append("{\"ts\":\"");
    TS.formatTo(event.getInstant(), json);
    json.append('"');
    field(json, "level", event.getLevel().toString());
    field(json, "logger", event.getLoggerName());
    field(json, "thread", event.getThreadName());
    field(json, "msg", event.getFormattedMessage());
    String summary = Events.exceptionSummary(event);
    if (summary != null) {
      field(json, "exception", summary);
      if (stackTraces) {
        field(json, "stack", Events.stackTrace(event));
      }
    }
    return json.append('}').append(Events.EOL).toString();
  }

  private static void field(StringBuilder json, String name, String value) {
    json.append(",\"").append(name).append("\":");
    if (value == null) {
      json.append("null");
    } else {
      JsonStrings.quote(json, value);
    }
  }
}
