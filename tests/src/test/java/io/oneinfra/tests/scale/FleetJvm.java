package io.oneinfra.tests.scale;

import ch.qos.logback.classic.Level;
import com.codahale.metrics.MetricRegistry;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.registration.Registrar;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * A JVM holding a share of the simulated fleet: agents {@code first} to {@code first + count - 1}, each a real
 * {@code kubernetes} registrar ({@link Registrar#create}: its own kubeconfig and token, fabric8 client, thread and
 * timers). Commanded one line at a time on stdin ({@code start}, {@code restart MILLIS}, {@code stats},
 * {@code exit}); answers on stdout, logs (WARN and up) on stderr.
 *
 * <p>Arguments: the API URL, the working directory, first, count, then {@link TimeScale#args}.
 */
public final class FleetJvm {
  /** A PEM-sized stand-in for each certificate in the manifest: the API is sent what a real agent sends. */
  private static final String PEM = "-----BEGIN CERTIFICATE-----\n" + "A".repeat(600) + "\n-----END CERTIFICATE-----\n";
  private static final String KEY = "-----BEGIN PRIVATE KEY-----\n" + "B".repeat(184) + "\n-----END PRIVATE KEY-----\n";

  /** Threads starting and restarting agents: enough that a JVM's share restarts within the scenario's second. */
  private static final int STARTERS = 32;

  private final String api;
  private final Path dir;
  private final int first;
  private final TimeScale scale;
  private final AtomicReferenceArray<Registrar> agents;
  private final PrintStream out;

  private FleetJvm(String api, Path dir, int first, int count, TimeScale scale, PrintStream out) {
    this.api = api;
    this.dir = dir;
    this.first = first;
    this.scale = scale;
    this.agents = new AtomicReferenceArray<>(count);
    this.out = out;
  }

  /** The name of agent {@code index}. */
  static String name(int index) {
    return String.format(Locale.ROOT, "hv-%04d", index);
  }

  /** The bearer token agent {@code index} authenticates with. */
  static String token(int index) {
    return "fleet-" + name(index);
  }

  public static void main(String[] args) throws Exception {
    PrintStream protocol = System.out;
    System.setOut(System.err); // stdout carries the answers; the agents' logs go to stderr
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(Level.WARN);
    FleetJvm fleet = new FleetJvm(args[0], Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
        TimeScale.fromArgs(Arrays.asList(args).subList(4, args.length)), protocol);
    fleet.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
  }

  private void serve(BufferedReader commands) throws Exception {
    answer("ready");
    for (String line = commands.readLine(); line != null; line = commands.readLine()) {
      String[] words = line.split(" ");
      switch (words[0]) {
        case "start" -> start();
        case "restart" -> restart(Duration.ofMillis(Long.parseLong(words[1])));
        case "stats" -> answer(stats());
        case "exit" -> {
          running().parallel().forEach(Registrar::close);
          answer("bye");
          return;
        }
        default -> answer("error unknown command " + line);
      }
    }
  }

  private synchronized void answer(String line) {
    out.println(line);
    out.flush();
  }

  private Registrar startAgent(int slot) throws IOException {
    int index = first + slot;
    Path home = Files.createDirectories(dir.resolve(name(index)));
    Path kubeconfig = home.resolve("kubeconfig");
    if (!Files.exists(kubeconfig)) {
      Files.writeString(kubeconfig, """
          apiVersion: v1
          kind: Config
          clusters:
          - name: management
            cluster:
              server: %s
          users:
          - name: %s
            user:
              token: %s
          contexts:
          - name: agent
            context:
              cluster: management
              user: %s
          current-context: agent
          """.formatted(api, name(index), token(index), name(index)));
    }
    Registrar registrar = Registrar.create(scale.registration(kubeconfig), home.resolve("hypervisor.yaml"),
        new MetricRegistry(), () -> { });
    registrar.start(manifest(index));
    return registrar;
  }

  private static HypervisorManifest manifest(int index) {
    String ip = "10.%d.%d.%d".formatted(index >> 16 & 255, index >> 8 & 255, index & 255);
    return new HypervisorManifest(HypervisorManifest.API_VERSION, HypervisorManifest.KIND,
        new HypervisorManifest.Metadata(name(index)), new HypervisorManifest.Spec(
            new HypervisorManifest.RemoteCriEndpoint("tcp://" + ip + ":7443", PEM,
                new HypervisorManifest.ClientCertificate(PEM, KEY)), false, ip,
            new HypervisorManifest.PortRange(30000, 32767)));
  }

  /** Every agent starts at once, as a fleet of hosts booting together would (each waits its firstSyncDelay). */
  private void start() throws InterruptedException {
    ExecutorService starts = Executors.newFixedThreadPool(STARTERS);
    List<Future<?>> started = new ArrayList<>();
    for (int i = 0; i < agents.length(); i++) {
      int slot = i;
      started.add(starts.submit(() -> {
        agents.set(slot, startAgent(slot));
        return null;
      }));
    }
    starts.shutdown();
    try {
      for (Future<?> future : started) {
        future.get();
      }
      answer("started");
    } catch (ExecutionException e) {
      answer("error start: " + e.getCause());
    }
  }

  /** Each agent stops and starts again (a new instance: new holder, client and timers) at a random moment. */
  private void restart(Duration window) throws InterruptedException {
    ScheduledExecutorService restarts = Executors.newScheduledThreadPool(STARTERS);
    CountDownLatch done = new CountDownLatch(agents.length());
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < agents.length(); i++) {
      int slot = i;
      restarts.schedule(() -> {
        try {
          agents.get(slot).close();
          agents.set(slot, startAgent(slot));
          answer("restarted " + name(first + slot) + " " + System.currentTimeMillis());
        } catch (IOException | RuntimeException e) {
          synchronized (failures) {
            failures.add(name(first + slot) + ": " + e);
          }
        } finally {
          done.countDown();
        }
      }, ThreadLocalRandom.current().nextLong(Math.max(1, window.toNanos())), TimeUnit.NANOSECONDS);
    }
    boolean finished = done.await(window.toSeconds() + 60, TimeUnit.SECONDS);
    restarts.shutdownNow();
    answer(finished && failures.isEmpty() ? "restarted-all" : "error restart: " + (finished ? failures : "timed out"));
  }

  /** Live heap after a full collection, live threads and resident memory: the fleet's cost in this JVM. */
  private String stats() throws IOException {
    System.gc();
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    int threads = ManagementFactory.getThreadMXBean().getThreadCount();
    long rss = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
        .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1L);
    return "stats " + running().count() + " " + heap + " " + threads + " " + rss;
  }

  private Stream<Registrar> running() {
    return IntStream.range(0, agents.length()).mapToObj(agents::get).filter(Objects::nonNull);
  }
}
