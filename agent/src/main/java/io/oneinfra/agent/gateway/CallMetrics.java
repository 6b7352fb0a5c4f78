package io.oneinfra.agent.gateway;

import io.oneinfra.proxy.cri.CallListener;
import io.oneinfra.proxy.cri.CallRecord;
import io.oneinfra.proxy.cri.CriMethods;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
 * <p>The {@code method} label is a CRI method name or {@code other}, so a client cannot grow the label set. A
 * method's series are looked up once and kept, off the per-call path.
 */
public final class CallMetrics implements CallListener {
  private static final double[] BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
      30, 60};

  private final Counter calls;
  private final Histogram duration;
  private final Gauge inFlight;
  private final Counter bridged;
  private final Counter denied;
  private final Map<String, PerMethod> methods = new ConcurrentHashMap<>();

  /** One method's series. */
  private final class PerMethod {
    final String method;
    final DistributionDataPoint duration;
    final GaugeDataPoint inFlight;
    final CounterDataPoint bridged;
    final CounterDataPoint denied;
    final Map<String, CounterDataPoint> calls = new ConcurrentHashMap<>();

    PerMethod(String method) {
      this.method = method;
      duration = CallMetrics.this.duration.labelValues(method);
      inFlight = CallMetrics.this.inFlight.labelValues(method);
      bridged = CallMetrics.this.bridged.labelValues(method);
      denied = CallMetrics.this.denied.labelValues(method);
    }

    CounterDataPoint calls(String api, String code) {
      return calls.computeIfAbsent(api + ' ' + code, k -> CallMetrics.this.calls.labelValues(method, api, code));
    }
  }

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

  private PerMethod of(String name) {
    return methods.computeIfAbsent(label(name), PerMethod::new);
  }

  @Override
  public void started(String name) {
    of(name).inFlight.inc();
  }

  @Override
  public void ended(CallRecord record) {
    PerMethod method = of(record.name());
    method.calls(record.api().isEmpty() ? "none" : record.api(), record.grpcCode()).inc();
    if (record.forwarded().isEmpty()) {
      if (!record.allowed()) {
        method.denied.inc();
      }
      return;
    }
    method.inFlight.dec();
    method.duration.observe(record.durationNanos() / 1e9);
    if (record.bridged()) {
      method.bridged.inc();
    }
  }
}
