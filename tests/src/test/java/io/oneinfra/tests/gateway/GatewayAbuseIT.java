package io.oneinfra.tests.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.agent.Agent;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.TestAgents;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 and gRPC abuse against the gateway, each by a client holding the controller's own certificate (the door
 * cannot help): the connection is cut off and counted under its reason, and the controller is served right after.
 * The agent runs in front of a real containerd 1.6, with small limits so that each case is quick.
 */
@ExtendWith(SharedContainerd.class)
class GatewayAbuseIT {
  private static final long ENHANCE_YOUR_CALM = 0xb;
  private static final long PROTOCOL_ERROR = 0x1;
  private static final String VERSION = "/runtime.v1alpha2.RuntimeService/Version";

  @TempDir
  static Path state;
  static Agent agent;

  @BeforeAll
  static void start(Containerd containerd) throws Exception {
    agent = TestAgents.start(state, containerd, "gateway-abuse", """
        cri:
          maxConcurrentStreams: 16
          maxHeaderListSize: 8KiB
          maxMessageSize: 64KiB
          maxPingsPerMinute: 60
        """);
  }

  @AfterAll
  static void stop() {
    if (agent != null) {
      agent.close();
    }
  }

  @AfterEach
  void theControllerIsServedRightAfter() throws Exception {
    try (CriChannel channel = ControllerView.dial(GatewayBed.manifest(agent), null)) {
      assertThat(new CriClient(channel.channel(), CriApiVersion.V1ALPHA2, Duration.ofSeconds(10)).version()
          .getRuntimeName()).isEqualTo("containerd");
    }
  }

  private static RawH2 connect() throws Exception {
    return RawH2.connect(GatewayBed.manifest(agent));
  }

  private static long refused(String reason) {
    return agent.metrics().meter("proxy.cri.refused." + reason).getCount();
  }

  private static byte[] int32(long value) {
    return ByteBuffer.allocate(4).putInt((int) value).array();
  }

