package io.oneinfra.tests.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import io.oneinfra.tests.registration.ApiDouble;
import io.oneinfra.tests.registration.ApiInterposer;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.Requirements;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet at scale, simulated (issue 18): real {@code kubernetes} registrars, each its own name, token, fabric8
 * client and timers, in child JVMs started with the packaged launcher's JVM options, against <b>fabric8's
 * in-process Kubernetes API double</b> (no kube-apiserver can be installed here) behind {@link ApiInterposer}, which
 * records every request with its arrival time and answer, takes the API down and sheds load as kube-apiserver does.
 * Six scenarios in turn on one fleet: steady state, every agent restarted at once, an outage, 20% of requests
 * answered 429 with Retry-After, every request answered 503, every request answered later than the agents' request
 * timeout.
 *
 * <p>CI runs the smoke: 50 agents in one JVM, every registrar interval ten times shorter and the scenarios shorter
 * still ({@link TimeScale#smoke}), about a minute. {@code tests/scale/run.sh} ({@code -Dscale.full=true}) runs
 * 2,000 agents at the real intervals and durations and writes the figures and charts into docs/SCALE.md. Both assert
 * what the registrar guarantees: a renewal is one request, Retry-After is honoured, no wave after a disturbance
 * exceeds twice the steady-state rate, an API too slow to answer in time is sent less than in steady state, and every
 * agent registers again.
 */
class FleetScaleIT {
  static final boolean FULL = Boolean.getBoolean("scale.full");
  static final int AGENTS = Integer.getInteger("scale.agents", FULL ? 2000 : 50);
  static final int JVMS = Integer.getInteger("scale.jvms", FULL ? 2 : 1);
  static final String HEAP = System.getProperty("scale.heap", FULL ? "1536m" : "256m");
  static final String COMMAND = "tests/scale/run.sh";
  /** Only these scenarios (ids, comma-separated), to look into one: the report then goes to the output only. */
  static final String ONLY = System.getProperty("scale.scenarios", "");
  /** Where the fleet JVMs' logs are kept after the run. */
  private static final Path LOGS = Path.of("target", "scale-logs");

  /** The double logs every request at INFO through java.util.logging: at a fleet's rate, that is the run's cost. */
  private static final java.util.logging.Logger DOUBLE_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver.MockWebServer");
  /** tmpfs, when there is one: 2,000 hosts' state directories are not one disk's fsyncs. */
  private static final Path SHM = Path.of("/dev/shm");

  @TempDir
  Path tempDir;

  @Test
  void theFleetStaysWithinItsBudgetThroughEveryScenario() throws Exception {
    Requirements.require("fc-list"); // the charts' text: fontconfig and a font (tests/install-deps.sh)
    DOUBLE_LOG.setLevel(java.util.logging.Level.WARNING);
    // the double runs on Vert.x, so on Netty, whose buffers every test JVM tracks at the paranoid level (a stack
    // trace per access): here that would make the double, not the fleet, what the machine spends itself on. No
    // agent proxy runs in this test; tracking comes back at the end for the classes after it
    ResourceLeakDetector.Level tracking = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    Path dir = Files.isDirectory(SHM) && Files.isWritable(SHM)
        ? Files.createTempDirectory(SHM, "oneinfra-fleet-") : tempDir;
    try {
      run(dir);
    } finally {
      ResourceLeakDetector.setLevel(tracking);
      Files.createDirectories(LOGS);
      try (Stream<Path> logs = Files.list(dir)) {
        for (Path log : logs.filter(p -> p.getFileName().toString().startsWith("fleet-jvm-")).toList()) {
          Files.copy(log, LOGS.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      if (!dir.equals(tempDir)) {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  private void run(Path dir) throws Exception {
    TimeScale scale = FULL ? TimeScale.real() : TimeScale.smoke();
    RequestLog log = new RequestLog();
    Instant began = Instant.now();
    List<Figures> figures = new ArrayList<>();
    // the smoke and a look into some scenarios keep their charts in target/ to be looked at
    boolean toDocs = FULL && ONLY.isEmpty();
    Path charts = toDocs ? Path.of(System.getProperty("docs.dir"), "scale") : Path.of("target", "scale-charts");
    Files.createDirectories(charts);
    try (ApiDouble api = new ApiDouble();
        ApiInterposer front = ApiInterposer.plain(api.url(), new FleetTokens());
        Fleet fleet = Fleet.launch(front.url(), dir, AGENTS, JVMS, scale, HEAP);
        ScenarioRunner runner = new ScenarioRunner(front, fleet, scale)) {
      front.observe(log);
      List<Fleet.JvmStats> baseline = fleet.stats();
      long started = front.nowNanos();
      fleet.start();
      // a setup step: 2,000 agents make their clients and first syncs on two shared cores
      Poll.until(scale.firstSync().plus(Duration.ofMinutes(FULL ? 10 : 2)), "every agent registered",
          () -> log.registeredSince(started) == AGENTS, () -> log.registeredSince(started) + " of " + AGENTS);
      for (Scenario scenario : scenarios(scale)) {
        ScenarioRunner.Outcome outcome = runner.run(scenario);
        Figures f = Figures.of(outcome, log, AGENTS, scale, baseline);
        figures.add(f);
        RateChart.write(f, outcome, log.between(outcome.fromNanos(), outcome.toNanos()), figures.get(0).meanRate(),
            charts.resolve(scenario.id() + ".png"));
      }
    }
    String report = ScaleReport.markdown(figures, describe(scale, began), toDocs ? "scale" : charts.toString());
    System.out.println(report);
    if (toDocs) {
      ScaleReport.writeInto(Path.of(System.getProperty("docs.dir"), "SCALE.md"), report);
    }
    check(figures, scale, charts);
  }

  /**
   * The six scenarios, or those {@link #ONLY} names after a steady state as long as a disturbance's lead (the
   * figures of the others are measured against the steady state's).
   */
  private static List<Scenario> scenarios(TimeScale scale) {
    List<Scenario> all = Scenario.all(scale);
    if (ONLY.isEmpty()) {
      return all;
    }
    Scenario steady = all.get(0);
    List<Scenario> chosen = new ArrayList<>(List.of(new Scenario(steady.id(), steady.title(), steady.disturbance(),
        steady.lead(), steady.length(), scale.lead())));
    all.stream().skip(1).filter(s -> List.of(ONLY.split(",")).contains(s.id())).forEach(chosen::add);
    return chosen;
  }

  private static void check(List<Figures> figures, TimeScale scale, Path charts) throws Exception {
    Figures steady = figures.get(0);
    SoftAssertions soft = new SoftAssertions();
    // a renewal that timed out on the agent's side (its JVM slow to read the answer) is read before the next write
    soft.assertThat(steady.perKind().getOrDefault("GET leases", 0L))
        .as("steady state: a renewal is one PUT with the Lease the agent holds; a Lease GET only after a timeout, "
            + "fewer than 1 in 1,000 renewals")
        .isLessThan(Math.max(1, steady.perKind().getOrDefault("PUT leases", 0L) / 1000));
    double perRenewal = steady.requests() / (AGENTS * steady.seconds() / seconds(scale.renew()));
    soft.assertThat(perRenewal).as("steady state: requests per agent and renew interval (one renewal, and a "
        + "Hypervisor GET per resync)").isLessThan(1.1 * (1 + seconds(scale.renew()) / seconds(scale.resync())));
    for (Figures f : figures.subList(1, figures.size())) {
      String id = f.scenario().id();
      soft.assertThat(f.reregisteredSeconds()).as(id + ": every agent registered again within the window")
          .isNotNull().isNotNegative();
      soft.assertThat(f.peakRateSinceDisturbance()).as(id + ": no wave beyond twice the steady state's "
          + format(steady.meanRate()) + " req/s").isLessThanOrEqualTo(2 * steady.meanRate());
    }
    if (!ONLY.isEmpty()) {
      soft.assertAll(); // looking into some scenarios: the report is the point
      return;
    }
    Figures outage = figures.stream().filter(f -> f.scenario().disturbance() == Scenario.Disturbance.OUTAGE)
        .findFirst().orElseThrow();
    soft.assertThat(outage.firstAfter()).as("after the outage each agent's first request renews its Lease, the "
        + "Hypervisor resync that fell due put off").containsOnlyKeys("PUT leases").containsEntry("PUT leases",
        (long) AGENTS);
    Figures slow = figures.stream().filter(f -> f.scenario().disturbance() == Scenario.Disturbance.SLOW)
        .findFirst().orElseThrow();
    soft.assertThat(slow.rateDuring()).as("while every answer came too late, the fleet sent less than in steady "
        + "state (" + format(steady.meanRate()) + " req/s): a request that timed out is retried a renew interval "
        + "after its timeout").isLessThanOrEqualTo(0.75 * steady.meanRate());
    soft.assertThat(slow.perStatus().getOrDefault(409, 0L)).as("conflicts in the slow scenario: a renewal that "
        + "timed out (and was written late) is read again before the next write, not written over with a 409")
        .isLessThanOrEqualTo(AGENTS / 10L);
    Figures shedding = figures.stream().filter(f -> f.scenario().disturbance() == Scenario.Disturbance.SHEDDING)
        .findFirst().orElseThrow();
    soft.assertThat(shedding.answered429()).as("the API answered 429s").isPositive();
    soft.assertThat(shedding.earlyAfter429()).as("requests sent before the Retry-After given had passed (shortest "
        + "wait " + shedding.shortestWaitAfter429() + " s)").isZero();
    for (Figures f : figures) {
      BufferedImage chart = ImageIO.read(charts.resolve(f.scenario().id() + ".png").toFile());
      soft.assertThat(chart).as(f.scenario().id() + " chart").isNotNull();
      if (chart != null) {
        soft.assertThat(chart.getWidth()).isEqualTo(RateChart.WIDTH);
      }
    }
    soft.assertAll();
    assertThat(figures).hasSize(6);
  }

  private static String describe(TimeScale scale, Instant began) throws Exception {
    String nproc = Integer.toString(Runtime.getRuntime().availableProcessors());
    String memory = Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " ");
    return String.format(Locale.ROOT, "Run of %s: %d agents in %d JVM%s (%s, -Xmx%s each), %s; the machine: %s "
        + "processors, %s, shared with other work; Java %s. Intervals: renew %s, resync %s, firstSyncDelay up to "
        + "%s, backoff %s to %s, Retry-After %d s; requests counted in bins of %s. The run took %d s.",
        began, AGENTS, JVMS, JVMS == 1 ? "" : "s", String.join(" ", Fleet.LAUNCHER_OPTIONS), HEAP,
        FULL ? "`" + COMMAND + "`" : "smoke", nproc, memory, System.getProperty("java.version"), scale.renew(),
        scale.resync(), scale.firstSync(), scale.backoffInitial(), scale.backoffMax(), scale.retryAfterSeconds(),
        scale.bin(), Duration.between(began, Instant.now()).toSeconds());
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }

  private static String format(double value) {
    return ScaleReport.format(value);
  }
}
