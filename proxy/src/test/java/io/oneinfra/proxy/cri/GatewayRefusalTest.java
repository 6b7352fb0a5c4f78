package io.oneinfra.proxy.cri;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import org.junit.jupiter.api.Test;

class GatewayRefusalTest {
  private static GatewayRefusal classify(Http2Error error, String message) {
    return GatewayRefusal.classify(Http2Exception.connectionError(error, message));
  }

  @Test
  void classifiesNettysConnectionErrors() {
    assertThat(classify(Http2Error.PROTOCOL_ERROR, "Unexpected HTTP/1.x request: GET /"))
        .isEqualTo(GatewayRefusal.BAD_PREFACE);
    assertThat(classify(Http2Error.PROTOCOL_ERROR, "HTTP/2 client preface string missing or corrupt."))
        .isEqualTo(GatewayRefusal.BAD_PREFACE);
    assertThat(classify(Http2Error.ENHANCE_YOUR_CALM, "Maximum number 200 of RST frames reached within 30 seconds"))
        .isEqualTo(GatewayRefusal.RAPID_RESET);
    assertThat(classify(Http2Error.ENHANCE_YOUR_CALM,
        "Number of small consecutive continuations frames 16 exceeds maximum: 16"))
        .isEqualTo(GatewayRefusal.CONTINUATION_FLOOD);
    assertThat(classify(Http2Error.PROTOCOL_ERROR, "Header size exceeded max allowed size (10240)"))
        .isEqualTo(GatewayRefusal.HEADER_LIST_TOO_LARGE);
    assertThat(classify(Http2Error.ENHANCE_YOUR_CALM, "Maximum number 10000 of outstanding control frames reached"))
        .isEqualTo(GatewayRefusal.CONTROL_FRAME_FLOOD);
    assertThat(classify(Http2Error.PROTOCOL_ERROR, "Maximum active streams violated for this endpoint: 16"))
        .isEqualTo(GatewayRefusal.TOO_MANY_STREAMS);
    assertThat(classify(Http2Error.FRAME_SIZE_ERROR, "Frame length 99999 exceeds maximum"))
        .isEqualTo(GatewayRefusal.PROTOCOL);
    assertThat(GatewayRefusal.RAPID_RESET.metricName()).isEqualTo("rapid_reset");
  }
}
