package io.oneinfra.proxy.cri;

/**
 * Told about every call through the gateway, on the connection's event loop: must be quick and must not block (hand
 * slow work such as file writes to a thread of its own).
 */
public interface CallListener {
  /** A call was authorized and sent on to the runtime ({@code name}: the CRI method's name). */
  default void started(String name) {}

  /** A call ended (forwarded or denied). */
  void ended(CallRecord record);

  /** Ignores everything. */
  CallListener NONE = record -> { };
}
