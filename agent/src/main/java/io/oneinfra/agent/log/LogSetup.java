package io.oneinfra.agent.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Configures logback from the agent's {@code log} settings, replacing the start-up set-up ({@link StartupLogConfigurator}).
 *
 * <p>Every format writes one line per event to stderr (stdout is for command output such as the manifest).
 * {@code io.netty} and {@code io.grpc} stay at WARN. Exceptions are summarised on one line unless the root level is
 * DEBUG or TRACE, which prints their stack traces.
 */
public final class LogSetup {
  /** The per-connection lines' logger (INFO when on, WARN when off). */
  static final String CONNECTIONS = "io.oneinfra.proxy.connections";
  static final String JOURNAL_STREAM = "JOURNAL_STREAM";
  private static final String[] QUIET = {"io.netty", "io.grpc"};

  private LogSetup() {}

  /**
   * Re-configures logback: format ({@link LogFormat#AUTO} = {@link LogFormat#JOURNAL} when env
   * {@code JOURNAL_STREAM} is set, else {@link LogFormat#CONSOLE}), root level ({@code error|warn|info|debug|trace},
   * case-insensitive; {@link IllegalArgumentException} naming {@code log.level} otherwise), and whether
   * per-connection lines (logger {@code io.oneinfra.proxy.connections}) are on (INFO) or off (WARN). Safe to call
   * again (SIGHUP reload); a bad level leaves the current configuration as it is.
   */
  public static void apply(LogFormat format, String level, boolean connectionLogs) {
    apply(format, level, connectionLogs, System.getenv());
  }

  /** {@link #apply(LogFormat, String, boolean)} with AUTO resolved against {@code env}. */
  static void apply(LogFormat format, String level, boolean connectionLogs, Map<String, String> env) {
    LogFormat effective = effective(Objects.requireNonNull(format, "log.format"), env);
    Level root = parseLevel(level);
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (!(factory instanceof LoggerContext)) {
      throw new IllegalStateException("logging is not backed by logback but by " + factory.getClass().getName());
    }
    configure((LoggerContext) factory, effective, root, connectionLogs);
  }

  /** The format AUTO resolves to in this process. */
  public static LogFormat effective(LogFormat format) {
    return effective(format, System.getenv());
  }

  /** The format AUTO resolves to with environment {@code env}. */
  static LogFormat effective(LogFormat format, Map<String, String> env) {
    if (Objects.requireNonNull(format, "log.format") != LogFormat.AUTO) {
      return format;
    }
    String stream = env.get(JOURNAL_STREAM);
    return stream != null && !stream.isEmpty() ? LogFormat.JOURNAL : LogFormat.CONSOLE;
  }

  /** {@code error|warn|info|debug|trace}, any case. */
  static Level parseLevel(String level) {
    if (level != null) {
      switch (level.toLowerCase(Locale.ROOT)) {
        case "error":
          return Level.ERROR;
        case "warn":
          return Level.WARN;
        case "info":
          return Level.INFO;
        case "debug":
          return Level.DEBUG;
        case "trace":
          return Level.TRACE;
        default:
          break;
      }
    }
    throw new IllegalArgumentException("log.level: " + (level == null ? "missing" : "'" + level + "' is not a level")
        + "; want error, warn, info, debug or trace");
  }

  /** A new, unstarted layout for a resolved format (not AUTO). */
  static LayoutBase<ILoggingEvent> layout(LogFormat format) {
    switch (format) {
      case JOURNAL:
        return new JournalLayout();
      case JSON:
        return new JsonLayout();
      case CONSOLE:
        return new ConsoleLayout();
      default:
        throw new IllegalArgumentException("unresolved log format " + format);
    }
  }

  /** Resets {@code context} and sets it up; the new appender is started before the reset to keep the gap short. */
  static synchronized void configure(LoggerContext context, LogFormat format, Level root, boolean connectionLogs) {
    LayoutBase<ILoggingEvent> layout = layout(format);
    layout.setContext(context);
    ((StackTraces) layout).setStackTraces(!root.isGreaterOrEqual(Level.INFO)); // DEBUG or TRACE
    layout.start();

    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setCharset(StandardCharsets.UTF_8);
    encoder.setLayout(layout);
    encoder.start();

    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("console");
    appender.setTarget("System.err");
    appender.setEncoder(encoder);
    appender.start();

    context.reset();
    for (String name : QUIET) {
      context.getLogger(name).setLevel(Level.WARN);
    }
    context.getLogger(CONNECTIONS).setLevel(connectionLogs ? Level.INFO : Level.WARN);
    Logger rootLogger = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    rootLogger.setLevel(root);
    rootLogger.addAppender(appender);
  }
}
