package io.oneinfra.tests.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.oneinfra.agent.Agent;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.oneinfra.agent.config.ConfigLoader;
import io.oneinfra.agent.cri.proto.AttachRequest;
import io.oneinfra.agent.cri.proto.AuthConfig;
import io.oneinfra.agent.cri.proto.CheckpointContainerRequest;
import io.oneinfra.agent.cri.proto.ContainerConfig;
import io.oneinfra.agent.cri.proto.ContainerEventResponse;
import io.oneinfra.agent.cri.proto.ContainerMetadata;
import io.oneinfra.agent.cri.proto.ExecRequest;
import io.oneinfra.agent.cri.proto.ExecSyncRequest;
import io.oneinfra.agent.cri.proto.ExecSyncResponse;
import io.oneinfra.agent.cri.proto.GetEventsRequest;
import io.oneinfra.agent.cri.proto.ImageSpec;
import io.oneinfra.agent.cri.proto.LinuxContainerResources;
import io.oneinfra.agent.cri.proto.ListImagesRequest;
import io.oneinfra.agent.cri.proto.ListImagesResponse;
import io.oneinfra.agent.cri.proto.NetworkConfig;
import io.oneinfra.agent.cri.proto.PortForwardRequest;
import io.oneinfra.agent.cri.proto.PullImageRequest;
import io.oneinfra.agent.cri.proto.PullImageResponse;
import io.oneinfra.agent.cri.proto.RemoveImageRequest;
import io.oneinfra.agent.cri.proto.ReopenContainerLogRequest;
import io.oneinfra.agent.cri.proto.RuntimeConfig;
import io.oneinfra.agent.cri.proto.StreamingResponse;
import io.oneinfra.agent.cri.proto.UpdateContainerResourcesRequest;
import io.oneinfra.agent.cri.proto.UpdateRuntimeConfigRequest;
import io.oneinfra.agent.cri.proto.VersionRequest;
import io.oneinfra.agent.cri.proto.VersionResponse;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.proxy.AccessPolicy;
import io.oneinfra.tests.support.TestPki;
import io.oneinfra.tests.testbed.Haproxy;
import io.oneinfra.tests.testbed.Poll;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.Pods;
import io.oneinfra.tests.support.CriCalls;
import io.oneinfra.tests.support.CriScenario;
import io.oneinfra.tests.support.TestAgents;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * oneinfra's controller (CRI v1alpha2 only) and a v1 client through the agent's CRI gateway, in front of a real
 * containerd 2.1 (v1 only: the gateway bridges) and a real containerd 1.6 (both versions: no bridging).
 */
@ExtendWith(SharedContainerd.class)
class GatewayIT {
  @TempDir
  static Path state16;
  @TempDir
  static Path state2;
  static Containerd containerd16;
  static Containerd containerd2;
  /** How long containerd may take to kill an exec whose call ended (a few ms when the machine is quiet). */
  private static final Duration KILLED_WITHIN = Duration.ofSeconds(45);
  static Agent agent16;
  static Agent agent2;

  @BeforeAll
  static void start(Containerd sharedContainerd) throws Exception {
    containerd16 = sharedContainerd;
    containerd2 = Containerd.start(Containerd.Flavor.DEBIAN_SID);
    agent16 = TestAgents.start(state16, containerd16, "gateway-16", GatewayBed.TESTER_RULES);
    agent2 = TestAgents.start(state2, containerd2, "gateway-2", GatewayBed.TESTER_RULES);
    awaitCriCheck(agent16);
    awaitCriCheck(agent2);
  }

  static void awaitCriCheck(Agent agent) {
    Poll.until(Duration.ofSeconds(30), "first CRI check of " + agent.identity(),
        () -> agent.cri() != null && agent.cri().up());
  }

  @AfterAll
  static void stop() {
    if (agent16 != null) {
      agent16.close();
    }
    if (agent2 != null) {
      agent2.close();
    }
    if (containerd2 != null) {
      containerd2.close();
    }
  }

