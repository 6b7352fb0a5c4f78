package io.oneinfra.agent.gateway;

import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.proxy.cri.CallRecord;
import io.oneinfra.proxy.cri.ClientIdentity;
import java.time.Instant;
import java.util.Map;

/** Call records for the gateway tests. */
final class Records {
  private Records() {}

  static final ClientIdentity CLIENT = ClientIdentity.of(
      CertificateIssuer.certificate("oneinfra-client").clientAuth().issue().certificate(), "oneinfra-client",
      "10.0.0.2:51234");

  static CallRecord allowed(String name, int status, Map<String, String> fields) {
    return new CallRecord(Instant.parse("2026-11-29T09:12:01.518Z"), CLIENT, "/runtime.v1alpha2.RuntimeService/" + name,
        "/runtime.v1.RuntimeService/" + name, "v1alpha2", name, true, "profile controller", fields, status, "",
        41_210_000, 1187, 69);
  }

  static CallRecord denied(String name) {
    return new CallRecord(Instant.parse("2026-11-29T09:12:02Z"), CLIENT, "/runtime.v1.RuntimeService/" + name, "",
        "v1", name, false, name + " is granted by no profile", Map.of(), 7, "permission denied", 10_000, 0, 0);
  }
}
