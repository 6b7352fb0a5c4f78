package io.oneinfra.proxy.cri;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import java.util.EnumMap;
import java.util.Map;

/** The gateway's own meters: {@code proxy.cri.refused.<reason>}, one per {@link GatewayRefusal}. */
final class GatewayMetrics {
  private final Map<GatewayRefusal, Meter> refused = new EnumMap<>(GatewayRefusal.class);

  GatewayMetrics(MetricRegistry registry) {
    for (GatewayRefusal reason : GatewayRefusal.values()) {
      refused.put(reason, registry.meter("proxy.cri.refused." + reason.metricName()));
    }
  }

  void refused(GatewayRefusal reason) {
    refused.get(reason).mark();
  }
}