  @ParameterizedTest
  @EnumSource(CriApiVersion.class)
  void runsThePodLifecycleOnContainerd2(CriApiVersion api) throws Exception {
    assertThat(agent2.gateway().orElseThrow().bridging()).as("containerd 2.1 serves only v1: bridging").isTrue();
    try (CriChannel channel = ControllerView.dial(GatewayBed.manifest(agent2), null)) {
      CriScenario.podAndContainerLifecycle(new CriClient(channel.channel(), api, GatewayBed.DEADLINE), containerd2);
    }
  }

  @ParameterizedTest
  @EnumSource(CriApiVersion.class)
  void runsThePodLifecycleOnContainerd16WithoutBridging(CriApiVersion api) throws Exception {
    assertThat(agent16.gateway().orElseThrow().bridging()).as("containerd 1.6 serves v1alpha2").isFalse();
    try (CriChannel channel = ControllerView.dial(GatewayBed.manifest(agent16), null)) {
      CriScenario.podAndContainerLifecycle(new CriClient(channel.channel(), api, GatewayBed.DEADLINE), containerd16);
    }
  }

  @Test
  void reportsTheModeAndBridgingOnReadyzAndStatus() {
    assertThat(agent2.readiness().details()).containsEntry("mode", "cri gateway, bridging v1alpha2 to v1")
        .containsEntry("api", "v1");
    assertThat(agent16.readiness().details()).containsEntry("mode", "cri gateway")
        .containsEntry("api", "v1, v1alpha2");
    assertThat(agent2.statusLine()).startsWith("serving (cri gateway, bridging v1alpha2 to v1); cri containerd 2.1");
  }

