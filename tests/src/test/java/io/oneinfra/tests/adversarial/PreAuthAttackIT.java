package io.oneinfra.tests.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Haproxy;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.Requirements;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue's attack, 7,000 unauthenticated connections at once from 127.0.0.2-127.0.0.9 (2,000 connect-then-FIN,
 * 2,000 silent, 1,000 one byte per second, 2,000 garbage) in waves for {@code -Dattack.duration} (60 s), while the
 * controller's gRPC client from 127.0.0.1 runs the pod lifecycle on real containerd through the agent (a real
 * process): no failed call, every call within 2 s, /readyz ready throughout, descriptors and memory back after. The
 * same attack against haproxy 2.6 with the documented config is measured beside it and not asserted.
 */
@ExtendWith(SharedContainerd.class)
class PreAuthAttackIT {
  private static final Duration DURATION = Duration.parse("PT" + System.getProperty("attack.duration", "60s"));
  private static final Duration WAVE_CAP = Duration.ofSeconds(12); // past the 10 s handshake timeout
  private static final Duration CALL_LIMIT = Duration.ofSeconds(2);
  private static final Duration WARM_UP = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  /** One contender's figures. */
  record Figures(String proxy, Flood.Totals attack, int calls, int failedCalls, Duration worst, String worstCall,
      Duration median,
      long lifecycles, int notReady, int fdsBefore, int fdsPeak, int fdsAfter, long rssBeforeKib, long rssPeakKib,
      long rssAfterKib) {
    String row() {
      return String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %d ms (%s) | %d ms | %s | %d / %d / %d | "
              + "%d / %d / %d |", proxy, attack.waves(), attack.opened(), attack.connectFailures(), calls,
          failedCalls, worst.toMillis(), worstCall, median.toMillis(),
          notReady < 0 ? "n/a" : Integer.toString(notReady), fdsBefore, fdsPeak, fdsAfter, rssBeforeKib >> 10,
          rssPeakKib >> 10, rssAfterKib >> 10);
    }

