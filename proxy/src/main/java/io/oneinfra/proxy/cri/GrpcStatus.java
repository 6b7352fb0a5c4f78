package io.oneinfra.proxy.cri;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** gRPC status codes and the trailers-only response the gateway answers with itself. */
final class GrpcStatus {
  private GrpcStatus() {}

  static final int OK = 0;
  static final int CANCELLED = 1;
  static final int UNKNOWN = 2;
  static final int RESOURCE_EXHAUSTED = 8;
  static final int PERMISSION_DENIED = 7;
  static final int INTERNAL = 13;
  static final int UNAVAILABLE = 14;

  private static final String[] NAMES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
      "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};

  /** The canonical name of {@code code}, or {@code CODE_<n>} for one outside the 17 gRPC defines. */
  static String name(int code) {
    return code >= 0 && code < NAMES.length ? NAMES[code] : "CODE_" + code;
  }

  /** A complete response in one HEADERS frame: HTTP 200 with the status and message, as gRPC servers send. */
  static Http2Headers trailersOnly(int code, String message) {
    return new DefaultHttp2Headers()
        .status("200")
        .set("content-type", "application/grpc")
        .set("grpc-status", Integer.toString(code))
        .set("grpc-message", percentEncode(message));
  }

  /** The status of trailers, or {@code UNKNOWN} when they carry none (as gRPC clients read it). */
  static int of(Http2Headers trailers) {
    CharSequence status = trailers.get("grpc-status");
    if (status == null) {
      return UNKNOWN;
    }
    try {
      return Integer.parseInt(status.toString());
    } catch (NumberFormatException e) {
      return UNKNOWN;
    }
  }

  /** The decoded {@code grpc-message} of trailers, or empty. */
  static String message(Http2Headers trailers) {
    CharSequence message = trailers.get("grpc-message");
    return message == null ? "" : percentDecode(message.toString());
  }

  /** The status a reset stream ends a call with, as gRPC clients map it. */
  static int ofReset(long errorCode) {
    if (errorCode == Http2Error.CANCEL.code()) {
      return CANCELLED;
    }
    if (errorCode == Http2Error.REFUSED_STREAM.code()) {
      return UNAVAILABLE;
    }
    if (errorCode == Http2Error.ENHANCE_YOUR_CALM.code()) {
      return RESOURCE_EXHAUSTED;
    }
    return INTERNAL;
  }

  // gRPC's grpc-message encoding: printable ASCII but '%' as is, every other byte of the UTF-8 as %XX.
  static String percentEncode(String message) {
    StringBuilder out = new StringBuilder(message.length());
    for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
      if (b >= 0x20 && b < 0x7f && b != '%') {
        out.append((char) b);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    return out.toString();
  }

  static String percentDecode(String text) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%' && i + 2 < text.length()) {
        int hi = Character.digit(text.charAt(i + 1), 16);
        int lo = Character.digit(text.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          out.write((hi << 4) | lo);
          i += 2;
          continue;
        }
      }
      out.write(c);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
