/** Real containerd, haproxy and Prometheus processes, started and torn down for the integration tests. */
package io.oneinfra.tests.testbed;
