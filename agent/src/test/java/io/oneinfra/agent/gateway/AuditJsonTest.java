package io.oneinfra.agent.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditJsonTest {
  @Test
  void writesEveryFieldOnOneLine() throws Exception {
    String line = AuditJson.line(Records.allowed("CreateContainer", 0,
        Map.of("container_id", "c1", "pod_sandbox_id", "p1", "image", "img:1")));
    assertThat(line).doesNotContain("\n");
    JsonNode r = new ObjectMapper().readTree(line);
    List<String> names = new java.util.ArrayList<>();
    r.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactly("time", "client_cn", "client_spki_sha256", "source", "method", "forwarded_as",
        "bridged", "api", "decision", "reason", "container_id", "image", "pod_sandbox_id", "code", "code_number",
        "message", "duration_ms", "request_bytes", "response_bytes");
    assertThat(r.path("time").asText()).isEqualTo("2026-11-29T09:12:01.518Z");
    assertThat(r.path("client_spki_sha256").asText()).isEqualTo(Records.CLIENT.spkiSha256()).hasSize(64);
    assertThat(r.path("forwarded_as").asText()).isEqualTo("/runtime.v1.RuntimeService/CreateContainer");
    assertThat(r.path("bridged").asBoolean()).isTrue();
    assertThat(r.path("code").asText()).isEqualTo("OK");
    assertThat(r.path("duration_ms").asDouble()).isEqualTo(41.21);
    assertThat(r.path("request_bytes").asLong()).isEqualTo(1187);
  }

  @Test
  void escapesWhatClientsSend() throws Exception {
    String nasty = "a\"b\\c\nd\te\u0001f\u2028g";
    String line = AuditJson.line(Records.allowed("ImageStatus", 5, Map.of("image", nasty)));
    assertThat(line).doesNotContain("\n").doesNotContain("\u2028");
    assertThat(new ObjectMapper().readTree(line).path("image").asText()).isEqualTo(nasty);
  }

  @Test
  void aDeniedCallIsMarkedSo() throws Exception {
    JsonNode r = new ObjectMapper().readTree(AuditJson.line(Records.denied("ExecSync")));
    assertThat(r.path("decision").asText()).isEqualTo("denied");
    assertThat(r.path("forwarded_as").asText()).isEmpty();
    assertThat(r.path("bridged").asBoolean()).isFalse();
    assertThat(r.path("code").asText()).isEqualTo("PERMISSION_DENIED");
  }
}
