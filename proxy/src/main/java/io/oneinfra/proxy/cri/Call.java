package io.oneinfra.proxy.cri;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** One gRPC call: its client stream, its runtime stream once forwarded, and what the audit record will say. */
final class Call {
  final int clientStream;
  final CriMethod method;
  final Instant start = Instant.now();
  final long startNanos = System.nanoTime();
  final MessageTap requestTap;
  final MessageTap responseTap;
  int runtimeStream;
  CriMethod forwarded;
  MethodPolicy.Decision decision;
  boolean responseStarted;
  /** The client was sent the end of the response (trailers, or a reset). */
  boolean responseEnded;
  long requestBytes;
  long responseBytes;
  int status = -1;
  String message = "";
  private boolean ended;

  Call(int clientStream, CriMethod method, int maxMessageSize, boolean audit) {
    this.clientStream = clientStream;
    this.method = method;
    boolean requestFields = audit && AuditFields.request(method.name()) != null;
    boolean responseFields = audit && AuditFields.response(method.name()) != null;
    this.requestTap = new MessageTap(maxMessageSize, requestFields ? AuditFields.REQUEST_CAPTURE : 0);
    this.responseTap = responseFields ? new MessageTap(Long.MAX_VALUE, AuditFields.RESPONSE_CAPTURE) : null;
  }

  /** Sets the outcome unless one is already known (the first word on a call's fate wins). */
  void outcome(int code, String text) {
    if (status < 0) {
      status = code;
      message = text;
    }
  }

  /** The record of this call, once; null when it was already recorded. */
  CallRecord end(ClientIdentity client) {
    if (ended) {
      return null;
    }
    ended = true;
    Map<String, String> fields = new HashMap<>();
    requestTap.readFirst(AuditFields.request(method.name()), fields);
    if (responseTap != null) {
      responseTap.readFirst(AuditFields.response(method.name()), fields);
    }
    if (requestTap.compressed()) {
      fields.put("note", "request compressed: fields not read");
    }
    return new CallRecord(start, client, method.path(), forwarded == null ? "" : forwarded.path(), method.api(),
        method.name(), decision != null && decision.allowed(), decision == null ? "" : decision.reason(), fields,
        status < 0 ? GrpcStatus.UNKNOWN : status, message, System.nanoTime() - startNanos, requestBytes,
        responseBytes);
  }
}
