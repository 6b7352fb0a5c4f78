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
import io.oneinfra.agent.cri.proto.ExecSyncRequest;
import io.oneinfra.agent.cri.proto.ExecSyncResponse;
import io.oneinfra.tests.support.ControllerView;
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
    io.oneinfra.tests.testbed.Poll.until(java.time.Duration.ofSeconds(30), "first CRI check of " + agent.identity(),
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
    GatewayBed.Pod pod = GatewayBed.runSleeper(containerd2, "exec-" + UUID.randomUUID().toString().substring(0, 8));
    ManagedChannel tester = GatewayBed.dial(agent2, GatewayBed.clientOf(agent2, state2, GatewayBed.TESTER), 1 << 20);
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
      GatewayBed.remove(containerd2, pod);
    }
  }
}
