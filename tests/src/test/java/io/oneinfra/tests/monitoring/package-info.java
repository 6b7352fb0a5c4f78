/** The shipped Prometheus alert rules and Grafana dashboard, checked with promtool and a real Prometheus. */
package io.oneinfra.tests.monitoring;
