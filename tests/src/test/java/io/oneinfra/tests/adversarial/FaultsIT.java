package io.oneinfra.tests.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

import io.grpc.StatusRuntimeException;
import io.netty.channel.EventLoopGroup;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.pki.GeneratedPki;
import io.oneinfra.agent.pki.KeyType;
import io.oneinfra.proxy.PreAuthLimits;
import io.oneinfra.tests.support.Door;
import io.oneinfra.tests.support.ProxyUnderTest;
import io.oneinfra.tests.support.TestPki;
import io.oneinfra.tests.support.UnixEchoBackend;
import io.oneinfra.tests.testbed.Commands;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Faults around the proxy: the runtime crashing, its socket replaced, the state directory full or read-only. */
@ExtendWith(SharedContainerd.class)
class FaultsIT {
  private static final int CONCURRENT_CALLS = 40;
  private final TestPki pki = new TestPki();

  @TempDir
  Path dir;

  @Test
  void containerdKilledUnderLoadIsRefusedCleanlyAndServedWithinASecondOfItsReturn(Containerd containerd)
      throws Exception {
    Containerd restartIfDead = null;
    // the 40 callers all come from 127.0.0.1 at once: a per-source handshake cap below that would turn some away
    // before the runtime is asked, which is the budget's work, not this fault's
    PreAuthLimits roomy = new PreAuthLimits(CONCURRENT_CALLS * 2, CONCURRENT_CALLS * 2, Duration.ofSeconds(2));
    try (ProxyUnderTest proxy = ProxyUnderTest.start(pki, containerd.socket(), b -> b.preAuth(roomy))) {
      EventLoopGroup group = CriChannel.newGroup("faults");
      try {
        // warm up, then take the baseline the fault must not move
        for (int i = 0; i < 20; i++) {
          assertThat(version(proxy, group)).isTrue();
        }
        long fds = openDescriptors();
        int threads = threadsBesidesTheClientsExecutor();

        containerd.kill();
        // a failure below must not leave the shared containerd dead for the classes that follow
        restartIfDead = containerd;
        // 40 callers, each on its own connection, released together while the runtime is down: each is turned
        // away promptly, none hangs
        ExecutorService callers = Executors.newFixedThreadPool(CONCURRENT_CALLS);
        try {
          CountDownLatch ready = new CountDownLatch(CONCURRENT_CALLS);
          CountDownLatch go = new CountDownLatch(1);
          List<Future<Duration>> refusals = new ArrayList<>();
          for (int i = 0; i < CONCURRENT_CALLS; i++) {
            refusals.add(callers.submit(() -> {
              try (CriChannel channel = dial(proxy, group)) { // TLS set up before the release, connected by the call
                ready.countDown();
                assertThat(go.await(30, TimeUnit.SECONDS)).as("released").isTrue();
                long start = System.nanoTime();
                assertThat(answers(channel)).as("a call while the runtime is down").isFalse();
                return Duration.ofNanos(System.nanoTime() - start);
              }
            }));
          }
          assertThat(ready.await(30, TimeUnit.SECONDS)).as("%d callers waiting", CONCURRENT_CALLS).isTrue();
          go.countDown();
          for (Future<Duration> refusal : refusals) {
            assertThat(refusal.get(30, TimeUnit.SECONDS)).isLessThan(Duration.ofSeconds(2));
          }
        } finally {
          callers.shutdownNow();
        }
        assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).as("callers ended, before threads are counted")
            .isTrue();
        assertThat(proxy.count("proxy.backend.unavailable")).isGreaterThanOrEqualTo(CONCURRENT_CALLS);

        containerd.restart(); // returns once the socket answers again
        restartIfDead = null;
        Instant back = Instant.now();
        Poll.until(Duration.ofSeconds(5), "a call through the proxy", () -> version(proxy, group));
        assertThat(Duration.between(back, Instant.now())).as("serving again after the socket returned")
            .isLessThanOrEqualTo(Duration.ofSeconds(1));
        for (int i = 0; i < 20; i++) {
          assertThat(version(proxy, group)).isTrue();
        }
        Poll.until(Duration.ofSeconds(10), "connections to close", () -> proxy.server.openConnections() == 0);
        assertThat(openDescriptors()).as("open descriptors").isLessThanOrEqualTo(fds + 4);
        assertThat(threadsBesidesTheClientsExecutor()).as("threads").isLessThanOrEqualTo(threads + 2);
      } finally {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        if (restartIfDead != null) {
          restartIfDead.restart();
        }
      }
    }
  }

  /** One CRI Version call on a new connection through the proxy: true when it answered. */
  private boolean version(ProxyUnderTest proxy, EventLoopGroup group) {
    try (CriChannel channel = dial(proxy, group)) {
      return answers(channel);
    } catch (IOException e) {
      throw new UncheckedIOException("the test's client TLS material", e);
    }
  }

  /** A channel to the proxy as the controller has it; it connects on its first call. */
  private CriChannel dial(ProxyUnderTest proxy, EventLoopGroup group) throws IOException {
    return CriChannel.remote("127.0.0.1:" + proxy.port(), pki.serverCa.certificatePem(),
        pki.client.certificatePem(), pki.client.privateKeyPem(), group);
  }

  /** One CRI Version call: true when it answered. */
  private static boolean answers(CriChannel channel) {
    try {
      return !new CriClient(channel.channel(), CriApiVersion.V1, Duration.ofSeconds(5)).version().getRuntimeName()
          .isEmpty();
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  /**
   * Live threads in this JVM, but for gRPC's client executor: a cached pool that grows to one thread per concurrent
   * call and keeps them for a minute by design (the test's client, not the proxy).
   */
  private static int threadsBesidesTheClientsExecutor() {
    return (int) Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> !thread.getName().startsWith("grpc-default-executor")).count();
  }

  private static long openDescriptors() throws IOException {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  @Test
  void aRegularFileInPlaceOfTheSocketIsRefusedCleanlyAndTheRealSocketServedAgain() throws Exception {
    Path socket = dir.resolve("cri.sock");
    try (ProxyUnderTest proxy = ProxyUnderTest.start(pki, socket)) {
      Files.writeString(socket, "not a socket");
      Door.assertTlsClientRefused(proxy, pki.clientContext(pki.client));
      Poll.until(Duration.ofSeconds(5), "backend_unavailable", () -> proxy.count("proxy.backend.unavailable") == 1);
      Files.delete(socket);
      try (UnixEchoBackend backend = UnixEchoBackend.start(socket)) {
        Door.assertGoodClientServed(proxy, pki);
        assertThat(backend.accepted()).isEqualTo(1);
      }
    }
  }

  @Test
  void aFullStateDirectoryDuringAPkiWriteGivesAClearErrorAndKeepsTheOldFiles() throws Exception {
    Path mount = Files.createDirectory(dir.resolve("small"));
    Commands.run(Duration.ofSeconds(10), "mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount.toString())
        .requireSuccess();
    try {
      GeneratedPki pki = GeneratedPki.loadOrCreate(mount.resolve("pki"), KeyType.EC_P256);
      pki.ensureServerCertificate(List.of("10.0.0.1"), Duration.ofDays(30), Instant.now());
      Map<Path, byte[]> before = contents(pki.dir());
      assertThat(Commands.run(Duration.ofSeconds(30), "dd", "if=/dev/zero", "of=" + mount.resolve("filler"),
          "bs=4k").exitCode()).as("dd stops when the file system is full").isNotZero();
      assertThatIOException().isThrownBy(
              () -> pki.ensureServerCertificate(List.of("10.0.0.2"), Duration.ofDays(30), Instant.now()))
          .withMessageContaining("pki: cannot write").withMessageContaining(pki.dir().toString());
      assertThat(contents(pki.dir())).as("the old files").containsExactlyEntriesOf(before);

      Files.delete(mount.resolve("filler"));
      Commands.run(Duration.ofSeconds(10), "mount", "-o", "remount,ro", mount.toString()).requireSuccess();
      assertThatIOException().isThrownBy(
              () -> pki.ensureServerCertificate(List.of("10.0.0.2"), Duration.ofDays(30), Instant.now()))
          .withMessageContaining("pki: cannot write");
      assertThat(contents(pki.dir())).as("the old files, read-only").containsExactlyEntriesOf(before);
    } finally {
      Commands.run(Duration.ofSeconds(10), "umount", "-l", mount.toString());
    }
  }

  private static Map<Path, byte[]> contents(Path pkiDir) throws IOException {
    Map<Path, byte[]> contents = new LinkedHashMap<>();
    try (var files = Files.list(pkiDir)) {
      for (Path file : files.sorted().toList()) {
        contents.put(file, Files.readAllBytes(file));
      }
    }
    return contents;
  }
}
