package io.oneinfra.agent.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.proxy.cri.CallRecord;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallMetricsTest {
  private static String scrape(PrometheusRegistry registry) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void countsCallsByMethodApiAndCodeWithLatencyAndInFlight() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    CallMetrics metrics = new CallMetrics(registry);
    metrics.started("CreateContainer");
    assertThat(scrape(registry)).contains("cri_calls_in_flight{method=\"CreateContainer\"} 1.0");
    metrics.ended(Records.allowed("CreateContainer", 0, Map.of()));
    String text = scrape(registry);
    assertThat(text).contains("cri_calls_total{api=\"v1alpha2\",code=\"OK\",method=\"CreateContainer\"} 1.0")
        .contains("cri_calls_in_flight{method=\"CreateContainer\"} 0.0")
        .contains("cri_calls_bridged_total{method=\"CreateContainer\"} 1.0")
        .contains("cri_call_duration_seconds_bucket{method=\"CreateContainer\",le=\"0.05\"} 1")
        .contains("cri_call_duration_seconds_bucket{method=\"CreateContainer\",le=\"0.025\"} 0");
  }

  @Test
  void deniedCallsAreCountedAndNeverInFlight() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    CallMetrics metrics = new CallMetrics(registry);
    metrics.ended(Records.denied("ExecSync"));
    assertThat(scrape(registry))
        .contains("cri_calls_total{api=\"v1\",code=\"PERMISSION_DENIED\",method=\"ExecSync\"} 1.0")
        .contains("cri_calls_denied_total{method=\"ExecSync\"} 1.0")
        .contains("cri_calls_in_flight{method=\"ExecSync\"} 0.0");
  }

  @Test
  void aClientCannotGrowTheLabelSet() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    CallMetrics metrics = new CallMetrics(registry);
    for (int i = 0; i < 100; i++) {
      metrics.ended(new CallRecord(Instant.now(), Records.CLIENT, "/x.Y/Z" + i, "", "", "/x.Y/Z" + i, false,
          "not a method of the CRI", Map.of(), 7, "", 1, 0, 0));
    }
    String text = scrape(registry);
    assertThat(text).contains("cri_calls_total{api=\"none\",code=\"PERMISSION_DENIED\",method=\"other\"} 100.0")
        .doesNotContain("Z7");
  }
}
