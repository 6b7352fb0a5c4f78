package io.oneinfra.tests.cri;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.oneinfra.agent.Agent;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.cri.proto.RuntimeCondition;
import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.CriScenario;
import io.oneinfra.tests.support.TestAgents;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The agent in front of a real containerd, driven as oneinfra's controller does: from nothing but the Hypervisor
 * manifest the agent wrote.
 */
@ExtendWith(SharedContainerd.class)
class CriThroughAgentIT {
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir
  static Path state;
  static Agent agent;

  @BeforeAll
  static void startAgent(Containerd containerd) throws Exception {
    agent = TestAgents.start(state, containerd, "test-hypervisor", "");
  }

  @AfterAll
  static void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  /** Dials the proxy exactly as the controller would, with only what the manifest file says. */
  static CriChannel controllerChannel(EventLoopGroup group) throws Exception {
    return ControllerView.dial(ManifestCodec.parse(Files.readString(agent.manifestFile())), group);
  }

  @ParameterizedTest
  @EnumSource(CriApiVersion.class)
  void drivesPodAndContainerLifecycleThroughTheProxy(CriApiVersion api, Containerd containerd) throws Exception {
    try (CriChannel channel = controllerChannel(null)) {
      CriScenario.podAndContainerLifecycle(new CriClient(channel.channel(), api, DEADLINE), containerd);
    }
    assertThat(agent.metrics().meter("proxy.connections.relayed").getCount()).isPositive();
  }

  @Test
  void servesTwoHundredConcurrentConnectionsDoingMixedCriCalls(Containerd containerd) throws Exception {
    int connections = 200;
    EventLoopGroup group = CriChannel.newGroup("cri-load");
    ExecutorService callers = Executors.newFixedThreadPool(32);
    List<CriChannel> channels = new ArrayList<>();
    try {
      for (int i = 0; i < connections; i++) {
        channels.add(controllerChannel(group));
      }
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        CriClient cri = new CriClient(channels.get(i).channel(), CriApiVersion.values()[i % 2], DEADLINE);
        int seed = i;
        results.add(callers.submit(() -> mixedCalls(cri, containerd, seed)));
      }
      int calls = 0;
      for (Future<Integer> result : results) {
        calls += result.get(2, TimeUnit.MINUTES);
      }
      assertThat(calls).isEqualTo(connections * 6);
      // every gRPC channel still holds its own connection through the proxy
      assertThat(agent.proxy().openConnections()).isEqualTo(connections);
    } finally {
      channels.forEach(CriChannel::close);
      callers.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private static int mixedCalls(CriClient cri, Containerd containerd, int seed) {
    int done = 0;
    for (int step = 0; step < 6; step++) {
      switch ((seed + step) % 5) {
        case 0 -> assertThat(cri.version().getRuntimeName()).isEqualTo("containerd");
        case 1 -> assertThat(cri.imageStatus(containerd.sandboxImage())).isPresent();
        case 2 -> assertThat(cri.status().getConditionsList()).extracting(RuntimeCondition::getType)
            .contains("RuntimeReady");
        case 3 -> assertThat(cri.listContainers()).isNotNull();
        default -> assertThat(cri.listPodSandbox()).isNotNull();
      }
      done++;
    }
    return done;
  }
}
