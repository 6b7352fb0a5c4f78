package io.oneinfra.tests.soak;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.tests.adversarial.ControllerLoad;
import io.oneinfra.tests.adversarial.HostProbe;
import io.oneinfra.tests.adversarial.ProcessSampler;
import io.oneinfra.tests.adversarial.RunningAgent;
import io.oneinfra.tests.support.AgentProcess;
import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.TestPki;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent as a real process (launcher JVM options, Netty's leak detector at paranoid) for {@code -Dsoak.duration}
 * (2 minutes in CI; tests/soak/run.sh runs 30): the controller's CRI load on a persistent and on fresh connections,
 * a server certificate rotation every 5 minutes, SIGHUP every 3, containerd restarted every 7 (all scaled by
 * duration / 30 minutes) and refused handshakes throughout. No failed call outside containerd's own downtime,
 * descriptors and memory flat, no leak report.
 */
@ExtendWith(SharedContainerd.class)
class SoakIT {
  private static final Duration DURATION = Duration.parse("PT" + System.getProperty("soak.duration", "2m"));
  private static final double SCALE = DURATION.toMillis() / (double) Duration.ofMinutes(30).toMillis();
  private static final Duration ROTATION = scaled(Duration.ofMinutes(5));
  private static final Duration SIGHUP = scaled(Duration.ofMinutes(3));
  private static final Duration RESTART = scaled(Duration.ofMinutes(7));
  private static final Duration GRACE = Duration.ofSeconds(2); // after the socket is back, for clients to notice

  @TempDir
  Path dir;

  private static Duration scaled(Duration full) {
    return Duration.ofMillis(Math.round(full.toMillis() * SCALE));
  }

  /** A window when containerd was down on purpose: failures inside it are the runtime's, not the agent's. */
  private record Downtime(long fromNanos, long toNanos) {
    boolean contains(long nanos) {
      return nanos >= fromNanos && nanos <= toNanos;
    }
  }

  @Test
  void servesWithoutFailureOrGrowthThroughRotationsReloadsAndRuntimeRestarts(Containerd containerd) throws Exception {
    String yaml = RunningAgent.config(dir, containerd.socket(), "", """
        tls:
          checkInterval: 1s
        """);
    List<Downtime> downtimes = new ArrayList<>();
    AtomicInteger rotations = new AtomicInteger();
    AtomicInteger reloads = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicLong rssWarm = new AtomicLong();
    List<Throwable> eventFailures = new ArrayList<>();
    try (RunningAgent agent = RunningAgent.start(dir, yaml)) {
      HypervisorManifest manifest = agent.manifest();
      Poll.until(Duration.ofSeconds(30), "/readyz ready", () -> agent.readyz() == 200);
      BigInteger firstSerial = ControllerView.servedCertificate(manifest).getSerialNumber();
      BigInteger lastSerial;
      ControllerLoad load = new ControllerLoad(ControllerLoad.Endpoint.of(manifest, agent.port()), containerd);
      SSLContext stranger = ControllerView.jdkContext(stranger(manifest));
      ScheduledExecutorService events = Executors.newScheduledThreadPool(2);
      ProcessSampler sampler = new ProcessSampler(agent.pid(), Duration.ofSeconds(1), agent::readyz);
      long start = System.nanoTime();
      try {
        load.start(2);
        events.scheduleAtFixedRate(() -> refused.addAndGet(refusedHandshake(stranger, agent.port()) ? 1 : 0),
            0, 200, TimeUnit.MILLISECONDS);
        events.schedule(() -> guard(eventFailures, () -> rssWarm.set(HostProbe.rssAfterFullGc(agent.pid()))),
            DURATION.toMillis() / 10, TimeUnit.MILLISECONDS);
        events.scheduleAtFixedRate(() -> guard(eventFailures, () -> {
          rotate(agent);
          rotations.incrementAndGet();
        }), ROTATION.toMillis(), ROTATION.toMillis(), TimeUnit.MILLISECONDS);
        events.scheduleAtFixedRate(() -> guard(eventFailures, () -> {
          agent.process().signal("HUP");
          reloads.incrementAndGet();
        }), SIGHUP.toMillis(), SIGHUP.toMillis(), TimeUnit.MILLISECONDS);
        events.scheduleAtFixedRate(() -> guard(eventFailures, () -> {
          load.pause();
          load.awaitParked(Duration.ofSeconds(60));
          long from = System.nanoTime();
          containerd.restart(); // returns once the socket answers again
          synchronized (downtimes) {
            downtimes.add(new Downtime(from, System.nanoTime() + GRACE.toNanos()));
          }
          load.resume();
        }), RESTART.toMillis(), RESTART.toMillis(), TimeUnit.MILLISECONDS);
        new CountDownLatch(1).await(DURATION.toMillis(), TimeUnit.MILLISECONDS); // the soak's length
        lastSerial = ControllerView.servedCertificate(manifest).getSerialNumber();
      } finally {
        events.shutdown(); // no new steps; one under way (a restart) finishes rather than being interrupted
        events.awaitTermination(2, TimeUnit.MINUTES);
        load.resume();
        load.close();
        sampler.stop();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      List<ControllerLoad.Failure> outside = load.failures().stream()
          .filter(f -> downtimes.stream().noneMatch(d -> d.contains(f.atNanos()))).toList();
      double warm = seconds / 10; // the first tenth: JIT, heap and pools settling
      Poll.until(Duration.ofSeconds(30), "no handshake pending", () -> agent.metric("proxy_preauth_pending") == 0);
      List<ProcessSampler.Sample> samples = sampler.samples();
      ProcessSampler.Sample settled = samples.stream().filter(s -> s.seconds() >= warm).findFirst().orElseThrow();
      int fdsEnd = HostProbe.openFds(agent.pid());
      long rssEnd = HostProbe.rssKib(agent.pid());
      long rssEndAfterGc = HostProbe.rssAfterFullGc(agent.pid());
      String figures = String.format(Locale.ROOT, """
          | duration | %.0f s |
          | controller calls (failed outside / inside containerd's downtime) | %d (%d / %d) |
          | pod lifecycles | %d |
          | worst call / median call | %d ms / %d ms |
          | certificate rotations / SIGHUPs / containerd restarts | %d / %d / %d |
          | refused handshakes (client certificate from a CA the agent does not trust) | %d |
          | /readyz not 200 (1 s samples, restarts included) | %d of %d |
          | descriptors after warm-up / peak / end; slope | %d / %d / %d; %+.2f per minute |
          | RSS MiB after warm-up / peak / end; slope | %d / %d / %d; %+.2f MiB per minute |
          | RSS MiB right after a full GC (jcmd GC.run): after warm-up / at the end | %d / %d |
          | certificate checks that failed reading the PKI mid-rotation (previous kept) | %d |
          | Netty leak reports (paranoid) | %d |
          """, seconds, load.calls(), outside.size(), load.failures().size() - outside.size(), load.lifecycles(),
          load.worst().toMillis(), load.median().toMillis(), rotations.get(), reloads.get(), downtimes.size(),
          refused.get(), sampler.notReady(), samples.size(), settled.fds(), sampler.fdsPeak(), fdsEnd,
          sampler.fdsSlopePerMinute(warm), settled.rssKib() >> 10, sampler.rssPeakKib() >> 10, rssEnd >> 10,
          sampler.rssSlopeMibPerMinute(warm), rssWarm.get() >> 10, rssEndAfterGc >> 10,
          agent.process().log().lines().filter(line -> line.contains("failed, still serving")).count(),
          agent.leakReports());
      Path report = Path.of("target", "reliability", "soak.md");
      Files.createDirectories(report.getParent());
      Files.writeString(report, "| soak | figure |\n| --- | --- |\n" + figures);
      System.out.println("soak:\n" + figures);

      assertThat(eventFailures).as("rotation, SIGHUP and restart steps").isEmpty();
      assertThat(outside).as("failed calls outside containerd's downtime").isEmpty();
      assertThat(load.lifecycles()).isPositive();
      assertThat(rotations.get()).isPositive();
      assertThat(lastSerial).as("the served certificate's serial after the rotations").isNotEqualTo(firstSerial);
      assertThat(reloads.get()).isPositive();
      assertThat(downtimes).isNotEmpty();
      assertThat(refused.get()).as("refused handshakes").isPositive();
      // the JDK client, offered only the agent's client CA as acceptable issuer, sends no certificate at all
      assertThat(agent.metric("proxy_handshake_failures_no_client_certificate_total")
          + agent.metric("proxy_handshake_failures_untrusted_certificate_total")).as("refusals the agent counted")
          .isPositive();
      // a certificate check that reads the PKI while `certs rotate` is writing it may fail once and keep serving
      // the previous certificate (counted above); a reload that fails for any other reason is a failure
      assertThat(agent.process().log()).contains("reloaded");
      assertThat(agent.process().log().lines().filter(line -> line.contains("reload failed"))
          .filter(line -> !line.contains("state/pki/")).toList()).as("failed reloads").isEmpty();
      assertThat(fdsEnd).as("descriptors at the end").isLessThanOrEqualTo(settled.fds() + 8);
      // compared right after a full GC each time: what the heap happens to hold uncollected is not growth
      assertThat(rssEndAfterGc).as("RSS at the end after a full GC, KiB (after warm-up: %d)", rssWarm.get())
          .isLessThanOrEqualTo(rssWarm.get() + Math.max(rssWarm.get() / 10, 16 << 10));
      assertThat(agent.leakReports()).as("Netty leak reports in the agent's output").isZero();
    }
  }

  /** The controller's view with a client certificate from a CA the agent has never seen; the server CA is right. */
  private static HypervisorManifest stranger(HypervisorManifest manifest) {
    Issued other = new TestPki().client;
    HypervisorManifest.Spec spec = manifest.spec();
    HypervisorManifest.RemoteCriEndpoint endpoint = spec.remoteCriEndpoint();
    HypervisorManifest.RemoteCriEndpoint untrusted = new HypervisorManifest.RemoteCriEndpoint(
        endpoint.criEndpointUri(), endpoint.caCertificate(),
        new HypervisorManifest.ClientCertificate(other.certificatePem(), other.privateKeyPem()));
    return new HypervisorManifest(manifest.apiVersion(), manifest.kind(), manifest.metadata(),
        new HypervisorManifest.Spec(untrusted, spec.isPublic(), spec.ipAddress(), spec.portRange()));
  }

  /** A handshake with a certificate from a CA the agent does not trust: true when it was refused. */
  private static boolean refusedHandshake(SSLContext stranger, int port) {
    try (SSLSocket socket = (SSLSocket) stranger.getSocketFactory().createSocket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(5000);
      socket.startHandshake();
      socket.getOutputStream().write(1);
      socket.getOutputStream().flush();
      return socket.getInputStream().read() < 0;
    } catch (IOException e) {
      return true;
    }
  }

  /** {@code certs rotate} as the operator runs it; the agent's periodic check swaps the new certificate in. */
  private static void rotate(RunningAgent agent) throws IOException, InterruptedException {
    Process rotate = new ProcessBuilder(AgentProcess.command("certs", "rotate", "--config", agent.config().toString()))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!rotate.waitFor(60, TimeUnit.SECONDS) || rotate.exitValue() != 0) {
      throw new IllegalStateException("certs rotate failed");
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  private static void guard(List<Throwable> failures, Step step) {
    try {
      step.run();
    } catch (Exception | AssertionError e) {
      synchronized (failures) {
        failures.add(e);
      }
    }
  }
}
