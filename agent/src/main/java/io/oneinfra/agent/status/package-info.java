/** The agent's status: {@code /healthz}, {@code /readyz} and Prometheus {@code /metrics} over HTTP, and JMX. */
package io.oneinfra.agent.status;
