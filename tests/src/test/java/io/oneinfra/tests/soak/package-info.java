/** Soak: the agent as a real process for minutes under load, rotations, reloads and runtime restarts. */
package io.oneinfra.tests.soak;
