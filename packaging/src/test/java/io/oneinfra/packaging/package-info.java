/** Tests of the built .deb and .rpm and of the systemd unit, with the real dpkg, rpm, lintian and systemd-analyze. */
package io.oneinfra.packaging;
