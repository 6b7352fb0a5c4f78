package io.oneinfra.tests.adversarial;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.netty.channel.EventLoopGroup;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.tests.support.CriScenario;
import io.oneinfra.tests.testbed.Containerd;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The controller at work: oneinfra's gRPC client configuration (the manifest's CA and client certificate, ALPN h2)
 * running the pod lifecycle on real containerd in loops, one on a persistent connection and others dialing a fresh
 * connection (a new handshake at the door) for every lifecycle. Every call's outcome and latency is recorded.
 */
public final class ControllerLoad implements AutoCloseable {
  /** A failed call or lifecycle step: when, what, why. */
  public record Failure(long atNanos, String what) {}

  /** The endpoint and credentials the controller dials. */
  public record Endpoint(String uri, String caPem, String certificatePem, String keyPem) {
    /** What a manifest says, optionally at another port (a reference proxy with the same certificates). */
    public static Endpoint of(HypervisorManifest manifest, int port) {
      HypervisorManifest.RemoteCriEndpoint e = manifest.spec().remoteCriEndpoint();
      String uri = e.criEndpointUri();
      return new Endpoint(uri.substring(0, uri.lastIndexOf(':') + 1) + port, e.caCertificate(),
          e.clientCertificate().certificate(), e.clientCertificate().privateKey());
    }
  }

  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private final Endpoint endpoint;
  private final Containerd containerd;
  private final EventLoopGroup group = CriChannel.newGroup("controller");
  private final List<Thread> loops = new ArrayList<>();
  private final List<Failure> failures = new ArrayList<>();
  private final List<Long> latencies = new ArrayList<>();
  private final AtomicLong lifecycles = new AtomicLong();
  private long worstNanos;
  private String worstCall = "-";
  private final Object pause = new Object();
  private volatile boolean paused;
  private int parked;
  private volatile boolean stopped;

  public ControllerLoad(Endpoint endpoint, Containerd containerd) {
    this.endpoint = endpoint;
    this.containerd = containerd;
  }

  /** Starts one persistent loop and {@code freshLoops} loops dialing a new connection per lifecycle. */
  public ControllerLoad start(int freshLoops) {
    loops.add(new Thread(this::persistentLoop, "controller-persistent"));
    for (int i = 0; i < freshLoops; i++) {
      loops.add(new Thread(this::freshLoop, "controller-fresh-" + i));
    }
    loops.forEach(Thread::start);
    return this;
  }

  private void persistentLoop() {
    try (CriChannel channel = dial()) {
      CriClient cri = client(channel);
      while (awaitTurn()) {
        lifecycle(cri);
      }
    } catch (RuntimeException e) {
      failed("persistent channel", e);
    }
  }

  private void freshLoop() {
    while (awaitTurn()) {
      try (CriChannel channel = dial()) {
        lifecycle(client(channel));
      } catch (RuntimeException e) {
        failed("fresh channel", e);
      }
    }
  }

  private CriChannel dial() {
    try {
      return CriChannel.remote(endpoint.uri(), endpoint.caPem(), endpoint.certificatePem(), endpoint.keyPem(), group);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private CriClient client(CriChannel channel) {
    Channel timed = ClientInterceptors.intercept(channel.channel(), new Recorder());
    return new CriClient(timed, CriApiVersion.V1, DEADLINE);
  }

  private void lifecycle(CriClient cri) {
    try {
      CriScenario.podAndContainerLifecycle(cri, containerd);
      lifecycles.incrementAndGet();
    } catch (RuntimeException | AssertionError e) {
      failed("lifecycle", e);
    }
  }

  private void failed(String what, Throwable e) {
    synchronized (failures) {
      failures.add(new Failure(System.nanoTime(), what + ": " + e));
    }
  }

  /** Holds the loops between calls (e.g. while the runtime is restarted on purpose); calls in flight finish. */
  public void pause() {
    paused = true;
  }

  /** Lets the loops go on. */
  public void resume() {
    synchronized (pause) {
      paused = false;
      pause.notifyAll();
    }
  }

  /** After {@link #pause()}: waits until every loop has finished its lifecycle in flight; false at the deadline. */
  public boolean awaitParked(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (pause) {
      while (parked < loops.size()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(pause, left);
      }
      return true;
    }
  }

  private boolean awaitTurn() {
    synchronized (pause) {
      parked++;
      pause.notifyAll();
      try {
        while (paused && !stopped) {
          pause.wait();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        parked--;
      }
    }
    return !stopped;
  }

  /** Failures so far. */
  public List<Failure> failures() {
    synchronized (failures) {
      return List.copyOf(failures);
    }
  }

  /** Calls that completed so far. */
  public int calls() {
    synchronized (latencies) {
      return latencies.size();
    }
  }

  /** Lifecycles that ran to the end. */
  public long lifecycles() {
    return lifecycles.get();
  }

  /** The slowest call so far. */
  public Duration worst() {
    synchronized (latencies) {
      return Duration.ofNanos(latencies.stream().mapToLong(Long::longValue).max().orElse(0));
    }
  }

  /** The method of the slowest call so far. */
  public String worstCall() {
    synchronized (latencies) {
      return worstCall;
    }
  }

  /** The median call. */
  public Duration median() {
    synchronized (latencies) {
      if (latencies.isEmpty()) {
        return Duration.ZERO;
      }
      List<Long> sorted = latencies.stream().sorted().toList();
      return Duration.ofNanos(sorted.get(sorted.size() / 2));
    }
  }

  /** Stops the loops after their current lifecycle. */
  @Override
  public void close() {
    stopped = true;
    resume();
    for (Thread loop : loops) {
      try {
        loop.join(TimeUnit.MINUTES.toMillis(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  /** Records each call's latency from start to close, and its status when not OK. */
  private final class Recorder implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          long start = System.nanoTime();
          super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onClose(Status status, Metadata trailers) {
              long end = System.nanoTime();
              synchronized (latencies) {
                latencies.add(end - start);
                if (end - start > worstNanos) {
                  worstNanos = end - start;
                  worstCall = method.getBareMethodName();
                }
              }
              if (!status.isOk()) {
                failed(method.getBareMethodName(), status.asRuntimeException());
              }
              super.onClose(status, trailers);
            }
          }, headers);
        }
      };
    }
  }
}
