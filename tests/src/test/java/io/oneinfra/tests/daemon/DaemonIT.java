package io.oneinfra.tests.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.cri.proto.ExecSyncRequest;
import io.oneinfra.agent.cri.proto.ExecSyncResponse;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.proxy.Pem;
import io.oneinfra.tests.support.AgentProcess;
import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.CriCalls;
import io.oneinfra.tests.support.Pods;
import io.oneinfra.tests.support.NotifySocket;
import io.oneinfra.tests.support.OpenConnectionCallers;
import io.oneinfra.tests.support.PrometheusParser;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The real agent process under a stand-in for systemd: its notify socket, watchdog and signals. */
@ExtendWith(SharedContainerd.class)
class DaemonIT {
  private static final Pattern STATUS_URL = Pattern.compile("status on http://127\\.0\\.0\\.1:(\\d+)/readyz");
  private static final Duration WATCHDOG = Duration.ofSeconds(1);

  @TempDir
  Path dir;
  private Path config;
  private NotifySocket notify;
  private AgentProcess agent;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start(Containerd containerd) throws Exception {
    config = dir.resolve("agent.yaml");
    Files.writeString(config, """
        stateDir: %s
        proxy:
          listen: 127.0.0.1:0
          backend: unix:%s
          drainTimeout: 20s
        hypervisor:
          name: daemon-test
          ipAddress: 127.0.0.1
        status:
          listen: 127.0.0.1:0
          criCheckInterval: 200ms
        cri:
          authorization:
            allow:
              - methods: [ExecSync]
                clients:
                  commonNames: [daemon-tester]
        """.formatted(dir.resolve("state"), containerd.socket()));
    notify = new NotifySocket(dir.resolve("notify.sock"));
    agent = AgentProcess.start(dir.resolve("agent.log"), Map.of("NOTIFY_SOCKET", notify.path().toString(),
        "WATCHDOG_USEC", Long.toString(WATCHDOG.toNanos() / 1000)), "run", "--config", config.toString());
  }

  @AfterEach
  void stop() throws Exception {
    agent.close();
    notify.close();
  }

  private NotifySocket.Message awaitReady() throws InterruptedException {
    return notify.await(m -> m.has("READY=1"), Duration.ofSeconds(30), "READY=1");
  }

  private HypervisorManifest manifest() throws Exception {
    return ManifestCodec.parse(Files.readString(dir.resolve("state/hypervisor.yaml")));
  }

  private HttpResponse<String> get(String path) throws Exception {
    int port = Integer.parseInt(agent.awaitLog(STATUS_URL, Duration.ofSeconds(10)).group(1));
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void sendsReadyOnceServingThenWatchdogPingsAtHalfTheInterval() throws Exception {
    NotifySocket.Message ready = awaitReady();
    assertThat(ready.text()).contains("STATUS=serving (cri gateway); cri ");
    // READY=1 comes once the proxy serves; the first CRI check runs right after it and its result follows in STATUS=
    notify.await(m -> m.text().contains("STATUS=serving (cri gateway); cri containerd") && m.text().contains("(v1, v1alpha2)"),
        Duration.ofSeconds(10), "STATUS= with the CRI check's result");
    NotifySocket.Message first = notify.await(m -> m.has("WATCHDOG=1"), WATCHDOG.multipliedBy(2), "WATCHDOG=1");
    NotifySocket.Message second = notify.await(m -> m.has("WATCHDOG=1"), WATCHDOG.multipliedBy(2), "WATCHDOG=1");
    assertThat(Duration.ofNanos(second.receivedNanos() - ready.receivedNanos()))
        .as("two pings within two intervals of READY").isLessThanOrEqualTo(WATCHDOG.multipliedBy(2));
    assertThat(Duration.ofNanos(second.receivedNanos() - first.receivedNanos())).isLessThan(WATCHDOG);
  }

  @Test
  void reloadsOnSighupBetweenReloadingAndReadyAndServesTheNewCertificate() throws Exception {
    awaitReady();
    HypervisorManifest manifest = manifest();
    X509Certificate before = ControllerView.servedCertificate(manifest);
    assertThat(AgentProcess.run(dir.resolve("rotate.out"), dir.resolve("rotate.log"), Duration.ofSeconds(60),
        "certs", "rotate", "--config", config.toString())).as(Files.readString(dir.resolve("rotate.log"))).isZero();
    X509Certificate onDisk = Pem.readCertificates(dir.resolve("state/pki/server.crt")).get(0);
    assertThat(onDisk.getSerialNumber()).isNotEqualTo(before.getSerialNumber());

    agent.signal("HUP");
    notify.await(m -> m.has("RELOADING=1"), Duration.ofSeconds(10), "RELOADING=1");
    notify.await(m -> m.has("READY=1"), Duration.ofSeconds(10), "READY=1 after the reload");
    assertThat(ControllerView.servedCertificate(manifest)).isEqualTo(onDisk);
  }

  @Test
  void readinessFollowsTheRuntimeAndMetricsParseAsPrometheusText(Containerd containerd) throws Exception {
    awaitReady();
    Poll.until(Duration.ofSeconds(10), "/readyz to say 200 once the first CRI check answered",
        () -> status("/readyz") == 200);
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).startsWith("ready").contains("runtime: containerd").contains("api: v1, v1alpha2");
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    try {
      containerd.stopProcess();
      Poll.until(Duration.ofSeconds(10), "/readyz to say 503", () -> status("/readyz") == 503);
      assertThat(get("/readyz").body()).startsWith("not ready: cri");
      notify.await(m -> m.text().contains("STATUS=serving (cri gateway); cri unavailable"), Duration.ofSeconds(10),
          "STATUS with the runtime down");
    } finally {
      containerd.restart();
    }
    Poll.until(Duration.ofSeconds(10), "/readyz to say 200 again", () -> status("/readyz") == 200);

    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(PrometheusParser.families(metrics.body())).contains("proxy_connections_open", "cri_up",
        "tls_certificate_expiry_seconds_server");
  }

