/** The .deb installed on a booted Debian 12 with systemd as PID 1, operated and checked as an administrator would. */
package io.oneinfra.tests.booted;
