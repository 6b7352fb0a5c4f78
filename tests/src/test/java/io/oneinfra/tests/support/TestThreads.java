package io.oneinfra.tests.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/** Threads a test starts: whatever one throws reaches the test thread, and {@link #join} fails unless all ended. */
public final class TestThreads {
  /** A thread's work, which may throw anything. */
  @FunctionalInterface
  public interface Body {
    void run() throws Exception;
  }

  private record Failure(String thread, Throwable error) {}

  private final List<Thread> threads = new ArrayList<>();
  private final Queue<Failure> failures = new ConcurrentLinkedQueue<>();

  /** Starts {@code body} on a new thread called {@code name}; what it throws is kept for {@link #join}. */
  public void start(String name, Body body) {
    Thread thread = new Thread(() -> {
      try {
        body.run();
      } catch (Throwable t) { // everything, errors included: a thread that dies silently proves nothing
        failures.add(new Failure(Thread.currentThread().getName(), t));
      }
    }, name);
    thread.setDaemon(true); // one that hangs fails the test in join, and must not keep the JVM alive after it
    threads.add(thread);
    thread.start();
  }

  /** True once a thread has thrown, so a test can stop waiting for progress that will not come. */
  public boolean failed() {
    return !failures.isEmpty();
  }

  /**
   * Waits up to {@code timeout} in all for every thread to end; fails naming those still running, or with the first
   * thread's Throwable as the cause (the others suppressed).
   */
  public void join(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread thread : threads) {
      thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
    List<String> running = threads.stream().filter(Thread::isAlive).map(Thread::getName).toList();
    List<Failure> seen = List.copyOf(failures);
    if (running.isEmpty() && seen.isEmpty()) {
      return;
    }
    AssertionError error = running.isEmpty()
        ? new AssertionError(seen.get(0).thread() + " failed: " + seen.get(0).error(), seen.get(0).error())
        : new AssertionError("still running after waiting " + timeout + ": " + running);
    for (Failure failure : seen.subList(running.isEmpty() ? 1 : 0, seen.size())) {
      error.addSuppressed(new AssertionError(failure.thread() + " failed: " + failure.error(), failure.error()));
    }
    throw error;
  }
}
