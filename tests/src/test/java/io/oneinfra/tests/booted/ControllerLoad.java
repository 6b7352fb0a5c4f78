package io.oneinfra.tests.booted;

import io.grpc.StatusRuntimeException;
import io.netty.channel.EventLoopGroup;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.tests.testbed.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The controller's traffic while the agent restarts: CRI Version calls every {@link #PACE} per caller, each caller
 * either on the one connection it keeps (persistent: what gRPC clients do, moved to a new connection by GOAWAY) or on
 * a new connection per call (fresh: what a reconnecting client does), dialled with the manifest's credentials. It
 * counts calls, failed calls, refused connections and the longest latency of each kind.
 */
final class ControllerLoad implements AutoCloseable {
  /** The client connected every 5 ms. */
  static final Duration PACE = Duration.ofMillis(5);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);
  private static final int KEPT_FAILURES = 10;

  /**
   * What the callers saw.
   *
   * @param calls calls made
   * @param failed calls that did not return OK (refused connections included)
   * @param refused failed calls whose connection was refused (nothing listened)
   * @param longestPersistent the slowest call on a kept connection
   * @param longestFresh the slowest call on a new connection, connecting and handshake included
   * @param overOneSecond calls that took more than a second
   * @param failures the first failures' descriptions
   */
  record Figures(long calls, long failed, long refused, Duration longestPersistent, Duration longestFresh,
      long overOneSecond, List<String> failures) {

    /** One line for the report. */
    String line() {
      return String.format(Locale.ROOT, "%d calls, %d failed, %d refused connections, longest %d ms (persistent "
          + "%d ms, fresh connection %d ms), %d over 1 s", calls, failed, refused,
          Math.max(longestPersistent.toMillis(), longestFresh.toMillis()), longestPersistent.toMillis(),
          longestFresh.toMillis(), overOneSecond);
    }
  }

  private final String endpoint;
  private final HypervisorManifest.RemoteCriEndpoint credentials;
  private final EventLoopGroup group = CriChannel.newGroup("controller-load");
  private final ScheduledExecutorService callers;
  private final List<CriChannel> kept = new CopyOnWriteArrayList<>();
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong longestPersistent = new AtomicLong();
  private final AtomicLong longestFresh = new AtomicLong();
  private final AtomicLong overOneSecond = new AtomicLong();
  private final List<String> failures = new CopyOnWriteArrayList<>();

  private ControllerLoad(String endpoint, HypervisorManifest manifest, int threads) {
    this.endpoint = endpoint;
    this.credentials = manifest.spec().remoteCriEndpoint();
    this.callers = Executors.newScheduledThreadPool(threads, runnable -> {
      Thread thread = new Thread(runnable, "controller-load");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Starts {@code persistent} callers on kept connections and {@code fresh} callers on new ones, towards
   * {@code endpoint} ({@code host:port}) with {@code manifest}'s credentials; returns once each kept connection has
   * answered a first call.
   */
  static ControllerLoad start(String endpoint, HypervisorManifest manifest, int persistent, int fresh)
      throws IOException {
    ControllerLoad load = new ControllerLoad(endpoint, manifest, persistent + fresh);
    for (int i = 0; i < persistent; i++) {
      CriChannel channel = load.dial();
      load.kept.add(channel);
      CriClient cri = new CriClient(channel.channel(), CriApiVersion.V1, CALL_DEADLINE);
      cri.version();
      load.callers.scheduleWithFixedDelay(() -> load.timed(cri::version, load.longestPersistent), 0,
          PACE.toNanos(), TimeUnit.NANOSECONDS);
    }
    for (int i = 0; i < fresh; i++) {
      load.callers.scheduleWithFixedDelay(() -> load.timed(() -> {
        try (CriChannel channel = load.dial()) {
          new CriClient(channel.channel(), CriApiVersion.V1, CALL_DEADLINE).version();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, load.longestFresh), 0, PACE.toNanos(), TimeUnit.NANOSECONDS);
    }
    return load;
  }

  private CriChannel dial() throws IOException {
    return CriChannel.remote(endpoint, credentials.caCertificate(), credentials.clientCertificate().certificate(),
        credentials.clientCertificate().privateKey(), group);
  }

  private void timed(Runnable call, AtomicLong longest) {
    long start = System.nanoTime();
    try {
      call.run();
      long took = System.nanoTime() - start;
      longest.accumulateAndGet(took, Math::max);
      if (took > TimeUnit.SECONDS.toNanos(1)) {
        overOneSecond.incrementAndGet();
      }
    } catch (RuntimeException e) {
      failed.incrementAndGet();
      if (refusedConnection(e)) {
        refused.incrementAndGet();
      }
      if (failures.size() < KEPT_FAILURES) {
        failures.add(e instanceof StatusRuntimeException s ? s.getStatus().toString() : e.toString());
      }
    } finally {
      calls.incrementAndGet();
    }
  }

  /** Whether the call failed because its connection was refused (ECONNREFUSED: nothing listened on the port). */
  private static boolean refusedConnection(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ConnectException && String.valueOf(t.getMessage()).contains("Connection refused")) {
        return true;
      }
    }
    return false;
  }

  /** Waits until {@code more} calls have been made from now on, failed or not. */
  void awaitMoreCalls(int more, Duration timeout) {
    long now = calls.get();
    Poll.until(timeout, more + " more calls", () -> calls.get() >= now + more);
  }

  /** Stops calling (a call under way finishes) and returns what the callers saw. */
  Figures stop() throws InterruptedException {
    callers.shutdown();
    if (!callers.awaitTermination(CALL_DEADLINE.toSeconds() + 10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("a call did not end within its deadline");
    }
    return new Figures(calls.get(), failed.get(), refused.get(), Duration.ofNanos(longestPersistent.get()),
        Duration.ofNanos(longestFresh.get()), overOneSecond.get(), new ArrayList<>(failures));
  }

  @Override
  public void close() {
    callers.shutdownNow();
    kept.forEach(CriChannel::close);
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }
}
