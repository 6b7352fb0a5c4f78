package io.oneinfra.agent.systemd;

import java.util.Map;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** systemd socket activation: the listening socket passed as descriptor 3 ({@code LISTEN_FDS}, {@code LISTEN_PID}). */
public final class SocketActivation {
  private static final Logger LOG = LoggerFactory.getLogger(SocketActivation.class);
  private static final int FIRST_FD = 3; // SD_LISTEN_FDS_START

  private SocketActivation() {}

  /** The inherited listening descriptor meant for {@code pid}, if any. */
  public static OptionalInt listenFd(Map<String, String> env, long pid) {
    String fds = env.get("LISTEN_FDS");
    String forPid = env.get("LISTEN_PID");
    if (fds == null || forPid == null || !forPid.trim().equals(Long.toString(pid))) {
      return OptionalInt.empty();
    }
    int count;
    try {
      count = Integer.parseInt(fds.trim());
    } catch (NumberFormatException e) {
      LOG.warn("ignoring LISTEN_FDS={}: not a number", fds);
      return OptionalInt.empty();
    }
    if (count < 1) {
      return OptionalInt.empty();
    }
    if (count > 1) {
      LOG.warn("LISTEN_FDS={}: serving on the first socket only", count);
    }
    return OptionalInt.of(FIRST_FD);
  }
}