  @Test
  void rapidResetIsCutOff() throws Exception {
    long before = refused("rapid_reset");
    try (RawH2 h2 = connect().start()) {
      try {
        for (int i = 0; i < 1000; i++) {
          int stream = 1 + 2 * i;
          h2.frame(RawH2.HEADERS, RawH2.END_HEADERS, stream, RawH2.grpcHeaders(VERSION, Map.of()));
          h2.frame(RawH2.RST_STREAM, 0, stream, int32(0x8)); // CANCEL
        }
      } catch (IOException cutOff) {
        // expected once the gateway has had enough
      }
      RawH2.Frame goAway = h2.awaitGoAway(Duration.ofSeconds(10));
      assertThat(goAway).isNotNull();
      assertThat(goAway.goAwayCode()).isEqualTo(ENHANCE_YOUR_CALM);
      assertThat(h2.closedWithin(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(refused("rapid_reset")).isGreaterThan(before);
  }

  @Test
  void continuationFloodIsCutOff() throws Exception {
    long before = refused("continuation_flood");
    try (RawH2 h2 = connect().start()) {
      try {
        h2.frame(RawH2.HEADERS, 0, 1, new byte[] {0x00});
        for (int i = 0; i < 10_000; i++) {
          h2.frame(RawH2.CONTINUATION, 0, 1, new byte[] {0x00});
        }
      } catch (IOException cutOff) {
        // expected
      }
      RawH2.Frame goAway = h2.awaitGoAway(Duration.ofSeconds(10));
      assertThat(goAway).isNotNull();
      assertThat(goAway.goAwayCode()).isEqualTo(ENHANCE_YOUR_CALM);
    }
    assertThat(refused("continuation_flood")).isGreaterThan(before);
  }

  @Test
  void oversizedHeadersAreCutOff() throws Exception {
    long before = refused("header_list_too_large");
    try (RawH2 h2 = connect().start()) {
      byte[] block = RawH2.grpcHeaders(VERSION, Map.of("x-big", "x".repeat(20_000)));
      try {
        h2.frame(RawH2.HEADERS, 0, 1, java.util.Arrays.copyOfRange(block, 0, 10_000));
        h2.frame(RawH2.CONTINUATION, RawH2.END_HEADERS, 1, java.util.Arrays.copyOfRange(block, 10_000, block.length));
      } catch (IOException cutOff) {
        // expected
      }
      RawH2.Frame goAway = h2.awaitGoAway(Duration.ofSeconds(10));
      assertThat(goAway).isNotNull();
      assertThat(goAway.goAwayCode()).isEqualTo(PROTOCOL_ERROR);
    }
    assertThat(refused("header_list_too_large")).isGreaterThan(before);
  }

  @Test
  void endlessHeadersAreCutOff() throws Exception {
    long before = refused("header_list_too_large");
    try (RawH2 h2 = connect().start()) {
      byte[] chunk = new byte[4096];
      try {
        h2.frame(RawH2.HEADERS, 0, 1, chunk);
        for (int i = 0; i < 10_000; i++) {
          h2.frame(RawH2.CONTINUATION, 0, 1, chunk);
        }
      } catch (IOException cutOff) {
        // expected
      }
      assertThat(h2.awaitGoAway(Duration.ofSeconds(10))).isNotNull();
      assertThat(h2.closedWithin(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(refused("header_list_too_large")).isGreaterThan(before);
  }

  @Test
  void pingFloodIsCutOff() throws Exception {
    long before = refused("control_frame_flood");
    try (RawH2 h2 = connect().start()) {
      try {
        for (int i = 0; i < 10_000; i++) {
          h2.frame(RawH2.PING, 0, 0, new byte[8]);
        }
      } catch (IOException cutOff) {
        // expected
      }
      RawH2.Frame goAway = h2.awaitGoAway(Duration.ofSeconds(10));
      assertThat(goAway).isNotNull();
      assertThat(goAway.goAwayCode()).isEqualTo(ENHANCE_YOUR_CALM);
      assertThat(new String(goAway.payload(), 8, goAway.payload().length - 8, StandardCharsets.US_ASCII))
          .isEqualTo("control_frame_flood");
    }
    assertThat(refused("control_frame_flood")).isGreaterThan(before);
  }

  @Test
  void settingsFloodIsCutOff() throws Exception {
    long before = refused("control_frame_flood");
    try (RawH2 h2 = connect().start()) {
      try {
        for (int i = 0; i < 10_000; i++) {
          h2.frame(RawH2.SETTINGS, 0, 0, new byte[0]);
        }
      } catch (IOException cutOff) {
        // expected
      }
      assertThat(h2.awaitGoAway(Duration.ofSeconds(10))).isNotNull();
    }
    assertThat(refused("control_frame_flood")).isGreaterThan(before);
  }

  @Test
  void moreStreamsThanAllowedIsCutOff() throws Exception {
    long before = refused("too_many_streams");
    try (RawH2 h2 = connect().start()) {
      try {
        for (int i = 0; i < 200; i++) { // headers only, never ended: each stays open
          h2.frame(RawH2.HEADERS, RawH2.END_HEADERS, 1 + 2 * i, RawH2.grpcHeaders(VERSION, Map.of()));
        }
      } catch (IOException cutOff) {
        // expected
      }
      RawH2.Frame goAway = h2.awaitGoAway(Duration.ofSeconds(10));
      assertThat(goAway).isNotNull();
      assertThat(goAway.goAwayCode()).isEqualTo(ENHANCE_YOUR_CALM);
    }
    assertThat(refused("too_many_streams")).isGreaterThan(before);
  }

  @Test
  void aBadPrefaceIsCutOff() throws Exception {
    long before = refused("bad_preface");
    try (RawH2 h2 = connect()) {
      h2.raw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(h2.closedWithin(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(refused("bad_preface")).isGreaterThan(before);
  }

  @Test
  void aMessageDeclaredBeyondTheCapIsRefusedBeforeTheRuntime() throws Exception {
    long before = refused("message_too_large");
    try (RawH2 h2 = connect().start()) {
      h2.frame(RawH2.HEADERS, RawH2.END_HEADERS, 1, RawH2.grpcHeaders(VERSION, Map.of()));
      // a gRPC message prefix declaring 1 GiB, then a few bytes of it
      h2.frame(RawH2.DATA, 0, 1, new byte[] {0, 0x40, 0, 0, 0, 1, 2, 3});
      RawH2.Frame answer = h2.read(Duration.ofSeconds(10));
      while (answer != null && answer.type() != RawH2.HEADERS) {
        answer = h2.read(Duration.ofSeconds(10));
      }
      assertThat(answer).isNotNull();
      assertThat(answer.stream()).isEqualTo(1);
      assertThat(answer.flags() & RawH2.END_STREAM).as("trailers-only answer").isEqualTo(RawH2.END_STREAM);
      // HPACK-encoded by Netty: the status value is there as plain text (no Huffman for such short values is not
      // guaranteed), so check the gateway's count and the connection's health instead of decoding
      h2.frame(RawH2.PING, 0, 0, new byte[8]);
      RawH2.Frame pong = h2.read(Duration.ofSeconds(10));
      while (pong != null && pong.type() != RawH2.PING) {
        pong = h2.read(Duration.ofSeconds(10));
      }
      assertThat(pong).as("the connection stays up: only the call was refused").isNotNull();
    }
    assertThat(refused("message_too_large")).isEqualTo(before + 1);
    // the audit writer batches its records (every 100 ms): wait for this one
    Path audit = agent.audit().orElseThrow().file();
    Poll.until(Duration.ofSeconds(10), "the refused call's audit record", () -> {
      String records = contents(audit);
      return records.contains("RESOURCE_EXHAUSTED") && records.contains(
          "larger than the limit of 65536 (cri.maxMessageSize)");
    }, () -> contents(audit));
  }

  /** The audit file as written so far (a failure to read it reads as nothing written yet, and says why). */
  private static String contents(Path audit) {
    try {
      return Files.readString(audit);
    } catch (IOException e) {
      return "cannot read " + audit + ": " + e;
    }
  }
}
