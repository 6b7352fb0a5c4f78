/** systemd integration: sd_notify (READY, STATUS, WATCHDOG, RELOADING, STOPPING), signals and socket activation. */
package io.oneinfra.agent.systemd;
