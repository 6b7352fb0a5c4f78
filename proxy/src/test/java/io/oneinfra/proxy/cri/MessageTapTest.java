package io.oneinfra.proxy.cri;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageTapTest {
  private static final ProtoFields CONTAINER_ID = new ProtoFields().leaf(1, "container_id");

  private static long feed(MessageTap tap, byte[] bytes, int... cuts) {
    int from = 0;
    for (int cut : cuts) {
      long over = feedOne(tap, Arrays.copyOfRange(bytes, from, cut));
      if (over >= 0) {
        return over;
      }
      from = cut;
    }
    return feedOne(tap, Arrays.copyOfRange(bytes, from, bytes.length));
  }

  private static long feedOne(MessageTap tap, byte[] bytes) {
    ByteBuf buf = Unpooled.wrappedBuffer(bytes);
    try {
      int before = buf.readerIndex();
      long over = tap.accept(buf);
      assertThat(buf.readerIndex()).as("the tap never consumes").isEqualTo(before);
      return over;
    } finally {
      buf.release();
    }
  }

  @Test
  void readsTheFirstMessageSplitAnywhereAcrossFrames() {
    byte[] framed = new ProtoWriter().string(1, "container-42").grpcFramed();
    for (int a = 1; a < framed.length - 1; a++) {
      MessageTap tap = new MessageTap(1024, 1024);
      assertThat(feed(tap, framed, a, a + 1)).isEqualTo(-1);
      Map<String, String> out = new HashMap<>();
      tap.readFirst(CONTAINER_ID, out);
      assertThat(out).as("cut at %d", a).containsEntry("container_id", "container-42");
    }
  }

  @Test
  void onlyTheFirstMessageIsKept() {
    byte[] first = new ProtoWriter().string(1, "first").grpcFramed();
    byte[] second = new ProtoWriter().string(1, "second").grpcFramed();
    byte[] both = new byte[first.length + second.length];
    System.arraycopy(first, 0, both, 0, first.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    MessageTap tap = new MessageTap(1024, 1024);
    assertThat(feed(tap, both)).isEqualTo(-1);
    Map<String, String> out = new HashMap<>();
    tap.readFirst(CONTAINER_ID, out);
    assertThat(out).containsExactly(Map.entry("container_id", "first"));
  }

  @Test
  void aDeclaredLengthBeyondTheCapIsReportedBeforeTheBodyArrives() {
    MessageTap tap = new MessageTap(1000, 0);
    assertThat(feed(tap, new byte[] {0, 0, 0, 3, (byte) 0xe9})).isEqualTo(1001);
    assertThat(new MessageTap(1000, 0).accept(Unpooled.wrappedBuffer(new byte[] {0, 0x7f, (byte) 0xff, 0, 0})))
        .isEqualTo(0x7fff0000L);
  }

  @Test
  void theCapAppliesToEveryMessageNotOnlyTheFirst() {
    byte[] small = new ProtoWriter().string(1, "ok").grpcFramed();
    byte[] stream = Arrays.copyOf(small, small.length + 5);
    stream[small.length + 1] = 0x10; // second prefix: 256 MiB
    assertThat(feed(new MessageTap(1024, 64), stream)).isEqualTo(0x10000000L);
  }

  @Test
  void emptyMessagesAndCompressedOnesAreHandled() {
    MessageTap tap = new MessageTap(1024, 1024);
    assertThat(feed(tap, new byte[] {1, 0, 0, 0, 2, 9, 9, 0, 0, 0, 0, 0})).isEqualTo(-1);
    assertThat(tap.compressed()).isTrue();
    Map<String, String> out = new HashMap<>();
    tap.readFirst(CONTAINER_ID, out);
    assertThat(out).isEmpty();
  }

  @Test
  void captureIsBounded() {
    byte[] framed = new ProtoWriter().string(1, "id").string(2, "y".repeat(100_000)).grpcFramed();
    MessageTap tap = new MessageTap(1 << 20, 64);
    assertThat(feed(tap, framed, 1000, 50_000)).isEqualTo(-1);
    Map<String, String> out = new HashMap<>();
    tap.readFirst(CONTAINER_ID, out);
    assertThat(out).containsExactly(Map.entry("container_id", "id"));
  }
}
