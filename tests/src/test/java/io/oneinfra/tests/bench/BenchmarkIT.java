package io.oneinfra.tests.bench;

import static io.oneinfra.tests.bench.Results.DIRECT;
import static io.oneinfra.tests.bench.Results.HAPROXY;
import static io.oneinfra.tests.bench.Results.OURS;
import static io.oneinfra.tests.bench.Results.OURS_CRI;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.tests.support.TestPki;
import io.oneinfra.tests.testbed.Commands;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Requirements;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark harness (issue 7): ours (the agent jar as a real process), haproxy 2.6 and the direct unix socket,
 * alternating round by round. In CI it runs in smoke mode (tiny sizes, one round) and asserts only that every
 * contender answered and the table has a value for each; {@code -Dbench.full=true} runs the full sizes and writes
 * {@code docs/BENCHMARKS.md}. Nothing here asserts speed.
 */
@ExtendWith(SharedContainerd.class)
class BenchmarkIT {
  static final boolean FULL = Boolean.getBoolean("bench.full");
  static final String COMMAND = "tests/bench/run.sh";
  static final Set<String> ALL_PHASES = Set.of("start", "bulk", "cri", "handshakes", "idle");
  static final int ROUNDS = Integer.getInteger("bench.rounds", FULL ? 5 : 1);
  /** For tuning: {@code -Dbench.phases=cri,handshakes} runs only those phases (and then writes no document). */
  static final Set<String> PHASES = phases(System.getProperty("bench.phases", String.join(",", ALL_PHASES)));
  static final long BULK_BYTES = FULL ? 1L << 30 : 8L << 20;
  static final long BULK_WARMUP_BYTES = FULL ? 64L << 20 : 1L << 20;
  /** The bulk payload's seed: every contender gets the same bytes. */
  static final long BULK_SEED = 20261129L;
  static final int CRI_CALLS = FULL ? 20_000 : 50;
  static final int HANDSHAKES = FULL ? 6_000 : 20;
  /** Handshakes before the measured ones: the proxy's JIT (and the client's) reach steady state. */
  static final int HANDSHAKE_WARMUP = FULL ? 3_000 : 20;
  static final int HANDSHAKES_IN_FLIGHT = 16;
  static final int IDLE_CONNECTIONS = FULL ? 5_000 : 50;
  static final Duration QUIET = FULL ? Duration.ofSeconds(5) : Duration.ofSeconds(1);
  /** The longest to wait for a proxy's RSS to stop moving before reading it. */
  static final Duration SETTLE = FULL ? Duration.ofSeconds(10) : Duration.ofSeconds(3);
  static final int CONNECT_THREADS = 4;
  /** Both proxies get the same offer from the client: TLS 1.3 only, this one cipher suite. */
  static final String CIPHER = "TLS_AES_128_GCM_SHA256";
  static final double GIB = 1L << 30;

  static final String START = "process start → ready";
  static final String IDLE_RSS = "idle RSS after start";
  static final String IDLE_CPU = "idle CPU over the quiet window";
  static final String BULK = "bulk throughput, one TLS connection";
  static final String BULK_CPU = "proxy CPU per GiB relayed";
  static final String HANDSHAKE_RATE = "full mTLS handshakes (new connection, 1-byte round trip)";
  static final String HANDSHAKE_CPU = "proxy CPU per handshake";
  static final String HANDSHAKE_BUSY = "proxy CPU busy during the handshake run (100% = its core saturated)";
  static final String IDLE_CONN = "memory per idle authenticated connection";
  static final String IDLE_H2 = "memory per idle HTTP/2 connection to containerd";
  /** {@code -Dbench.histogram=DIR}: a class histogram of our agents holding the idle HTTP/2 connections. */
  static final String HISTOGRAMS = System.getProperty("bench.histogram");

  private final Results results = new Results();
  private final List<String> notes = new ArrayList<>();
  private Path launcher;

  @TempDir
  Path dir;

