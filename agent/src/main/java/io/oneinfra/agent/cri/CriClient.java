package io.oneinfra.agent.cri;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.oneinfra.agent.cri.proto.Container;
import io.oneinfra.agent.cri.proto.ContainerConfig;
import io.oneinfra.agent.cri.proto.ContainerFilter;
import io.oneinfra.agent.cri.proto.ContainerStatus;
import io.oneinfra.agent.cri.proto.ContainerStatusRequest;
import io.oneinfra.agent.cri.proto.CreateContainerRequest;
import io.oneinfra.agent.cri.proto.Image;
import io.oneinfra.agent.cri.proto.ImageSpec;
import io.oneinfra.agent.cri.proto.ImageStatusRequest;
import io.oneinfra.agent.cri.proto.ImageStatusResponse;
import io.oneinfra.agent.cri.proto.ListContainersRequest;
import io.oneinfra.agent.cri.proto.ListPodSandboxRequest;
import io.oneinfra.agent.cri.proto.PodSandbox;
import io.oneinfra.agent.cri.proto.PodSandboxConfig;
import io.oneinfra.agent.cri.proto.RemoveContainerRequest;
import io.oneinfra.agent.cri.proto.RemovePodSandboxRequest;
import io.oneinfra.agent.cri.proto.RunPodSandboxRequest;
import io.oneinfra.agent.cri.proto.RuntimeStatus;
import io.oneinfra.agent.cri.proto.StartContainerRequest;
import io.oneinfra.agent.cri.proto.StatusRequest;
import io.oneinfra.agent.cri.proto.StopContainerRequest;
import io.oneinfra.agent.cri.proto.StopPodSandboxRequest;
import io.oneinfra.agent.cri.proto.VersionRequest;
import io.oneinfra.agent.cri.proto.VersionResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Blocking CRI client; every call fails with {@code StatusRuntimeException} on error. */
public final class CriClient {

  private final Channel channel;
  private final CriApiVersion api;
  private final long deadlineNanos;

  /** Uses {@code channel} (not owned) with the given API version and per-call deadline. */
  public CriClient(Channel channel, CriApiVersion api, Duration deadline) {
    this.channel = Objects.requireNonNull(channel, "channel");
    this.api = Objects.requireNonNull(api, "api");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive: " + deadline);
    }
    this.deadlineNanos = deadline.toNanos();
  }

  /** The API version this client speaks. */
  public CriApiVersion apiVersion() {
    return api;
  }

  /** Runtime name, runtime version and the runtime's API version. */
  public VersionResponse version() {
    return call(api.version, VersionRequest.newBuilder().setVersion(api.apiVersion()).build());
  }

  /** Runtime conditions such as RuntimeReady and NetworkReady. */
  public RuntimeStatus status() {
    return call(api.status, StatusRequest.getDefaultInstance()).getStatus();
  }

  /** The image if present on the node, otherwise empty. */
  public Optional<Image> imageStatus(String image) {
    ImageStatusRequest request = ImageStatusRequest.newBuilder()
        .setImage(ImageSpec.newBuilder().setImage(image))
        .build();
    ImageStatusResponse response = call(api.imageStatus, request);
    return response.hasImage() ? Optional.of(response.getImage()) : Optional.empty();
  }

  /** Creates and starts a pod sandbox; returns its id. */
  public String runPodSandbox(PodSandboxConfig config) {
    return call(api.runPodSandbox, RunPodSandboxRequest.newBuilder().setConfig(config).build())
        .getPodSandboxId();
  }

  /** Stops a pod sandbox and its containers; containerd 1.6 says NOT_FOUND for an unknown id. */
  public void stopPodSandbox(String podSandboxId) {
    call(api.stopPodSandbox,
        StopPodSandboxRequest.newBuilder().setPodSandboxId(podSandboxId).build());
  }

  /** Removes a pod sandbox and all its containers (idempotent). */
  public void removePodSandbox(String podSandboxId) {
    call(api.removePodSandbox,
        RemovePodSandboxRequest.newBuilder().setPodSandboxId(podSandboxId).build());
  }

  /** All pod sandboxes known to the runtime. */
  public List<PodSandbox> listPodSandbox() {
    return call(api.listPodSandbox, ListPodSandboxRequest.getDefaultInstance()).getItemsList();
  }

  /** Creates a container in a pod sandbox; returns its id. */
  public String createContainer(
      String podSandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig) {
    CreateContainerRequest request = CreateContainerRequest.newBuilder()
        .setPodSandboxId(podSandboxId)
        .setConfig(config)
        .setSandboxConfig(sandboxConfig)
        .build();
    return call(api.createContainer, request).getContainerId();
  }

  /** Starts a created container. */
  public void startContainer(String containerId) {
    call(api.startContainer,
        StartContainerRequest.newBuilder().setContainerId(containerId).build());
  }

  /** Stops a container, killing it after {@code timeoutSeconds}; NOT_FOUND if unknown. */
  public void stopContainer(String containerId, long timeoutSeconds) {
    call(api.stopContainer, StopContainerRequest.newBuilder()
        .setContainerId(containerId)
        .setTimeout(timeoutSeconds)
        .build());
  }

  /** Removes a container, killing it if still running (idempotent). */
  public void removeContainer(String containerId) {
    call(api.removeContainer,
        RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
  }

  /** All containers known to the runtime. */
  public List<Container> listContainers() {
    return call(api.listContainers, ListContainersRequest.getDefaultInstance())
        .getContainersList();
  }

  /** The containers of one pod sandbox. */
  public List<Container> listContainers(String podSandboxId) {
    ListContainersRequest request = ListContainersRequest.newBuilder()
        .setFilter(ContainerFilter.newBuilder().setPodSandboxId(podSandboxId))
        .build();
    return call(api.listContainers, request).getContainersList();
  }

  /** Detailed status of one container. */
  public ContainerStatus containerStatus(String containerId) {
    return call(api.containerStatus,
        ContainerStatusRequest.newBuilder().setContainerId(containerId).build()).getStatus();
  }

  private <Q, R> R call(MethodDescriptor<Q, R> method, Q request) {
    CallOptions options =
        CallOptions.DEFAULT.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS);
    return ClientCalls.blockingUnaryCall(channel, method, options, request);
  }
}
