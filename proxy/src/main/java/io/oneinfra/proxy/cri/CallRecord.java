package io.oneinfra.proxy.cri;

import java.time.Instant;
import java.util.Map;

/**
 * One CRI call as it went through the gateway: what the audit trail writes and the per-method metrics count.
 *
 * @param start when the call's headers arrived
 * @param client who called (certificate CN and SPKI pin, source address)
 * @param method the path as called, e.g. {@code /runtime.v1alpha2.RuntimeService/RunPodSandbox}
 * @param forwarded the path as sent to the runtime (differs when bridged), or empty when not forwarded (denied)
 * @param api the CRI API version called ({@code v1}, {@code v1alpha2}), or empty for a non-CRI path
 * @param name the CRI method's name, e.g. {@code RunPodSandbox}
 * @param allowed whether the method policy let it through
 * @param decision the policy's reason, e.g. {@code profile controller} or {@code denied by cri.authorization.deny[0]}
 * @param fields audit fields read from the first request and response messages (ids, image, pod name/namespace)
 * @param grpcStatus the gRPC status code (0 OK, 7 PERMISSION_DENIED, ...)
 * @param grpcMessage the status message, if any
 * @param durationNanos from headers in to the end of the response
 * @param requestBytes gRPC message bytes from the client (DATA payload)
 * @param responseBytes gRPC message bytes to the client (DATA payload)
 */
public record CallRecord(Instant start, ClientIdentity client, String method, String forwarded, String api,
    String name, boolean allowed, String decision, Map<String, String> fields, int grpcStatus, String grpcMessage,
    long durationNanos, long requestBytes, long responseBytes) {

  public CallRecord {
    fields = Map.copyOf(fields);
  }

  /** True when the call was rewritten from v1alpha2 to v1 on its way. */
  public boolean bridged() {
    return !forwarded.isEmpty() && !forwarded.equals(method);
  }

  /** The canonical name of the gRPC status code, e.g. {@code PERMISSION_DENIED}. */
  public String grpcCode() {
    return GrpcStatus.name(grpcStatus);
  }
}
