/** The agent as systemd runs it: notify, watchdog, reload, readiness, drain and exit. */
package io.oneinfra.tests.daemon;
