package io.oneinfra.proxy.cri;

import java.util.Objects;

/**
 * The gateway's fixed limits and its bridging rule; the method policy and the audit switch live in {@link CriGateway},
 * which can swap them at run time.
 *
 * @param bridge when {@code runtime.v1alpha2} calls are rewritten to {@code runtime.v1}
 * @param maxConcurrentStreams calls one client connection may have open at once (HTTP/2 MAX_CONCURRENT_STREAMS)
 * @param maxHeaderListSize bytes of headers one call may send (HTTP/2 MAX_HEADER_LIST_SIZE)
 * @param maxMessageSize the largest request message a client may declare; larger calls fail RESOURCE_EXHAUSTED
 *     before the runtime sees them
 * @param maxPingsPerMinute PING and SETTINGS frames a client may send per minute before it is cut off
 */
public record CriSettings(Bridge bridge, int maxConcurrentStreams, int maxHeaderListSize, int maxMessageSize,
    int maxPingsPerMinute) {

  /** When to rewrite {@code runtime.v1alpha2} calls to {@code runtime.v1}. */
  public enum Bridge {
    /** Only while the runtime does not serve v1alpha2 (as its last CRI check found). */
    AUTO,
    /** Never: calls pass with the API version the client used. */
    NEVER,
    /** Always, whatever the runtime serves. */
    ALWAYS
  }

  /** Defaults: bridge when needed, 1000 streams, 16 KiB of headers, 16 MiB messages (containerd's own limit). */
  public static final CriSettings DEFAULTS = new CriSettings(Bridge.AUTO, 1000, 16 * 1024, 16 * 1024 * 1024, 120);

  public CriSettings {
    Objects.requireNonNull(bridge, "cri.bridge");
    atLeast("cri.maxConcurrentStreams", maxConcurrentStreams, 1);
    atLeast("cri.maxHeaderListSize", maxHeaderListSize, 1024);
    atLeast("cri.maxMessageSize", maxMessageSize, 1024);
    atLeast("cri.maxPingsPerMinute", maxPingsPerMinute, 1);
  }

  private static void atLeast(String field, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(field + ": " + value + " must be at least " + min);
    }
  }
}