  @Test
  void execSyncAllowedByARuleForOneClientOnly() throws Exception {
    Pods.Pod pod = Pods.runSleeper(containerd2, "exec");
    ManagedChannel tester = GatewayBed.dial(agent2, Pods.clientOf(state2, GatewayBed.TESTER), 1 << 20);
    try (CriChannel controller = ControllerView.dial(GatewayBed.manifest(agent2), null)) {
      ExecSyncRequest echo = ExecSyncRequest.newBuilder().setContainerId(pod.containerId())
          .addCmd("/bin/echo").addCmd("hello").setTimeout(10).build();
      ExecSyncResponse answer = CriCalls.call(tester, CriApiVersion.V1ALPHA2, "ExecSync", echo,
          ExecSyncResponse.getDefaultInstance(), GatewayBed.DEADLINE);
      assertThat(answer.getStdout().toStringUtf8()).isEqualTo("hello\n");
      assertThatThrownBy(() -> CriCalls.call(controller.channel(), CriApiVersion.V1ALPHA2, "ExecSync", echo,
          ExecSyncResponse.getDefaultInstance(), GatewayBed.DEADLINE))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).contains("/runtime.v1alpha2.RuntimeService/ExecSync")
                .contains("cn=oneinfra-client");
          });
    } finally {
      tester.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      Pods.remove(containerd2, pod);
    }
  }

  @Test
  void theSameV1alpha2ClientThroughHaproxyFailsOnContainerd2(@TempDir Path dir) throws Exception {
    TestPki pki = new TestPki();
    Path[] files = pki.writeHaproxyFiles(dir);
    try (Haproxy haproxy = Haproxy.start(files[0], files[1], containerd2.socket());
        CriChannel channel = CriChannel.remote("127.0.0.1:" + haproxy.port(), pki.serverCa.certificatePem(),
            pki.client.certificatePem(), pki.client.privateKeyPem(), null)) {
      assertThat(new CriClient(channel.channel(), CriApiVersion.V1, GatewayBed.DEADLINE).version()
          .getRuntimeApiVersion()).isEqualTo("v1");
      assertThatThrownBy(() -> new CriClient(channel.channel(), CriApiVersion.V1ALPHA2, GatewayBed.DEADLINE).version())
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
            assertThat(e.getStatus().getDescription()).contains("runtime.v1alpha2.RuntimeService");
          });
    }
  }

  /** The nine methods no profile grants, each with a marker the runtime would log if the call reached it. */
  private static Map<String, Message> dangerousCalls(String marker) {
    Map<String, Message> calls = new LinkedHashMap<>();
    calls.put("ExecSync", ExecSyncRequest.newBuilder().setContainerId(marker).addCmd("/bin/true").build());
    calls.put("Exec", ExecRequest.newBuilder().setContainerId(marker).addCmd("/bin/sh").setStdout(true).build());
    calls.put("Attach", AttachRequest.newBuilder().setContainerId(marker).setStdout(true).build());
    calls.put("PortForward", PortForwardRequest.newBuilder().setPodSandboxId(marker).addPort(80).build());
    calls.put("ReopenContainerLog", ReopenContainerLogRequest.newBuilder().setContainerId(marker).build());
    calls.put("UpdateContainerResources", UpdateContainerResourcesRequest.newBuilder().setContainerId(marker)
        .setLinux(LinuxContainerResources.newBuilder().setCpuShares(2)).build());
    calls.put("CheckpointContainer", CheckpointContainerRequest.newBuilder().setContainerId(marker).build());
    calls.put("RemoveImage", RemoveImageRequest.newBuilder()
        .setImage(ImageSpec.newBuilder().setImage("docker.io/oneinfra/" + marker + ":x")).build());
    return calls;
  }

  @ParameterizedTest
  @EnumSource(CriApiVersion.class)
  void dangerousMethodsAreDeniedAndNeverReachTheRuntime(CriApiVersion api) throws Exception {
    String denied = "denied-" + UUID.randomUUID();
    String direct = "direct-" + UUID.randomUUID();
    // UpdateRuntimeConfig carries no id: its pod CIDR is the marker
    int subnet = 1 + (int) (Math.random() * 250);
    Message deniedConfig = runtimeConfig("10.201." + subnet + ".0/24");
    Message directConfig = runtimeConfig("10.202." + subnet + ".0/24");
    double deniedBefore = deniedCount("UpdateRuntimeConfig");
    try (CriChannel controller = ControllerView.dial(GatewayBed.manifest(agent2), null);
        CriChannel runtime = CriChannel.unix(containerd2.socket())) {
      Map<String, Message> calls = dangerousCalls(denied);
      calls.put("UpdateRuntimeConfig", deniedConfig);
      for (Map.Entry<String, Message> call : calls.entrySet()) {
        assertThatThrownBy(() -> CriCalls.call(controller.channel(), api, call.getKey(), call.getValue(),
            GatewayBed.DEADLINE)).as(call.getKey()).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).contains("/runtime." + api.apiVersion() + ".")
                  .contains("/" + call.getKey() + " for cn=oneinfra-client");
            });
      }
      // the control: the same calls straight to containerd's socket do show in its debug log
      Map<String, Message> controls = dangerousCalls(direct);
      controls.put("UpdateRuntimeConfig", directConfig);
      for (Map.Entry<String, Message> call : controls.entrySet()) {
        try {
          CriCalls.call(runtime.channel(), CriApiVersion.V1, call.getKey(), call.getValue(), GatewayBed.DEADLINE);
        } catch (StatusRuntimeException expected) {
          // NOT_FOUND and the like: the call reached containerd, which is all the control needs
        }
      }
      Poll.until(Duration.ofSeconds(10), "containerd logging the direct calls",
          () -> containerdLog().contains(direct) && containerdLog().contains("10.202." + subnet + ".0/24"),
          GatewayIT::containerdLogTail);
      assertThat(containerdLog()).as("containerd's log").doesNotContain(denied)
          .doesNotContain("10.201." + subnet + ".0/24");
    }
    assertThat(deniedCount("UpdateRuntimeConfig")).isEqualTo(deniedBefore + 1);
  }

  private static Message runtimeConfig(String podCidr) {
    return UpdateRuntimeConfigRequest.newBuilder().setRuntimeConfig(RuntimeConfig.newBuilder()
        .setNetworkConfig(NetworkConfig.newBuilder().setPodCidr(podCidr))).build();
  }

  @Test
  void removeImageDeniedLeavesTheImage() throws Exception {
    try (CriChannel controller = ControllerView.dial(GatewayBed.manifest(agent2), null)) {
      RemoveImageRequest remove = RemoveImageRequest.newBuilder()
          .setImage(ImageSpec.newBuilder().setImage(containerd2.containerImage())).build();
      assertThatThrownBy(() -> CriCalls.call(controller.channel(), CriApiVersion.V1ALPHA2, "RemoveImage", remove,
          GatewayBed.DEADLINE)).isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("PERMISSION_DENIED");
      assertThat(new CriClient(controller.channel(), CriApiVersion.V1ALPHA2, GatewayBed.DEADLINE)
          .imageStatus(containerd2.containerImage())).isPresent();
    }
  }

  private static double deniedCount(String method) {
    Double value = agent2.prometheus().scrape().stream()
        .filter(m -> m.getMetadata().getPrometheusName().equals("cri_calls_denied"))
        .flatMap(m -> m.getDataPoints().stream())
        .filter(p -> method.equals(p.getLabels().get("method")))
        .map(p -> ((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot) p).getValue())
        .findFirst().orElse(0.0);
    return value;
  }

  private static String containerdLog() {
    try {
      return Files.readString(containerd2.logFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String containerdLogTail() {
    String log = containerdLog();
    return log.substring(Math.max(0, log.length() - 4000));
  }

  @Test
  void auditRecordsTheControllersLifecycleFieldByField() throws Exception {
    Path audit = agent2.audit().orElseThrow().file();
    long skip = Files.exists(audit) ? Files.readAllLines(audit).size() : 0;
    Instant began = Instant.now(); // records of earlier tests may still be on their way to the file
    try (CriChannel channel = ControllerView.dial(GatewayBed.manifest(agent2), null)) {
      CriScenario.podAndContainerLifecycle(new CriClient(channel.channel(), CriApiVersion.V1ALPHA2,
          GatewayBed.DEADLINE), containerd2);
    }
    ObjectMapper json = new ObjectMapper();
    AtomicReference<List<JsonNode>> records = new AtomicReference<>(List.of());
    Poll.until(Duration.ofSeconds(10), "the RemovePodSandbox audit record", () -> {
      records.set(readAudit(json, audit, skip));
      return records.get().stream().anyMatch(r -> r.path("method").asText().endsWith("/RemovePodSandbox"));
    });
    String pin = AccessPolicy.spkiPin(io.oneinfra.proxy.Pem.parseCertificates("client",
        GatewayBed.manifest(agent2).spec().remoteCriEndpoint().clientCertificate().certificate()).get(0));
    Map<String, JsonNode> byMethod = new LinkedHashMap<>();
    for (JsonNode r : records.get()) {
      if (Instant.parse(r.path("time").asText()).isBefore(began)) {
        continue;
      }
      assertThat(r.path("client_cn").asText()).isEqualTo("oneinfra-client");
      assertThat(r.path("client_spki_sha256").asText()).isEqualTo(pin);
      assertThat(r.path("source").asText()).startsWith("127.0.0.1:");
      String method = r.path("method").asText();
      assertThat(method).startsWith("/runtime.v1alpha2.");
      assertThat(r.path("forwarded_as").asText()).isEqualTo(method.replace("runtime.v1alpha2", "runtime.v1"));
      assertThat(r.path("bridged").asBoolean()).isTrue();
      assertThat(r.path("decision").asText()).isEqualTo("allowed");
      assertThat(r.path("reason").asText()).isEqualTo("profile controller");
      assertThat(r.path("duration_ms").asDouble()).isPositive();
      assertThat(Instant.parse(r.path("time").asText())).isBeforeOrEqualTo(Instant.now());
      byMethod.putIfAbsent(method.substring(method.lastIndexOf('/') + 1)
          + (r.path("code").asText().equals("OK") ? "" : ":" + r.path("code").asText()), r);
    }
    JsonNode run = byMethod.get("RunPodSandbox");
    assertThat(run.path("code").asText()).isEqualTo("OK");
    assertThat(run.path("pod_name").asText()).startsWith("lifecycle-v1alpha2-");
    assertThat(run.path("pod_namespace").asText()).isEqualTo("oneinfra-test");
    assertThat(run.path("pod_uid").asText()).hasSize(36);
    String podId = run.path("pod_sandbox_id").asText();
    assertThat(podId).hasSize(64);
    assertThat(run.path("request_bytes").asLong()).isPositive();
    assertThat(run.path("response_bytes").asLong()).isPositive();
    JsonNode create = byMethod.get("CreateContainer");
    assertThat(create.path("pod_sandbox_id").asText()).isEqualTo(podId);
    assertThat(create.path("container_name").asText()).isEqualTo("sleeper");
    assertThat(create.path("image").asText()).isEqualTo(containerd2.containerImage());
    assertThat(create.path("pod_name").asText()).isEqualTo(run.path("pod_name").asText());
    String containerId = create.path("container_id").asText();
    assertThat(containerId).hasSize(64);
    assertThat(byMethod.get("StartContainer").path("container_id").asText()).isEqualTo(containerId);
    assertThat(byMethod.get("ContainerStatus").path("container_id").asText()).isEqualTo(containerId);
    assertThat(byMethod.get("ListContainers").path("pod_sandbox_id").asText()).isEqualTo(podId);
    assertThat(byMethod.get("StopPodSandbox").path("pod_sandbox_id").asText()).isEqualTo(podId);
    assertThat(byMethod.get("RemovePodSandbox").path("pod_sandbox_id").asText()).isEqualTo(podId);
    assertThat(byMethod.get("ImageStatus").path("image").asText()).isEqualTo(containerd2.containerImage());
    assertThat(byMethod).containsKeys("Version", "ListPodSandbox");
  }

  private static List<JsonNode> readAudit(ObjectMapper json, Path audit, long skip) {
    try {
      List<JsonNode> out = new ArrayList<>();
      for (String line : Files.readAllLines(audit).stream().skip(skip).toList()) {
        out.add(json.readTree(line));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void pullImageCredentialsAppearInNoLogAndNoAuditRecord() throws Exception {
    String secret = "s3cret-" + UUID.randomUUID();
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    LogCapture capture = LogCapture.start(logs);
    try (capture; CriChannel controller = ControllerView.dial(GatewayBed.manifest(agent2), null)) {
      PullImageRequest pull = PullImageRequest.newBuilder()
          .setImage(ImageSpec.newBuilder().setImage("127.0.0.1:9/oneinfra/absent:" + secret.substring(0, 8)))
          .setAuth(AuthConfig.newBuilder().setUsername("user-" + secret).setPassword("password-" + secret)
              .setAuth("auth-" + secret).setIdentityToken("identity-" + secret).setRegistryToken("registry-" + secret)
              .setServerAddress("127.0.0.1:9"))
          .build();
      assertThatThrownBy(() -> CriCalls.call(controller.channel(), CriApiVersion.V1ALPHA2, "PullImage", pull,
          PullImageResponse.getDefaultInstance(), GatewayBed.DEADLINE)).isInstanceOf(StatusRuntimeException.class);
      Path audit = agent2.audit().orElseThrow().file();
      Poll.until(Duration.ofSeconds(10), "the PullImage audit record",
          () -> read(audit).contains("/PullImage") && read(audit).contains(secret.substring(0, 8)));
    }
    String secretPart = secret.substring(7);
    assertThat(logs.toString(StandardCharsets.UTF_8)).as("everything the agent logged").doesNotContain(secretPart);
    try (Stream<Path> files = Files.walk(state2)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).as("%s", file)
            .doesNotContain(secretPart);
      }
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aDeadlineAndACancellationReachTheRuntime() throws Exception {
    Pods.Pod pod = Pods.runSleeper(containerd2, "cancel");
    ManagedChannel tester = GatewayBed.dial(agent2, Pods.clientOf(state2, GatewayBed.TESTER), 1 << 20);
    try {
      // the deadline: the client gives up after 3 s; the exec'd process must go with the call
      String seconds = Integer.toString(7000 + (int) (Math.random() * 1000));
      ExecSyncRequest sleep = ExecSyncRequest.newBuilder().setContainerId(pod.containerId())
          .addCmd("/bin/sleep").addCmd(seconds).build();
      Future<?> call = Executors.newSingleThreadExecutor().submit(() -> CriCalls.call(tester, CriApiVersion.V1ALPHA2,
          "ExecSync", sleep, ExecSyncResponse.getDefaultInstance(), Duration.ofSeconds(3)));
      Poll.until(Duration.ofSeconds(10), "sleep " + seconds + " running in the container",
          () -> Pods.running("/bin/sleep", seconds));
      assertThatThrownBy(() -> call.get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("DEADLINE_EXCEEDED");
      // containerd kills the exec from a deferred clean-up with a context of its own: on the loaded CI machine that
      // took longer than 15 s once, so the wait is generous and a failure shows containerd's own account
      Poll.until(KILLED_WITHIN, "sleep " + seconds + " killed by containerd after the deadline",
          () -> !Pods.running("/bin/sleep", seconds), containerd2::logTail);

      // the cancellation: the client cancels a call in flight (RST_STREAM CANCEL)
      String more = Integer.toString(8000 + (int) (Math.random() * 1000));
      ExecSyncRequest sleepMore = sleep.toBuilder().clearCmd().addCmd("/bin/sleep").addCmd(more).build();
      ClientCall<ExecSyncRequest, ExecSyncResponse> cancelled = tester.newCall(CriCalls.unary(CriApiVersion.V1,
          "ExecSync", sleepMore, ExecSyncResponse.getDefaultInstance()), CallOptions.DEFAULT);
      CountDownLatch closed = new CountDownLatch(1);
      AtomicReference<Status> status = new AtomicReference<>();
      cancelled.start(new ClientCall.Listener<>() {
        @Override
        public void onClose(Status s, Metadata trailers) {
          status.set(s);
          closed.countDown();
        }
      }, new Metadata());
      cancelled.request(1);
      cancelled.sendMessage(sleepMore);
      cancelled.halfClose();
      Poll.until(Duration.ofSeconds(10), "sleep " + more + " running", () -> Pods.running("/bin/sleep", more));
      cancelled.cancel("test cancels", null);
      assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(status.get().getCode()).isEqualTo(Status.Code.CANCELLED);
      Poll.until(KILLED_WITHIN, "sleep " + more + " killed by containerd after the cancellation",
          () -> !Pods.running("/bin/sleep", more), containerd2::logTail);
    } finally {
      tester.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      Pods.remove(containerd2, pod);
    }
  }

  @Test
  void aSixteenMebibyteAnswerPasses() throws Exception {
    Pods.Pod pod = Pods.runSleeper(containerd2, "large");
    int size = 16 * 1024 * 1024 - 4096; // containerd's own limit is 16 MiB for the whole message
    ManagedChannel tester = GatewayBed.dial(agent2, Pods.clientOf(state2, GatewayBed.TESTER),
        32 << 20);
    try {
      ExecSyncResponse answer = CriCalls.call(tester, CriApiVersion.V1ALPHA2, "ExecSync",
          ExecSyncRequest.newBuilder().setContainerId(pod.containerId()).addCmd("/bin/busybox").addCmd("head").addCmd("-c")
              .addCmd(Integer.toString(size)).addCmd("/dev/urandom").setTimeout(60).build(),
          ExecSyncResponse.getDefaultInstance(), Duration.ofSeconds(60));
      assertThat(answer.getExitCode()).isZero();
      assertThat(answer.getStdout().size()).isEqualTo(size);
      assertThat(answer.getSerializedSize()).isGreaterThan(16 * 1024 * 1024 - 8192);
    } finally {
      tester.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      Pods.remove(containerd2, pod);
    }
  }

  @Test
  void twoHundredConcurrentStreamsOnOneConnection() throws Exception {
    int streams = 200;
    ManagedChannel tester = GatewayBed.dial(agent2, Pods.clientOf(state2, GatewayBed.TESTER), 1 << 20);
    Pods.Pod pod = null;
    List<ClientCall<GetEventsRequest, ContainerEventResponse>> calls = new ArrayList<>();
    try {
      // GetContainerEvents streams until cancelled: 200 of them are open on the one connection at once
      Map<Integer, Set<String>> seen = new ConcurrentHashMap<>();
      AtomicInteger failed = new AtomicInteger();
      for (int i = 0; i < streams; i++) {
        int index = i;
        seen.put(index, ConcurrentHashMap.newKeySet());
        ClientCall<GetEventsRequest, ContainerEventResponse> call = tester.newCall(CriCalls.serverStreaming(
            CriApiVersion.V1, "GetContainerEvents", GetEventsRequest.getDefaultInstance(),
            ContainerEventResponse.getDefaultInstance()), CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
          @Override
          public void onMessage(ContainerEventResponse event) {
            seen.get(index).add(event.getContainerId());
            call.request(1);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            if (status.getCode() != Status.Code.CANCELLED) {
              failed.incrementAndGet();
            }
          }
        }, new Metadata());
        call.request(1);
        call.sendMessage(GetEventsRequest.getDefaultInstance());
        call.halfClose();
        calls.add(call);
      }
      Poll.until(Duration.ofSeconds(20), streams + " calls in flight at the gateway",
          () -> inFlight("GetContainerEvents") >= streams);
      pod = Pods.runSleeper(containerd2, "events");
      String containerId = pod.containerId();
      Poll.until(Duration.ofSeconds(30), "every stream seeing the new container's events",
          () -> seen.values().stream().allMatch(ids -> ids.contains(containerId)),
          () -> seen.values().stream().filter(ids -> !ids.contains(containerId)).count() + " streams still waiting");
      assertThat(failed).hasValue(0);
      assertThat(agent2.proxy().openConnections()).isLessThanOrEqualTo(3); // one connection carried the streams
    } finally {
      calls.forEach(c -> c.cancel("done", null));
      tester.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      if (pod != null) {
        Pods.remove(containerd2, pod);
      }
    }
  }

  private static double inFlight(String method) {
    return agent2.prometheus().scrape().stream()
        .filter(m -> m.getMetadata().getPrometheusName().equals("cri_calls_in_flight"))
        .flatMap(m -> m.getDataPoints().stream())
        .filter(p -> method.equals(p.getLabels().get("method")))
        .mapToDouble(p -> ((io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot) p).getValue())
        .sum();
  }

  @Test
  void reloadingThePolicyUnderLoadDropsNoCall() throws Exception {
    String open = TestAgents.config(state2, containerd2, "gateway-2", GatewayBed.TESTER_RULES);
    String denyListImages = TestAgents.config(state2, containerd2, "gateway-2", GatewayBed.TESTER_RULES + """
            deny:
              - methods: [ListImages]
        """);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger calls = new AtomicInteger();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try (CriChannel persistent = ControllerView.dial(GatewayBed.manifest(agent2), null)) {
      List<Future<?>> running = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        boolean fresh = i % 2 == 1;
        running.add(callers.submit(() -> {
          while (!stop.get()) {
            try {
              if (fresh) {
                try (CriChannel once = ControllerView.dial(GatewayBed.manifest(agent2), null)) {
                  new CriClient(once.channel(), CriApiVersion.V1ALPHA2, GatewayBed.DEADLINE).version();
                }
              } else {
                new CriClient(persistent.channel(), CriApiVersion.V1ALPHA2, GatewayBed.DEADLINE).listContainers();
              }
              calls.incrementAndGet();
            } catch (IOException | RuntimeException | AssertionError e) {
              failures.add(e);
            }
          }
        }));
      }
      for (int i = 0; i < 10; i++) {
        int before = calls.get();
        assertThat(agent2.reload(parse(i % 2 == 0 ? denyListImages : open))).isTrue();
        Poll.until(Duration.ofSeconds(10), "calls after reload " + i, () -> calls.get() > before + 8);
      }
      assertThat(agent2.reload(parse(denyListImages))).isTrue();
      // the connection opened before the reload is held to the new policy
      assertThatThrownBy(() -> CriCalls.call(persistent.channel(), CriApiVersion.V1ALPHA2, "ListImages",
          ListImagesRequest.getDefaultInstance(), ListImagesResponse.getDefaultInstance(), GatewayBed.DEADLINE))
          .hasMessageContaining("PERMISSION_DENIED").hasMessageContaining("cri.authorization.deny[0]");
      stop.set(true);
      for (Future<?> f : running) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      stop.set(true);
      callers.shutdownNow();
      assertThat(agent2.reload(parse(open))).isTrue();
    }
    assertThat(failures).isEmpty();
    assertThat(calls.get()).isGreaterThan(80);
  }

  private static io.oneinfra.agent.config.AgentConfig parse(String yaml) throws Exception {
    return new ConfigLoader().parse("test config", new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
  }
}
