package io.oneinfra.agent.log;

import ch.qos.logback.classic.pattern.Abbreviator;
import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;

/** What the layouts share: the short logger name, the exception summary and the stack trace. */
final class Events {
  /** Line end of every event; journald splits on it whatever the platform. */
  static final String EOL = "\n";

  /** As {@code %logger{1}}: {@code io.oneinfra.proxy.connections} → {@code i.o.p.connections}. */
  private static final Abbreviator SHORT = new TargetLengthBasedClassNameAbbreviator(1);

  private Events() {}

  static String shortLogger(ILoggingEvent event) {
    String name = event.getLoggerName();
    return name == null ? "" : SHORT.abbreviate(name);
  }

  /** {@code Class: message} of the event's exception on one line (line breaks become spaces), or null. */
  static String exceptionSummary(ILoggingEvent event) {
    IThrowableProxy proxy = event.getThrowableProxy();
    if (proxy == null) {
      return null;
    }
    String message = proxy.getMessage();
    if (message == null) {
      return proxy.getClassName();
    }
    return proxy.getClassName() + ": " + message.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
  }

  /** The event's full stack trace (with causes), lines separated by {@link #EOL}, no trailing line end; or null. */
  static String stackTrace(ILoggingEvent event) {
    IThrowableProxy proxy = event.getThrowableProxy();
    if (proxy == null) {
      return null;
    }
    String trace = normalizeLineEnds(ThrowableProxyUtil.asString(proxy));
    return trace.endsWith(EOL) ? trace.substring(0, trace.length() - EOL.length()) : trace;
  }

  static String normalizeLineEnds(String text) {
    return text.replace("\r\n", EOL).replace('\r', '\n');
  }
}
