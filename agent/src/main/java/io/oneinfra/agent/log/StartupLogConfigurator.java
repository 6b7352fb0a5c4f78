package io.oneinfra.agent.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Start-up logging, until the agent applies its config's {@code log} settings ({@link LogSetup#apply}): the
 * {@link LogFormat#AUTO} format at INFO on stderr, {@code io.netty} and {@code io.grpc} at WARN, connection lines on.
 *
 * <p>Set up in code, found by logback through {@code META-INF/services}: an XML file would load logback's
 * configuration parser and the JDK's XML stack (a few hundred classes) on every start. A logback file named by
 * {@code -Dlogback.configurationFile}, or a {@code logback-test.xml} on the class path, still wins: this configurator
 * then steps aside.
 */
public final class StartupLogConfigurator extends ContextAwareBase implements Configurator {
  static final String FILE_PROPERTY = "logback.configurationFile";
  static final String TEST_FILE = "logback-test.xml";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    boolean fileGiven = System.getProperty(FILE_PROPERTY) != null
        || StartupLogConfigurator.class.getClassLoader().getResource(TEST_FILE) != null;
    return configure(context, fileGiven);
  }

  /** Sets {@code context} up unless a logback file was given, in which case logback's own configurator reads it. */
  static ExecutionStatus configure(LoggerContext context, boolean fileGiven) {
    if (fileGiven) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    LogSetup.configure(context, LogSetup.effective(LogFormat.AUTO), Level.INFO, true);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
