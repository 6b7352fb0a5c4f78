/** Logging set-up: one line per event on stderr as console text, journald lines with priorities, or JSON. */
package io.oneinfra.agent.log;