    /** The figures of a finished run against the process {@code pid}; {@code notReady} -1 when not probed. */
    static Figures of(String proxy, Flood.Totals attack, ControllerLoad load, ProcessSampler sampler, long pid,
        int fdsBefore, long rssBeforeKib, long rssAfterKib, int notReady) {
      return new Figures(proxy, attack, load.calls(), load.failures().size(), load.worst(), load.worstCall(),
          load.median(), load.lifecycles(), notReady, fdsBefore, sampler.fdsPeak(), HostProbe.openFds(pid),
          rssBeforeKib, sampler.rssPeakKib(), rssAfterKib);
    }
  }

  @Test
  void theControllerIsNeverLockedOutByAFloodFromEightSourcesAndHaproxyIsMeasuredBeside(Containerd containerd)
      throws Exception {
    Requirements.require("haproxy");
    Figures ours;
    Path pki;
    List<ControllerLoad.Failure> failures;
    double closed;
    double notTls;
    double evictions;
    double firstByte;
    long leaks;
    try (RunningAgent agent = RunningAgent.start(dir, RunningAgent.config(dir, containerd.socket(), "", ""))) {
      pki = agent.pki();
      ControllerLoad.Endpoint endpoint = ControllerLoad.Endpoint.of(agent.manifest(), agent.port());
      InetSocketAddress target = new InetSocketAddress("127.0.0.1", agent.port());
      Poll.until(Duration.ofSeconds(30), "/readyz ready", () -> agent.readyz() == 200);
      // the baseline is taken after 10 s of the same attack and load: what a flood sizes once (heap, buffer pools)
      // is in it, so what is compared after is growth, not first use
      ControllerLoad warmLoad = new ControllerLoad(endpoint, containerd).start(1);
      try (Flood warmUp = new Flood()) {
        warmUp.run(target, Flood.Mix.ISSUE, WARM_UP, WAVE_CAP);
      } finally {
        warmLoad.close();
      }
      Poll.until(Duration.ofSeconds(30), "no handshake pending", () -> agent.metric("proxy_preauth_pending") == 0);
      int fdsBefore = HostProbe.openFds(agent.pid());
      // RSS right after a full collection, here and after the attack: what the agent keeps, not when its heap
      // happens to shrink (one run measured 18 MiB more without the collection, within the bound with it)
      long rssBefore = HostProbe.rssAfterFullGc(agent.pid());

      ControllerLoad load = new ControllerLoad(endpoint, containerd);
      Flood.Totals attack;
      try (Flood flood = new Flood();
          ProcessSampler sampler = new ProcessSampler(agent.pid(), Duration.ofMillis(250), agent::readyz)) {
        load.start(1);
        attack = flood.run(target, Flood.Mix.ISSUE, DURATION, WAVE_CAP);
        load.close();
        sampler.stop();
        Poll.until(Duration.ofSeconds(30), "no handshake pending", () -> agent.metric("proxy_preauth_pending") == 0);
        Poll.until(Duration.ofSeconds(30), "descriptors back to the baseline",
            () -> HostProbe.openFds(agent.pid()) <= fdsBefore + 8, () -> "now " + HostProbe.openFds(agent.pid()));
        ours = Figures.of("oneinfra-agent", attack, load, sampler, agent.pid(), fdsBefore, rssBefore,
            HostProbe.rssAfterFullGc(agent.pid()), sampler.notReady());
      }
      report(ours);
      failures = load.failures();
      closed = agent.metric("proxy_handshake_failures_closed_total");
      notTls = agent.metric("proxy_handshake_failures_not_tls_total");
      evictions = agent.metric("proxy_preauth_evictions_source_total");
      firstByte = agent.metric("proxy_preauth_timeouts_first_byte_total");
      leaks = agent.leakReports();
    }

    Path bundle = dir.resolve("haproxy-server.pem");
    Files.writeString(bundle,
        Files.readString(pki.resolve("server.crt")) + Files.readString(pki.resolve("server.key")));
    try (Haproxy haproxy = Haproxy.start(bundle, pki.resolve("client-ca.crt"), containerd.socket())) {
      ControllerLoad.Endpoint endpoint = ControllerLoad.Endpoint.of(
          ManifestCodec.parse(Files.readString(dir.resolve("state/hypervisor.yaml"))),
          haproxy.port());
      InetSocketAddress target = new InetSocketAddress("127.0.0.1", haproxy.port());
      int fdsBefore = HostProbe.openFds(haproxy.pid());
      long rssBefore = HostProbe.rssKib(haproxy.pid());
      ControllerLoad load = new ControllerLoad(endpoint, containerd);
      try (Flood flood = new Flood();
          ProcessSampler sampler = new ProcessSampler(haproxy.pid(), Duration.ofMillis(250), null)) {
        load.start(1);
        Flood.Totals attack = flood.run(target, Flood.Mix.ISSUE, DURATION, WAVE_CAP);
        load.close();
        sampler.stop();
        report(Figures.of("haproxy 2.6", attack, load, sampler, haproxy.pid(), fdsBefore, rssBefore,
            HostProbe.rssKib(haproxy.pid()), -1));
      }
    }

    // only the agent's figures are asserted, once both contenders have been measured
    assertThat(failures).as("failed controller calls during the attack").isEmpty();
    assertThat(ours.lifecycles()).as("pod lifecycles completed during the attack").isPositive();
    assertThat(ours.worst()).as("the slowest controller call (%s)", ours.worstCall()).isLessThanOrEqualTo(CALL_LIMIT);
    assertThat(ours.notReady()).as("/readyz answers other than 200 during the attack").isZero();
    assertThat(ours.attack().waves()).as("waves of 7,000").isGreaterThanOrEqualTo(2);
    assertThat(closed).as("FIN before the handshake").isGreaterThanOrEqualTo(Flood.Mix.ISSUE.fin());
    assertThat(notTls).as("garbage").isPositive();
    assertThat(evictions).as("evictions within a source").isPositive();
    assertThat(firstByte).as("silent, cut at 2 s").isPositive();
    // after a full GC the heap is back; what stays is native memory glibc keeps from the 42,000 connections' TLS
    // state (runs measured +13 and +17 MiB with no leak report and descriptors back): a leak of one connection's
    // worth per connection would be hundreds of MiB
    assertThat(ours.rssAfterKib()).as("RSS after the attack, KiB (baseline %d)", ours.rssBeforeKib())
        .isLessThanOrEqualTo(ours.rssBeforeKib() + Math.max(ours.rssBeforeKib() * 15 / 100, 24 << 10));
    assertThat(leaks).as("Netty leak reports in the agent's output").isZero();
  }

  /** Prints a row of the attack table and appends it to target/reliability/attack.md. */
  private static void report(Figures figures) throws Exception {
    Path file = Path.of("target", "reliability", "attack.md");
    Files.createDirectories(file.getParent());
    if (!Files.exists(file)) {
      Files.writeString(file, "duration " + DURATION.toSeconds() + " s per contender\n\n"
          + "| proxy | waves | attack connections | connect failures | controller calls | failed calls | worst call "
          + "| median call | /readyz not 200 | fds before / peak / after | RSS MiB before / peak / after |\n"
          + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    }
    Files.writeString(file, figures.row() + "\n", StandardOpenOption.APPEND);
    System.out.println("attack: " + figures.row());
  }
}
