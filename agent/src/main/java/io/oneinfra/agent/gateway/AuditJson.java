package io.oneinfra.agent.gateway;

import io.oneinfra.agent.log.JsonStrings;
import io.oneinfra.proxy.cri.CallRecord;
import java.util.Map;
import java.util.TreeMap;

/** One audit record as one line of JSON; the field names are documented in docs/GATEWAY.md. */
final class AuditJson {
  private AuditJson() {}

  static String line(CallRecord r) {
    StringBuilder out = new StringBuilder(512).append('{');
    field(out, "time", r.start().toString());
    field(out, "client_cn", r.client().commonName());
    field(out, "client_spki_sha256", r.client().spkiSha256());
    field(out, "source", r.client().source());
    field(out, "method", r.method());
    field(out, "forwarded_as", r.forwarded());
    out.append(",\"bridged\":").append(r.bridged());
    field(out, "api", r.api());
    field(out, "decision", r.allowed() ? "allowed" : "denied");
    field(out, "reason", r.decision());
    for (Map.Entry<String, String> e : new TreeMap<>(r.fields()).entrySet()) {
      field(out, e.getKey(), e.getValue());
    }
    field(out, "code", r.grpcCode());
    out.append(",\"code_number\":").append(r.grpcStatus());
    field(out, "message", r.grpcMessage());
    long micros = r.durationNanos() / 1000;
    out.append(",\"duration_ms\":").append(micros / 1000).append('.');
    String fraction = Long.toString(micros % 1000);
    out.append("000", 0, 3 - fraction.length()).append(fraction);
    out.append(",\"request_bytes\":").append(r.requestBytes());
    out.append(",\"response_bytes\":").append(r.responseBytes());
    return out.append('}').toString();
  }

  private static void field(StringBuilder out, String name, String value) {
    if (out.length() > 1) {
      out.append(',');
    }
    JsonStrings.quote(out, name).append(':');
    JsonStrings.quote(out, value == null ? "" : value);
  }
}
