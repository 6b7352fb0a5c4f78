package io.oneinfra.agent.gateway;

import io.oneinfra.proxy.cri.CallListener;
import io.oneinfra.proxy.cri.CallRecord;
import io.oneinfra.proxy.cri.CriMethods;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Per-method metrics of the CRI gateway, in Prometheus' own types (labels and a real histogram):
 *
 * <ul>
 *   <li>{@code cri_calls_total{method, api, code}}: calls ended, by gRPC status
 *   <li>{@code cri_call_duration_seconds{method}}: histogram of forwarded calls' durations
 *   <li>{@code cri_calls_in_flight{method}}: calls forwarded and not ended yet
 *   <li>{@code cri_calls_bridged_total{method}}: v1alpha2 calls rewritten to v1
 *   <li>{@code cri_calls_denied_total{method}}: calls the method policy refused
 * </ul>
 *
 * <p>The {@code method} label is a CRI method name or {@code other}, so a client cannot grow the label set.
 */
public final class CallMetrics implements CallListener {
  private static final double[] BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
      30, 60};

  private final Counter calls;
  private final Histogram duration;
  private final Gauge inFlight;
  private final Counter bridged;
  private final Counter denied;

  public CallMetrics(PrometheusRegistry registry) {
    calls = Counter.builder().name("cri_calls_total").help("CRI calls through the gateway, by method and status")
        .labelNames("method", "api", "code").register(registry);
    duration = Histogram.builder().name("cri_call_duration_seconds")
        .help("Time from a forwarded call's headers to its last response frame").labelNames("method")
        .classicOnly().classicUpperBounds(BUCKETS).register(registry);
    inFlight = Gauge.builder().name("cri_calls_in_flight").help("Calls forwarded to the runtime and not ended yet")
        .labelNames("method").register(registry);
    bridged = Counter.builder().name("cri_calls_bridged_total")
        .help("runtime.v1alpha2 calls rewritten to runtime.v1 for the runtime").labelNames("method")
        .register(registry);
    denied = Counter.builder().name("cri_calls_denied_total").help("Calls the method policy refused")
        .labelNames("method").register(registry);
  }

  /** The label for a method name: itself when a known CRI method, else {@code other}. */
  static String label(String name) {
    return CriMethods.KNOWN.contains(name) ? name : "other";
  }

  @Override
  public void started(String name) {
    inFlight.labelValues(label(name)).inc();
  }

  @Override
  public void ended(CallRecord record) {
    String method = label(record.name());
    calls.labelValues(method, record.api().isEmpty() ? "none" : record.api(), record.grpcCode()).inc();
    if (record.forwarded().isEmpty()) {
      if (!record.allowed()) {
        denied.labelValues(method).inc();
      }
      return;
    }
    inFlight.labelValues(method).dec();
    duration.labelValues(method).observe(record.durationNanos() / 1e9);
    if (record.bridged()) {
      bridged.labelValues(method).inc();
    }
  }
}