  @Test
  void benchmark(Containerd containerd) throws Exception {
    Requirements.require("haproxy", "taskset");
    launcher = BenchProxy.stageLauncher(dir.resolve("launcher"), launcherSource(),
        Path.of(System.getProperty("agent.jar")));
    TestPki pki = new TestPki();
    BenchProxy.CertFiles certs = writeCerts(pki);
    SSLContext client = pki.clientContext(pki.client);
    declareRows();
    Instant began = Instant.now();
    EventLoopGroup group = CriChannel.newGroup("bench-cri");
    try (BenchBackend sink = new BenchBackend(dir.resolve("sink.sock"), BenchBackend.Mode.SINK);
        BenchBackend echo = new BenchBackend(dir.resolve("echo.sock"), BenchBackend.Mode.ECHO)) {
      for (int round = 0; round < ROUNDS; round++) {
        List<String> order = round % 2 == 0 ? List.of(OURS, HAPROXY) : List.of(HAPROXY, OURS);
        // the gateway only makes sense with a CRI runtime behind it: it joins the phases that have one
        List<String> withCri = round % 2 == 0 ? List.of(OURS, OURS_CRI, HAPROXY) : List.of(HAPROXY, OURS_CRI, OURS);
        System.out.printf("bench: round %d of %d, order %s, at %s%n", round + 1, ROUNDS, order,
            Duration.between(began, Instant.now()));
        if (PHASES.contains("start")) {
          for (String contender : withCri) {
            startAndIdle(contender, certs, contender.equals(OURS_CRI) ? containerd.socket() : echo.path());
          }
        }
        if (PHASES.contains("bulk")) {
          progress(began, "bulk");
          bulkDirect(sink.path());
          for (String contender : order) {
            bulk(contender, certs, sink.path(), client);
          }
        }
        if (PHASES.contains("cri")) {
          progress(began, "cri");
          criRound(withCri, certs, containerd, pki, group);
        }
        if (PHASES.contains("handshakes")) {
          progress(began, "handshakes");
          for (String contender : order) {
            handshakes(contender, certs, echo.path(), pki);
          }
        }
        if (PHASES.contains("idle")) {
          progress(began, "idle connections");
          for (String contender : order) {
            idleConnections(contender, certs, echo.path(), client);
          }
          for (String contender : withCri) {
            idleHttp2Connections(contender, certs, containerd.socket(), client);
          }
        }
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    Duration took = Duration.between(began, Instant.now());
    String table = results.markdown();
    System.out.println("bench: " + (FULL ? "FULL" : "SMOKE") + " mode, " + ROUNDS + " round(s), took " + took);
    System.out.println(table);
    notes.forEach(n -> System.out.println("bench: " + n));

    boolean allPhases = PHASES.equals(ALL_PHASES);
    for (Results.Row row : results.rows()) {
      if (!allPhases && row.samples().values().stream().allMatch(List::isEmpty)) {
        continue; // a phase left out for tuning
      }
      for (String contender : row.contenders()) {
        assertThat(row.samples().get(contender)).as("%s / %s", row.name(), contender).hasSize(ROUNDS)
            .allSatisfy(v -> assertThat(v).isFinite()); // "added" latency may be below 0 (noise)
      }
    }
    assertThat(table).contains(OURS, HAPROXY, DIRECT);
    if (FULL && allPhases) {
      Path out = repoRoot().resolve("docs/BENCHMARKS.md");
      Files.createDirectories(out.getParent());
      Files.writeString(out, document(table, took), StandardCharsets.UTF_8);
      System.out.println("bench: wrote " + out);
    }
  }

  /** The phases named in {@code -Dbench.phases}; an unknown name stops the run rather than measure nothing. */
  static Set<String> phases(String list) {
    Set<String> phases = Set.of(list.strip().split("\\s*,\\s*"));
    if (!ALL_PHASES.containsAll(phases)) {
      throw new IllegalArgumentException("-Dbench.phases=" + list + ": want a comma-separated subset of "
          + String.join(",", ALL_PHASES.stream().sorted().toList()));
    }
    return phases;
  }

  private static void progress(Instant began, String phase) {
    System.out.printf("bench:   %s at %s%n", phase, Duration.between(began, Instant.now()));
  }

  private void declareRows() {
    results.declare(START, "ms", OURS, OURS_CRI, HAPROXY);
    results.declare(IDLE_RSS, "MiB", OURS, OURS_CRI, HAPROXY);
    results.declare(IDLE_CPU, "ms CPU per s", OURS, OURS_CRI, HAPROXY);
    results.declare(BULK, "MB/s", OURS, HAPROXY, DIRECT);
    results.declare(BULK_CPU, "CPU s per GiB", OURS, HAPROXY);
    for (int streams : new int[] {1, 64}) {
      for (String p : new String[] {"p50", "p99", "p99.9"}) {
        results.declare(cri(streams, p), "µs", OURS, OURS_CRI, HAPROXY, DIRECT);
      }
      results.declare(criAdded(streams), "µs", OURS, OURS_CRI, HAPROXY);
      results.declare(criRate(streams), "calls/s", OURS, OURS_CRI, HAPROXY, DIRECT);
      results.declare(criCpu(streams), "CPU µs per call", OURS, OURS_CRI, HAPROXY);
    }
    results.declare(HANDSHAKE_RATE, "handshakes/s", OURS, HAPROXY);
    results.declare(HANDSHAKE_CPU, "CPU ms per handshake", OURS, HAPROXY);
    results.declare(HANDSHAKE_BUSY, "% of one CPU", OURS, HAPROXY);
    results.declare(IDLE_CONN, "KiB per connection", OURS, HAPROXY);
    results.declare(IDLE_H2, "KiB per connection", OURS, OURS_CRI, HAPROXY);
  }

  private static String criCpu(int streams) {
    return "proxy CPU per CRI Version call, " + streams + (streams == 1 ? " stream" : " streams");
  }

  private static String cri(int streams, String percentile) {
    return "CRI Version latency " + percentile + ", " + streams + (streams == 1 ? " stream" : " streams");
  }

  private static String criAdded(int streams) {
    return "CRI Version added p50 over direct, " + streams + (streams == 1 ? " stream" : " streams");
  }

  private static String criRate(int streams) {
    return "CRI Version calls per second, " + streams + (streams == 1 ? " stream" : " streams");
  }

  private BenchProxy start(String contender, BenchProxy.CertFiles certs, Path backend) {
    return start(contender, certs, backend, List.of());
  }

  /** Starts a contender through {@code prefix} (a CPU pinning, or nothing). */
  private BenchProxy start(String contender, BenchProxy.CertFiles certs, Path backend, List<String> prefix) {
    return switch (contender) {
      case OURS -> BenchProxy.ours(dir, launcher, certs, backend, prefix, "l4");
      case OURS_CRI -> BenchProxy.ours(dir, launcher, certs, backend, prefix, "cri");
      default -> BenchProxy.haproxy(certs, backend, prefix);
    };
  }

  // 5 and 6: start to ready, then a quiet window.
  private void startAndIdle(String contender, BenchProxy.CertFiles certs, Path backend) throws Exception {
    try (BenchProxy proxy = start(contender, certs, backend)) {
      results.add(START, contender, proxy.startMillis());
      double cpu = Proc.cpuSecondsOver(proxy.pid(), QUIET);
      results.add(IDLE_RSS, contender, Proc.rssKib(proxy.pid()) / 1024.0);
      results.add(IDLE_CPU, contender, cpu * 1000 / (QUIET.toMillis() / 1000.0));
    }
  }

  // 1: bulk through one TLS connection to the sink, half-closed with a TCP FIN under the TLS layer.
  private void bulk(String contender, BenchProxy.CertFiles certs, Path sink, SSLContext client) throws Exception {
    try (BenchProxy proxy = start(contender, certs, sink)) {
      sendTls(client, proxy.port(), BULK_WARMUP_BYTES, contender);
      double cpu0 = Proc.cpuSeconds(proxy.pid());
      double seconds = sendTls(client, proxy.port(), BULK_BYTES, contender);
      double cpu1 = Proc.cpuSeconds(proxy.pid());
      results.add(BULK, contender, BULK_BYTES / 1e6 / seconds);
      results.add(BULK_CPU, contender, (cpu1 - cpu0) / (BULK_BYTES / GIB));
    }
  }

  private double sendTls(SSLContext client, int port, long bytes, String contender) throws IOException {
    try (Socket tcp = new Socket()) {
      tcp.setTcpNoDelay(true);
      tcp.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      tcp.setSoTimeout(120_000);
      SSLSocket tls = layer(client, tcp, "bulk.bench.invalid", port);
      tls.startHandshake();
      String suite = tls.getSession().getProtocol() + " " + tls.getSession().getCipherSuite();
      String note = contender + " negotiated " + suite;
      if (!notes.contains(note)) {
        notes.add(note);
      }
      SeededBytes payload = new SeededBytes(BULK_SEED, bytes);
      ByteBuffer chunk = ByteBuffer.allocate(SeededBytes.CHUNK);
      OutputStream out = tls.getOutputStream();
      long start = System.nanoTime();
      while (payload.next(chunk)) {
        out.write(chunk.array(), 0, chunk.limit());
      }
      out.flush();
      tcp.shutdownOutput(); // FIN under TLS (Netty's BoringSSL engine closes both ways on close_notify)
      DataInputStream reply = new DataInputStream(tls.getInputStream());
      long received = reply.readLong();
      long checksum = reply.readLong();
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(received).as("bytes the sink counted through %s", contender).isEqualTo(bytes);
      assertThat(checksum).as("CRC-32C of the bytes the sink got through %s", contender)
          .isEqualTo(payload.checksum());
      return seconds;
    }
  }

  private void bulkDirect(Path sink) throws IOException {
    sendDirect(sink, BULK_WARMUP_BYTES);
    results.add(BULK, DIRECT, BULK_BYTES / 1e6 / sendDirect(sink, BULK_BYTES));
  }

  private static double sendDirect(Path sink, long bytes) throws IOException {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(sink));
      SeededBytes payload = new SeededBytes(BULK_SEED, bytes);
      ByteBuffer chunk = ByteBuffer.allocateDirect(SeededBytes.CHUNK);
      long start = System.nanoTime();
      while (payload.next(chunk)) {
        while (chunk.hasRemaining()) {
          channel.write(chunk);
        }
      }
      channel.shutdownOutput();
      ByteBuffer reply = ByteBuffer.allocate(16);
      while (reply.hasRemaining() && channel.read(reply) >= 0) {
        // reading the count and the checksum
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(reply.getLong(0)).as("bytes the sink counted directly").isEqualTo(bytes);
      assertThat(reply.getLong(8)).as("CRC-32C of the bytes the sink got directly").isEqualTo(payload.checksum());
      return seconds;
    }
  }

  // 2: CRI Version through each contender and directly, 1 and 64 concurrent streams on one channel.
  private void criRound(List<String> order, BenchProxy.CertFiles certs, Containerd containerd, TestPki pki,
      EventLoopGroup group) throws Exception {
    SslContext tls = GrpcSslContexts.forClient().trustManager(pki.serverCa.certificate())
        .keyManager(pki.client.privateKey(), pki.client.certificate())
        .protocols("TLSv1.3").ciphers(List.of(CIPHER)).build();
    double[] directP50 = new double[2];
    try (CriChannel direct = CriChannel.unix(containerd.socket())) {
      directP50[0] = latencies(DIRECT, direct.channel(), 1, -1);
      directP50[1] = latencies(DIRECT, direct.channel(), 64, -1);
    }
    for (String contender : order) {
      try (BenchProxy proxy = start(contender, certs, containerd.socket())) {
        ManagedChannel channel = NettyChannelBuilder.forTarget("127.0.0.1:" + proxy.port())
            .eventLoopGroup(group).channelType(EpollSocketChannel.class)
            .negotiationType(NegotiationType.TLS).sslContext(tls).build();
        try {
          results.add(criAdded(1), contender, latencies(contender, channel, 1, proxy.pid()) - directP50[0]);
          results.add(criAdded(64), contender, latencies(contender, channel, 64, proxy.pid()) - directP50[1]);
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** Records p50/p99/p99.9, the call rate and (for a proxy, {@code pid} > 0) its CPU per call; returns p50 in µs. */
  private double latencies(String contender, io.grpc.Channel channel, int streams, long pid) throws Exception {
    CriClient cri = new CriClient(channel, CriApiVersion.V1, Duration.ofSeconds(30));
    run(cri, streams, Math.max(10, CRI_CALLS / 2)); // a fresh proxy process: its JIT reaches steady state first
    double cpu0 = pid > 0 ? Proc.cpuSeconds(pid) : 0;
    long start = System.nanoTime();
    long[] sorted = Results.sorted(run(cri, streams, CRI_CALLS));
    double seconds = (System.nanoTime() - start) / 1e9;
    if (pid > 0) {
      results.add(criCpu(streams), contender, (Proc.cpuSeconds(pid) - cpu0) * 1e6 / CRI_CALLS);
    }
    results.add(cri(streams, "p50"), contender, Results.percentile(sorted, 50));
    results.add(cri(streams, "p99"), contender, Results.percentile(sorted, 99));
    results.add(cri(streams, "p99.9"), contender, Results.percentile(sorted, 99.9));
    results.add(criRate(streams), contender, CRI_CALLS / seconds);
    return Results.percentile(sorted, 50);
  }

  private static long[] run(CriClient cri, int streams, int calls) throws Exception {
    long[] nanos = new long[calls];
    AtomicInteger next = new AtomicInteger();
    parallel(streams, () -> {
      for (int i = next.getAndIncrement(); i < calls; i = next.getAndIncrement()) {
        long t0 = System.nanoTime();
        String runtime = cri.version().getRuntimeName();
        nanos[i] = System.nanoTime() - t0;
        if (!runtime.equals("containerd")) {
          throw new AssertionError("runtime " + runtime);
        }
      }
      return null;
    });
    return nanos;
  }

  // 3: a new connection per call, counted only when the echoed byte comes back. The proxy gets the last CPU to
  // itself and the client the others, so the rate is what one core of each proxy does, as far as the client keeps up.
  private void handshakes(String contender, BenchProxy.CertFiles certs, Path echo, TestPki pki) throws Exception {
    int cpus = Runtime.getRuntime().availableProcessors();
    List<String> pin = cpus >= 2 ? List.of("taskset", "-c", String.valueOf(cpus - 1)) : List.of();
    try (BenchProxy proxy = start(contender, certs, echo, pin);
        HandshakeLoad load = new HandshakeLoad(pki.client.certificate(), pki.client.privateKey(),
            pki.server.certificate(), CIPHER)) {
      CpuPinning client = CpuPinning.self(cpus);
      try {
        load.run(proxy.port(), HANDSHAKE_WARMUP, HANDSHAKES_IN_FLIGHT);
        double cpu0 = Proc.cpuSeconds(proxy.pid());
        double seconds = load.run(proxy.port(), HANDSHAKES, HANDSHAKES_IN_FLIGHT);
        double cpu1 = Proc.cpuSeconds(proxy.pid());
        results.add(HANDSHAKE_RATE, contender, HANDSHAKES / seconds);
        results.add(HANDSHAKE_CPU, contender, (cpu1 - cpu0) * 1000 / HANDSHAKES);
        results.add(HANDSHAKE_BUSY, contender, 100 * (cpu1 - cpu0) / seconds);
      } finally {
        client.restore();
      }
    }
  }

  /** This JVM's threads on all CPUs but the last (when there are at least two), until {@link #restore()}. */
  private record CpuPinning(int cpus) {
    static CpuPinning self(int cpus) {
      CpuPinning pinning = new CpuPinning(cpus);
      if (cpus >= 2) {
        pinning.apply(cpus - 2);
      }
      return pinning;
    }

    private void apply(int lastCpu) {
      Commands.Result result = Commands.run(Duration.ofSeconds(10), "taskset", "-a", "-p", "-c", "0-" + lastCpu,
          String.valueOf(ProcessHandle.current().pid()));
      if (result.exitCode() != 0) {
        throw new IllegalStateException("taskset failed: " + result.output());
      }
    }

    void restore() {
      if (cpus >= 2) {
        apply(cpus - 1);
      }
    }
  }

  /**
   * A full mTLS handshake and a one-byte round trip. Each connection names a different SNI host, so the JDK
   * client never finds a cached session to resume: every handshake is a full one.
   */
  private static SSLSocket handshakeRoundTrip(SSLContext client, int port, int id) throws IOException {
    Socket tcp = new Socket();
    try {
      // As gRPC clients do: without it Nagle holds the 1-byte record behind the client's Finished until the
      // server's delayed ACK (~40 ms), and the test would measure that timer instead of the handshake.
      tcp.setTcpNoDelay(true);
      tcp.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      tcp.setSoTimeout(30_000);
      SSLSocket tls = layer(client, tcp, "c" + id + ".bench.invalid", port);
      tls.startHandshake();
      tls.getOutputStream().write(42);
      tls.getOutputStream().flush();
      int back = tls.getInputStream().read();
      if (back != 42) {
        throw new IOException("no echo through the proxy (got " + back + ")");
      }
      return tls;
    } catch (IOException | RuntimeException e) {
      tcp.close();
      throw e;
    }
  }

  private static SSLSocket layer(SSLContext client, Socket tcp, String host, int port) throws IOException {
    SSLSocket tls = (SSLSocket) client.getSocketFactory().createSocket(tcp, host, port, true);
    SSLParameters parameters = tls.getSSLParameters();
    parameters.setProtocols(new String[] {"TLSv1.3"});
    parameters.setCipherSuites(new String[] {CIPHER});
    parameters.setApplicationProtocols(new String[] {"h2"});
    tls.setSSLParameters(parameters);
    return tls;
  }

  // 4: RSS delta over N open, authenticated, idle connections, on a fresh process.
  private void idleConnections(String contender, BenchProxy.CertFiles certs, Path echo, SSLContext client)
      throws Exception {
    Queue<SSLSocket> open = new ConcurrentLinkedQueue<>();
    try (BenchProxy proxy = start(contender, certs, echo)) {
      long before = Proc.settledRssKib(proxy.pid(), SETTLE);
      AtomicInteger next = new AtomicInteger();
      try {
        parallel(CONNECT_THREADS, () -> {
          for (int i = next.incrementAndGet(); i <= IDLE_CONNECTIONS; i = next.incrementAndGet()) {
            open.add(handshakeRoundTrip(client, proxy.port(), i));
          }
          return null;
        });
        long after = Proc.settledRssKib(proxy.pid(), SETTLE);
        assertThat(open).hasSize(IDLE_CONNECTIONS);
        results.add(IDLE_CONN, contender, (after - before) / (double) IDLE_CONNECTIONS);
      } finally {
        for (SSLSocket socket : open) {
          socket.close();
        }
      }
    }
  }

  // 4b: RSS delta over N idle HTTP/2 connections through to containerd (the gateway's and the relay's share).
  private void idleHttp2Connections(String contender, BenchProxy.CertFiles certs, Path containerd, SSLContext client)
      throws Exception {
    Queue<SSLSocket> open = new ConcurrentLinkedQueue<>();
    try (BenchProxy proxy = start(contender, certs, containerd)) {
      long before = Proc.settledRssKib(proxy.pid(), SETTLE);
      AtomicInteger next = new AtomicInteger();
      try {
        parallel(CONNECT_THREADS, () -> {
          for (int i = next.incrementAndGet(); i <= IDLE_CONNECTIONS; i = next.incrementAndGet()) {
            open.add(http2Handshake(client, proxy.port(), i));
          }
          return null;
        });
        long after = Proc.settledRssKib(proxy.pid(), SETTLE);
        assertThat(open).hasSize(IDLE_CONNECTIONS);
        results.add(IDLE_H2, contender, (after - before) / (double) IDLE_CONNECTIONS);
        if (HISTOGRAMS != null && !contender.equals(HAPROXY)) { // what the idle connections hold, class by class
          Files.createDirectories(Path.of(HISTOGRAMS));
          String histogram = Commands.run(Duration.ofMinutes(1), Path.of(System.getProperty("java.home"), "bin",
              "jcmd").toString(), Long.toString(proxy.pid()), "GC.class_histogram").requireSuccess().output();
          Files.writeString(Path.of(HISTOGRAMS, "idle-h2-" + contender.replace(' ', '-') + ".txt"), histogram);
        }
      } finally {
        for (SSLSocket socket : open) {
          socket.close();
        }
      }
    }
  }

  /** A full mTLS handshake, then HTTP/2's: the client preface and SETTINGS, the server's SETTINGS acknowledged. */
  private static SSLSocket http2Handshake(SSLContext client, int port, int id) throws IOException {
    Socket tcp = new Socket();
    try {
      tcp.setTcpNoDelay(true);
      tcp.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      tcp.setSoTimeout(30_000);
      SSLSocket tls = layer(client, tcp, "h" + id + ".bench.invalid", port);
      tls.startHandshake();
      OutputStream out = tls.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
      out.flush();
      DataInputStream in = new DataInputStream(tls.getInputStream());
      while (true) { // frames until the server's own SETTINGS (not an ACK)
        int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        in.readInt();
        in.skipNBytes(length);
        if (type == 4 && (flags & 1) == 0) {
          break;
        }
      }
      out.write(new byte[] {0, 0, 0, 4, 1, 0, 0, 0, 0}); // SETTINGS ACK
      out.flush();
      return tls;
    } catch (IOException | RuntimeException e) {
      tcp.close();
      throw e;
    }
  }

  private static void parallel(int threads, Callable<Void> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Void>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(pool.submit(task));
      }
      for (Future<Void> future : futures) {
        future.get(15, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private BenchProxy.CertFiles writeCerts(TestPki pki) throws IOException {
    Path certDir = Files.createDirectories(dir.resolve("certs"));
    Path certificate = certDir.resolve("server.crt");
    Path key = certDir.resolve("server.key");
    Path ca = certDir.resolve("client-ca.crt");
    Files.writeString(certificate, pki.server.certificatePem());
    Files.writeString(key, pki.server.privateKeyPem());
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(ca, pki.clientCa.certificatePem());
    Path[] haproxy = pki.writeHaproxyFiles(certDir);
    return new BenchProxy.CertFiles(certificate, key, ca, haproxy[0]);
  }

  private static Path launcherSource() {
    return repoRoot().resolve("packaging/src/main/packaging/bin/oneinfra-agent");
  }

  /** The JVM options in the launcher's exec line, for the report. */
  private static String launcherOptions() throws IOException {
    String script = Files.readString(launcherSource());
    String exec = script.substring(script.indexOf("exec \"$java\""), script.indexOf("-jar \"$jar\""));
    return Arrays.stream(exec.split("\\s+")).filter(t -> t.startsWith("-")).collect(Collectors.joining(" "))
        + " (-XX:TrimNativeHeapInterval=2000 where the JDK has it), MALLOC_ARENA_MAX=2"
        + (System.getProperty("bench.javaOpts", "").isBlank() ? ""
            : "; this run added ONEINFRA_AGENT_JAVA_OPTS=" + System.getProperty("bench.javaOpts"));
  }

  private static Path repoRoot() {
    Path jar = Path.of(System.getProperty("agent.jar")).toAbsolutePath().normalize();
    return jar.getParent().getParent().getParent();
  }

  private static String sh(String... command) {
    Commands.Result result = Commands.run(Duration.ofSeconds(30), command);
    return result.output().strip();
  }

  private String document(String table, Duration took) throws IOException {
    String memory = Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " ");
    String java = sh(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
        .lines().collect(Collectors.joining("; "));
    return """
        # Benchmarks

        Produced by `BenchmarkIT` in full mode; regenerate with:

        ```
        %s
        ```

        which runs `./mvnw -B -q install -DskipTests && ./mvnw -B -pl tests verify -Dit.test=BenchmarkIT \
        -Dbench.full=true -Dfailsafe.failIfNoSpecifiedTests=false`. CI runs only the smoke mode (tiny sizes, one round,
        no timing asserted).

        ## Machine

        - date: %s (the run took %d s)
        - nproc: %s; %s; kernel %s
        - java (client and proxy JVM): %s
        - %s; %s
        - ours is started by the packaged launcher (`usr/bin/oneinfra-agent`), whose JVM options are: `%s`

        ## Method

        One run, %d rounds; in each round the contenders alternate order (ours first in even rounds, haproxy first
        in odd ones). Each measurement starts a **fresh process** of each proxy (ours: `oneinfra-agent run --config FILE`
        through the packaged launcher, with `tls.mode: files`, status disabled, registration none, per-connection log
        off, `maxConnections` 20000; haproxy 2.6 with the documented config and `maxconn` raised), both serving the
        **same** ECDSA P-256 server certificate and client CA. The clients (in the test JVM, on the same cores) offer
        only TLS 1.3 with `%s` to both. Cells are median (min–max) over rounds; ratios are of medians.
        CPU figures are the proxy process's utime+stime from `/proc/PID/stat` (10 ms ticks) over the measured work.

        - bulk: %d MiB of seeded pseudo-random bytes (after a %d MiB warm-up connection) through one connection to a
          unix-socket sink that counts them and replies with the count and their CRC-32C after the client half-closes
          with a TCP FIN, both checked against what was sent; direct = the same sink over the unix socket, no TLS.
        - CRI: `runtime.v1` `Version` against the real containerd 1.6 (SharedContainerd), %d calls per setting after
          a warm-up of half as many (each proxy is a fresh process: its JIT reaches steady state first), on one gRPC channel (one HTTP/2 connection) with 1 or 64 concurrent calls; direct = the
          containerd socket. "added p50" = the contender's p50 minus direct's p50 in the same round.
        - handshakes: %d new connections after %d warm-up ones, %d in flight, each a full mTLS handshake counted only
          once one byte has come back from an echo backend. The proxy runs pinned to the last CPU (`taskset -c`, so
          haproxy starts one thread and ours one event loop) and the test JVM (client and echo backend) to the other
          CPUs. The client is Netty with BoringSSL offering key exchange X25519 only (what haproxy's OpenSSL 3.0
          picks; BoringSSL would otherwise prefer its post-quantum hybrid), with the server certificate pinned, and
          never resuming (no session cache key). "busy" is the proxy's CPU time over the run's wall time: at 100%%
          its core was the limit, below that the client was.
        - idle connections: RSS of a fresh proxy before and after %d connections, each authenticated and carried one
          byte round trip, then held idle (each RSS read once two readings 500 ms apart agree within 1%%, at most %d ms).
          The HTTP/2 row: the same number of connections to containerd, each past TLS and HTTP/2's own handshake
          (client preface and SETTINGS, the server's SETTINGS acknowledged), then idle: ours in l4 mode relays them to
          containerd, ours in cri mode terminates HTTP/2 and holds its own HTTP/2 connection to containerd for each.
        - ours cri: the same agent in `proxy.mode: cri` (the CRI gateway) with its defaults: the controller profile,
          bridging `auto` (containerd 1.6 serves v1: nothing bridged), and the audit trail writing a JSON line per call
          to the state directory. "cri/ours" is the gateway over the l4 relay.
        - start → ready: ours = process start to `READY=1` on `NOTIFY_SOCKET`; haproxy = process start to the first
          accepted TCP connection (polled every 25 ms, so up to 25 ms late).
        - idle: RSS and CPU of a just-started proxy over a quiet %d ms window (CPU in 10 ms ticks, so a
          resolution of 10 ms over the window).

        Notes from the run: %s

        On 2 cores shared by client, proxy and backend, rates are mostly client-bound: the proxy CPU per unit of
        work and the added p50 latency are the figures that compare the proxies; p99.9 on a few thousand samples
        is noise.

        ## Results

        %s
        """.formatted(COMMAND, Instant.now(), took.toSeconds(), Runtime.getRuntime().availableProcessors(),
        memory,
        sh("uname", "-r"), java, sh("containerd", "--version"), sh("haproxy", "-v").lines().findFirst().orElse(""),
        launcherOptions(), ROUNDS, CIPHER, BULK_BYTES >> 20, BULK_WARMUP_BYTES >> 20,
        CRI_CALLS, HANDSHAKES, HANDSHAKE_WARMUP, HANDSHAKES_IN_FLIGHT, IDLE_CONNECTIONS, SETTLE.toMillis(), QUIET.toMillis(),
        String.join("; ", notes), table);
  }
}
