package io.oneinfra.tests.gateway;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.OutputStream;
import org.slf4j.LoggerFactory;

/** Everything logged in this JVM (the in-process agent included) copied to a stream while open. */
final class LogCapture implements AutoCloseable {
  private final Logger root;
  private final OutputStreamAppender<ILoggingEvent> appender;

  private LogCapture(Logger root, OutputStreamAppender<ILoggingEvent> appender) {
    this.root = root;
    this.appender = appender;
  }

  static LogCapture start(OutputStream out) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%level %logger %msg%n%ex");
    encoder.start();
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.setOutputStream(out);
    appender.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(appender);
    return new LogCapture(root, appender);
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
  }
}
