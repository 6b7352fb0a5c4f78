package io.oneinfra.tests.support;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;

/** Collects Netty's leak reports (logger io.netty.util.ResourceLeakDetector) so a test run can fail on them. */
public final class LeakRecorder extends AppenderBase<ILoggingEvent> {
  private static final List<String> REPORTS = new ArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    if (event.getFormattedMessage().contains("LEAK")) {
      synchronized (REPORTS) {
        REPORTS.add(event.getFormattedMessage());
      }
    }
  }

  /** Reports seen since the last call, which forgets them (so each class answers for its own). */
  public static List<String> drain() {
    synchronized (REPORTS) {
      List<String> seen = List.copyOf(REPORTS);
      REPORTS.clear();
      return seen;
    }
  }
}
