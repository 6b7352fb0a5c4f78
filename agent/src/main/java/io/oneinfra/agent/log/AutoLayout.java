package io.oneinfra.agent.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Context;
import ch.qos.logback.core.LayoutBase;
import java.util.Map;

/**
 * {@link LogFormat#AUTO} for a logback file, i.e. before the agent's config is read: {@link JournalLayout} when
 * {@code JOURNAL_STREAM} is set (started by systemd with stderr to the journal), else {@link ConsoleLayout}.
 */
public final class AutoLayout extends LayoutBase<ILoggingEvent> implements StackTraces {
  private final LayoutBase<ILoggingEvent> delegate;

  public AutoLayout() {
    this(System.getenv());
  }

  AutoLayout(Map<String, String> env) {
    this.delegate = LogSetup.layout(LogSetup.effective(LogFormat.AUTO, env));
  }

  /** The format chosen. */
  LogFormat format() {
    return delegate instanceof JournalLayout ? LogFormat.JOURNAL : LogFormat.CONSOLE;
  }

  @Override
  public void setContext(Context context) {
    super.setContext(context);
    delegate.setContext(context);
  }

  @Override
  public void setStackTraces(boolean stackTraces) {
    ((StackTraces) delegate).setStackTraces(stackTraces);
  }

  @Override
  public void start() {
    delegate.start();
    super.start();
  }

  @Override
  public void stop() {
    super.stop();
    delegate.stop();
  }

  @Override
  public String doLayout(ILoggingEvent event) {
    return delegate.doLayout(event);
  }
}
