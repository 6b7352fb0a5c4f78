package io.oneinfra.tests.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran (the suite runs with
 * {@code -Dio.netty.leakDetection.level=paranoid}). Registered for every class by JUnit's extension auto-detection.
 */
public final class NoLeaks implements AfterAllCallback {
  @Override
  public void afterAll(ExtensionContext context) {
    // leaks are found when their buffers are collected and reported on a later allocation: make both happen now
    for (int round = 0; round < 3; round++) {
      System.gc();
      for (int i = 0; i < 64; i++) {
        ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        probe.release();
      }
    }
    assertThat(LeakRecorder.drain()).as("Netty leak reports during %s", context.getDisplayName()).isEmpty();
  }
}
