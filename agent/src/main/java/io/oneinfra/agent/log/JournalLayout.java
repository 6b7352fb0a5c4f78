package io.oneinfra.agent.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.LayoutBase;

/**
 * For systemd's journal reading stderr: {@code <priority>logger: message}, no timestamp (journald stamps each line).
 *
 * <p>The prefix is the sd-daemon syslog priority: {@code <3>} ERROR, {@code <4>} WARN, {@code <6>} INFO,
 * {@code <7>} DEBUG and TRACE. journald splits on line breaks, so every line of a multi-line message or stack trace
 * carries the same prefix. Exceptions are summarised on the first line unless {@linkplain #setStackTraces stack
 * traces} are on (root level DEBUG or TRACE).
 */
public final class JournalLayout extends LayoutBase<ILoggingEvent> implements StackTraces {
  private volatile boolean stackTraces;

  @Override
  public void setStackTraces(boolean stackTraces) {
    this.stackTraces = stackTraces;
  }

  /** The sd-daemon prefix for a level, e.g. {@code <6>} for INFO. */
  static String priority(Level level) {
    switch (level.toInt()) {
      case Level.ERROR_INT:
        return "<3>";
      case Level.WARN_INT:
        return "<4>";
      case Level.INFO_INT:
        return "<6>";
      default:
        return "<7>";
    }
  }

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder text = new StringBuilder(128);
    text.append(Events.shortLogger(event)).append(": ").append(event.getFormattedMessage());
    String trace = stackTraces ? Events.stackTrace(event) : null;
    if (trace != null) {
      text.append(Events.EOL).append(trace);
    } else {
      String summary = Events.exceptionSummary(event);
      if (summary != null) {
        text.append(": ").append(summary);
      }
    }
    String prefix = priority(event.getLevel());
    String body = Events.normalizeLineEnds(text.toString());
    StringBuilder out = new StringBuilder(body.length() + 16);
    int start = 0;
    while (true) {
      int end = body.indexOf('\n', start);
      out.append(prefix).append(body, start, end < 0 ? body.length() : end).append(Events.EOL);
      if (end < 0) {
        return out.toString();
      }
      start = end + 1;
    }
  }
}
