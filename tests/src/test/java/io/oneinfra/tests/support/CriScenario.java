package io.oneinfra.tests.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.cri.proto.ContainerConfig;
import io.oneinfra.agent.cri.proto.ContainerMetadata;
import io.oneinfra.agent.cri.proto.ContainerState;
import io.oneinfra.agent.cri.proto.ContainerStatus;
import io.oneinfra.agent.cri.proto.ImageSpec;
import io.oneinfra.agent.cri.proto.PodSandbox;
import io.oneinfra.agent.cri.proto.PodSandboxConfig;
import io.oneinfra.agent.cri.proto.VersionResponse;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.tests.testbed.Containerd;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** What oneinfra's controller does to a hypervisor over CRI: a host-network pod with one container, then cleanup. */
public final class CriScenario {
  private CriScenario() {}

  /**
   * Dials the manifest's endpoint as the controller does and, once a first call came back on that connection, runs the
   * pod lifecycle on it in the background: a lifecycle in flight for whatever the test does next.
   */
  public static CompletableFuture<Void> inFlight(HypervisorManifest manifest, CriApiVersion api,
      Containerd containerd) throws InterruptedException {
    CountDownLatch connected = new CountDownLatch(1);
    CompletableFuture<Void> lifecycle = CompletableFuture.runAsync(() -> {
      try (CriChannel channel = ControllerView.dial(manifest, null)) {
        CriClient cri = new CriClient(channel.channel(), api, Duration.ofSeconds(30));
        cri.version();
        connected.countDown();
        podAndContainerLifecycle(cri, containerd);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    if (!connected.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("no connection for the in-flight lifecycle within 30 s");
    }
    return lifecycle;
  }

  /** Runs the whole pod and container lifecycle through {@code cri}, asserting each step's result. */
  public static void podAndContainerLifecycle(CriClient cri, Containerd containerd) {
    VersionResponse version = cri.version();
    assertThat(version.getRuntimeName()).isEqualTo("containerd");
    assertThat(version.getRuntimeVersion()).startsWith(containerd.versionPrefix());
    // a v1alpha2 call bridged to a v1-only runtime is answered by its v1 service
    assertThat(version.getRuntimeApiVersion()).isEqualTo(
        containerd.servesV1alpha2() ? cri.apiVersion().apiVersion() : "v1");

    assertThat(cri.imageStatus(containerd.containerImage())).as("image status of %s", containerd.containerImage())
        .hasValueSatisfying(image -> assertThat(image.getRepoTagsList()).contains(containerd.containerImage()));
    assertThat(cri.imageStatus("docker.io/library/absent:none")).isEmpty();

    String name = "lifecycle-" + cri.apiVersion().apiVersion() + "-" + UUID.randomUUID().toString().substring(0, 8);
    PodSandboxConfig pod = Pods.hostNetworkPod(containerd, name);
    String podId = cri.runPodSandbox(pod);
    try {
      assertThat(cri.listPodSandbox()).extracting(PodSandbox::getId).contains(podId);
      ContainerConfig container = ContainerConfig.newBuilder()
          .setMetadata(ContainerMetadata.newBuilder().setName("sleeper"))
          .setImage(ImageSpec.newBuilder().setImage(containerd.containerImage()))
          .addCommand("/bin/sleep").addArgs("3600")
          .setLogPath(Path.of("sleeper.log").toString())
          .build();
      String containerId = cri.createContainer(podId, container, pod);
      cri.startContainer(containerId);

      assertThat(cri.listContainers(podId)).singleElement().satisfies(c -> {
        assertThat(c.getId()).isEqualTo(containerId);
        assertThat(c.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(c.getMetadata().getName()).isEqualTo("sleeper");
      });
      ContainerStatus status = cri.containerStatus(containerId);
      assertThat(status.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
      assertThat(status.getStartedAt()).isPositive();
      assertThat(status.getImage().getImage()).isEqualTo(containerd.containerImage());
    } finally {
      cri.stopPodSandbox(podId);
      cri.removePodSandbox(podId);
    }
    assertThat(cri.listPodSandbox()).extracting(PodSandbox::getId).doesNotContain(podId);
  }
}
