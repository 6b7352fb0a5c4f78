package io.oneinfra.proxy.cri;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import java.util.Locale;

/** Why the gateway cut a client off (or refused one call), as counted in {@code proxy.cri.refused.<reason>}. */
public enum GatewayRefusal {
  /** The connection did not start with the HTTP/2 client preface (HTTP/1.1, TLS without h2, garbage). */
  BAD_PREFACE,
  /** More stream resets than allowed per window (CVE-2023-44487). */
  RAPID_RESET,
  /** A header block larger than {@code cri.maxHeaderListSize}. */
  HEADER_LIST_TOO_LARGE,
  /** Many small CONTINUATION frames (CVE-2024-27316). */
  CONTINUATION_FLOOD,
  /** PING or SETTINGS frames beyond {@code cri.maxPingsPerMinute}, or control frames the client does not read. */
  CONTROL_FRAME_FLOOD,
  /** Streams opened beyond {@code cri.maxConcurrentStreams}, again and again. */
  TOO_MANY_STREAMS,
  /** A call declared a message larger than {@code cri.maxMessageSize} (the call is refused, not the connection). */
  MESSAGE_TOO_LARGE,
  /** Any other HTTP/2 protocol violation. */
  PROTOCOL;

  /** Lower-case name used in metric names and log lines. */
  public String metricName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Classifies a connection error Netty's HTTP/2 codec raised against a client. */
  static GatewayRefusal classify(Http2Exception error) {
    String message = String.valueOf(error.getMessage()).toLowerCase(Locale.ROOT);
    if (message.contains("preface") || message.contains("http/1.x") || message.contains("first received frame")) {
      return BAD_PREFACE;
    }
    if (message.contains("rst frames")) {
      return RAPID_RESET;
    }
    if (message.contains("continuation")) {
      return CONTINUATION_FLOOD;
    }
    if (message.contains("header size exceeded") || message.contains("header list size")) {
      return HEADER_LIST_TOO_LARGE;
    }
    if (message.contains("control frames")) {
      return CONTROL_FRAME_FLOOD;
    }
    if (message.contains("maximum active streams")) {
      return TOO_MANY_STREAMS;
    }
    return error.error() == Http2Error.ENHANCE_YOUR_CALM ? CONTROL_FRAME_FLOOD : PROTOCOL;
  }
}
