package io.oneinfra.tests.support;

import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.tests.testbed.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Controller connections that keep calling CRI Version, each on the one connection it opened first, until stopped:
 * the load under which a draining agent must fail no call.
 */
public final class OpenConnectionCallers {
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);

  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicInteger calls = new AtomicInteger();
  private final List<CompletableFuture<Void>> callers = new ArrayList<>();

  private OpenConnectionCallers() {}

  /** Starts {@code count} callers dialling the manifest's endpoint; returns once each has made its first call. */
  public static OpenConnectionCallers start(HypervisorManifest manifest, int count, CriApiVersion api)
      throws InterruptedException {
    OpenConnectionCallers load = new OpenConnectionCallers();
    CountDownLatch connected = new CountDownLatch(count);
    for (int i = 0; i < count; i++) {
      load.callers.add(CompletableFuture.runAsync(() -> {
        try (CriChannel channel = ControllerView.dial(manifest, null)) {
          CriClient cri = new CriClient(channel.channel(), api, CALL_DEADLINE);
          cri.version();
          connected.countDown();
          while (!load.stop.get()) {
            cri.version();
            load.calls.incrementAndGet();
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    if (!connected.await(30, TimeUnit.SECONDS)) {
      load.stop.set(true);
      throw new IllegalStateException("callers not connected within 30 s");
    }
    return load;
  }

  /** Waits until {@code more} calls have completed from now on. */
  public void awaitMoreCalls(int more, Duration timeout) {
    int now = calls.get();
    Poll.until(timeout, more + " more calls on the open connections", () -> calls.get() >= now + more);
  }

  /** Stops calling, waits for every caller to close its connection, and rethrows a failed call. */
  public void stopAndCheck(Duration timeout) throws Exception {
    stop.set(true);
    for (CompletableFuture<Void> caller : callers) {
      caller.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
