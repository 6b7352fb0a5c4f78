package io.oneinfra.agent.systemd;

import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's state as systemd sees it, in one place: READY only once serving, STATUS= on every change,
 * RELOADING=1 then READY=1 around a reload, STOPPING=1 on shutdown. Without {@code NOTIFY_SOCKET} it only logs.
 */
public final class SystemdStatus implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SystemdStatus.class);

  private final Optional<SdNotify> notify;
  private String status = "";
  private boolean failedOnce;

  public SystemdStatus(Optional<SdNotify> notify) {
    this.notify = notify;
  }

  /** Whether a supervisor listens. */
  public boolean active() {
    return notify.isPresent();
  }

  /** Serving: READY=1 with the current status. */
  public synchronized void ready(String text) {
    status = text;
    send("READY=1\nSTATUS=" + text);
  }

  /** A new status line, sent only when it differs from the last one. */
  public synchronized void status(String text) {
    if (!text.equals(status)) {
      status = text;
      send("STATUS=" + text);
    }
  }

  /** Reloading; systemd wants a monotonic timestamp with it (systemd 253+ checks it for Type=notify-reload). */
  public synchronized void reloading() {
    send("RELOADING=1\nMONOTONIC_USEC=" + monotonicMicros() + "\nSTATUS=reloading");
  }

  public synchronized void stopping(String text) {
    status = text;
    send("STOPPING=1\nSTATUS=" + text);
  }

  public synchronized void watchdog() {
    send("WATCHDOG=1");
  }

  /** The last status text. */
  public synchronized String current() {
    return status;
  }

  private void send(String message) {
    if (notify.isEmpty()) {
      return;
    }
    try {
      notify.get().send(message);
    } catch (IOException | RuntimeException e) {
      if (!failedOnce) { // a vanished supervisor should not flood the log
        failedOnce = true;
        LOG.error("sd_notify to NOTIFY_SOCKET failed ({}): systemd will not see READY, STATUS or watchdog pings "
            + "and may time out or restart the agent", e.toString());
      }
    }
  }

  private static long monotonicMicros() {
    // CLOCK_MONOTONIC is what systemd compares with; the JVM's nanoTime is based on it on Linux
    return System.nanoTime() / 1000;
  }

  @Override
  public void close() {
    notify.ifPresent(SdNotify::close);
  }
}
