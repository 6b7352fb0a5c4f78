package io.oneinfra.agent.status;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code /readyz} reports.
 *
 * @param ready whether the agent is ready (200) or not (503)
 * @param reason why it is not ready; {@code null} when ready
 * @param details {@code key: value} lines after the first, in the map's iteration (insertion) order; never null
 */
public record Readiness(boolean ready, String reason, Map<String, String> details) {

  /** Copies {@code details} keeping its order; a null map means none. Null keys or values are refused. */
  public Readiness {
    if (!ready) {
      Objects.requireNonNull(reason, "reason");
    }
    Map<String, String> copy = new LinkedHashMap<>();
    if (details != null) {
      details.forEach((key, value) -> copy.put(
          Objects.requireNonNull(key, "details key"), Objects.requireNonNull(value, "details value of " + key)));
    }
    details = Collections.unmodifiableMap(copy);
  }

  /** Ready, with details such as {@code runtime -> containerd 1.6.20~ds1}, in insertion order. */
  public static Readiness ready(Map<String, String> details) {
    return new Readiness(true, null, details);
  }

  /** Not ready because of {@code reason}, with details in insertion order. */
  public static Readiness notReady(String reason, Map<String, String> details) {
    return new Readiness(false, reason, details);
  }
}
