package io.oneinfra.proxy.cri;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

class GrpcStatusTest {
  @Test
  void aTrailersOnlyAnswerCarriesStatusAndEncodedMessage() {
    Http2Headers headers = GrpcStatus.trailersOnly(GrpcStatus.PERMISSION_DENIED, "denied: 100% sûr\nnext");
    assertThat(headers.status().toString()).isEqualTo("200");
    assertThat(headers.get("content-type").toString()).isEqualTo("application/grpc");
    assertThat(headers.get("grpc-status").toString()).isEqualTo("7");
    assertThat(headers.get("grpc-message").toString()).isEqualTo("denied: 100%25 s%C3%BBr%0Anext");
    assertThat(GrpcStatus.of(headers)).isEqualTo(7);
    assertThat(GrpcStatus.message(headers)).isEqualTo("denied: 100% sûr\nnext");
  }

  @Test
  void trailersWithoutAStatusReadAsUnknown() {
    assertThat(GrpcStatus.of(new DefaultHttp2Headers())).isEqualTo(GrpcStatus.UNKNOWN);
    assertThat(GrpcStatus.of(new DefaultHttp2Headers().set("grpc-status", "x"))).isEqualTo(GrpcStatus.UNKNOWN);
    assertThat(GrpcStatus.message(new DefaultHttp2Headers())).isEmpty();
  }

  @Test
  void brokenPercentEncodingIsKeptAsText() {
    assertThat(GrpcStatus.percentDecode("50%")).isEqualTo("50%");
    assertThat(GrpcStatus.percentDecode("%zz!")).isEqualTo("%zz!");
  }

  @Test
  void resetsMapAsGrpcClientsMapThem() {
    assertThat(GrpcStatus.ofReset(Http2Error.CANCEL.code())).isEqualTo(GrpcStatus.CANCELLED);
    assertThat(GrpcStatus.ofReset(Http2Error.REFUSED_STREAM.code())).isEqualTo(GrpcStatus.UNAVAILABLE);
    assertThat(GrpcStatus.ofReset(Http2Error.ENHANCE_YOUR_CALM.code())).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
    assertThat(GrpcStatus.ofReset(Http2Error.PROTOCOL_ERROR.code())).isEqualTo(GrpcStatus.INTERNAL);
  }

  @Test
  void namesEveryCode() {
    assertThat(GrpcStatus.name(0)).isEqualTo("OK");
    assertThat(GrpcStatus.name(16)).isEqualTo("UNAUTHENTICATED");
    assertThat(GrpcStatus.name(99)).isEqualTo("CODE_99");
  }
}