  private int status(String path) {
    try {
      return get(path).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void sigtermSendsGoawayLetsTheCallInFlightFinishAndExitsWhenTheWorkEnds(Containerd containerd) throws Exception {
    awaitReady();
    HypervisorManifest manifest = manifest();
    Pods.Pod pod = Pods.runSleeper(containerd, "drain");
    ManagedChannel tester = ControllerView.dialAs(manifest, Pods.clientOf(dir.resolve("state"), "daemon-tester"),
        1 << 20);
    int callers = 8;
    CountDownLatch connected = new CountDownLatch(callers);
    AtomicBoolean stopping = new AtomicBoolean();
    List<String> wrong = new CopyOnWriteArrayList<>();
    List<CompletableFuture<Void>> load = new ArrayList<>();
    try {
      for (int i = 0; i < callers; i++) {
        load.add(CompletableFuture.runAsync(() -> {
          try (CriChannel channel = ControllerView.dial(manifest, null)) {
            CriClient cri = new CriClient(channel.channel(), CriApiVersion.V1ALPHA2, Duration.ofSeconds(30));
            cri.version();
            connected.countDown();
            while (true) { // keeps calling on its connection until the agent moves it away
              try {
                cri.version();
              } catch (StatusRuntimeException e) {
                // after GOAWAY a new call needs a new connection, and nothing listens any more: UNAVAILABLE
                if (!stopping.get() || e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                  wrong.add(e.getStatus().toString());
                }
                return;
              }
            }
          } catch (Exception e) {
            wrong.add(e.toString());
          }
        }));
      }
      assertThat(connected.await(30, TimeUnit.SECONDS)).isTrue();
      // a call in flight across the SIGTERM: it must finish, and the agent waits for it, no longer
      String seconds = "3";
      String marker = "4" + (int) (Math.random() * 1000);
      Future<ExecSyncResponse> inFlight = Executors.newSingleThreadExecutor().submit(() -> CriCalls.call(tester,
          CriApiVersion.V1ALPHA2, "ExecSync", ExecSyncRequest.newBuilder().setContainerId(pod.containerId())
              .addCmd("/bin/sh").addCmd("-c").addCmd("sleep " + seconds + "; echo " + marker).build(),
          ExecSyncResponse.getDefaultInstance(), Duration.ofSeconds(30)));
      Poll.until(Duration.ofSeconds(10), "the exec running", () -> Pods.running("sleep", seconds));
      long sent = System.nanoTime();
      stopping.set(true);
      agent.signal("TERM");
      notify.await(m -> m.has("STOPPING=1"), Duration.ofSeconds(10), "STOPPING=1");
      ExecSyncResponse answer = inFlight.get(30, TimeUnit.SECONDS);
      assertThat(answer.getStdout().toStringUtf8()).isEqualTo(marker + "\n");
      for (CompletableFuture<Void> caller : load) {
        caller.get(30, TimeUnit.SECONDS);
      }
      assertThat(wrong).as("calls that failed otherwise than by being moved away").isEmpty();
      assertThat(agent.awaitExit(Duration.ofSeconds(30))).as("exit code; log:%n%s", agent.log()).isZero();
      // nine connections were open, the drain timeout is 20 s: the agent left when the last call ended
      assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(15));
      assertThat(agent.log()).contains("stopped (all connections finished)");
    } finally {
      tester.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      Pods.remove(containerd, pod);
    }
  }

  @Test
  void checkSucceedsThroughTheAgentAndNamesTheReasonWhenTheProxyIsDown() throws Exception {
    awaitReady();
    Path out = dir.resolve("check.out");
    assertThat(AgentProcess.run(out, dir.resolve("check.err"), Duration.ofSeconds(60), "check", "--config",
        config.toString())).as(Files.readString(out)).isZero();
    assertThat(Files.readString(out, StandardCharsets.UTF_8)).startsWith("ok: containerd").contains("v1alpha2")
        .contains(" ms via 127.0.0.1:").contains("\nmode: cri gateway (cri.bridge: auto); the runtime answers "
            + "v1alpha2 and v1; v1alpha2 calls pass as they are\n");

    agent.signal("TERM");
    assertThat(agent.awaitExit(Duration.ofSeconds(30))).isZero();
    assertThat(AgentProcess.run(out, dir.resolve("check.err"), Duration.ofSeconds(60), "check", "--config",
        config.toString())).isEqualTo(1);
    assertThat(Files.readString(out)).startsWith("failed: 127.0.0.1:").contains("proxy not listening");
  }
}
