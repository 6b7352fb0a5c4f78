package io.oneinfra.agent.systemd;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Pets systemd's watchdog at half of {@code WATCHDOG_USEC}, and only while the health check passes. */
public final class Watchdog {
  private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

  private Watchdog() {}

  /** The watchdog interval systemd asked for, when it asked this process ({@code WATCHDOG_PID} unset or ours). */
  public static Optional<Duration> interval(Map<String, String> env, long pid) {
    String usec = env.get("WATCHDOG_USEC");
    String forPid = env.get("WATCHDOG_PID");
    if (usec == null || (forPid != null && !forPid.equals(Long.toString(pid)))) {
      return Optional.empty();
    }
    try {
      long micros = Long.parseLong(usec.trim());
      return micros > 0 ? Optional.of(Duration.ofNanos(micros * 1000)) : Optional.empty();
    } catch (NumberFormatException e) {
      LOG.warn("ignoring WATCHDOG_USEC={}: not a number", usec);
      return Optional.empty();
    }
  }

  /** Schedules WATCHDOG=1 every {@code interval / 2} while {@code healthy} holds. */
  public static void start(ScheduledExecutorService scheduler, Duration interval, SystemdStatus status,
      BooleanSupplier healthy) {
    long half = Math.max(1, interval.toMillis() / 2);
    scheduler.scheduleAtFixedRate(() -> {
      if (healthy.getAsBoolean()) {
        status.watchdog();
      } else {
        LOG.warn("unhealthy: withholding the watchdog ping");
      }
    }, 0, half, TimeUnit.MILLISECONDS);
    LOG.info("watchdog: pinging every {} ms while healthy", half);
  }
}
