/** The benchmark harness: the agent's proxy side by side with haproxy 2.6 and the direct socket. */
package io.oneinfra.tests.bench;
