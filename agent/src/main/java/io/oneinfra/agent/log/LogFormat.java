package io.oneinfra.agent.log;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How log events are written to stderr ({@code log.format}). */
public enum LogFormat {
  /** {@link #JOURNAL} when systemd sends stderr to the journal ({@code JOURNAL_STREAM} set), else {@link #CONSOLE}. */
  @JsonProperty("auto")
  AUTO,
  /** {@code HH:mm:ss.SSS LEVEL logger - message}, local time. */
  @JsonProperty("console")
  CONSOLE,
  /** {@code <priority>logger: message}, no timestamp: journald adds its own. */
  @JsonProperty("journal")
  JOURNAL,
  /** One JSON object per line, UTC timestamps. */
  @JsonProperty("json")
  JSON
}
