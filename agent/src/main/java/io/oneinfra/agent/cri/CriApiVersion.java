package io.oneinfra.agent.cri;

import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.oneinfra.agent.cri.proto.ContainerStatusRequest;
import io.oneinfra.agent.cri.proto.ContainerStatusResponse;
import io.oneinfra.agent.cri.proto.CreateContainerRequest;
import io.oneinfra.agent.cri.proto.CreateContainerResponse;
import io.oneinfra.agent.cri.proto.ImageStatusRequest;
import io.oneinfra.agent.cri.proto.ImageStatusResponse;
import io.oneinfra.agent.cri.proto.ListContainersRequest;
import io.oneinfra.agent.cri.proto.ListContainersResponse;
import io.oneinfra.agent.cri.proto.ListPodSandboxRequest;
import io.oneinfra.agent.cri.proto.ListPodSandboxResponse;
import io.oneinfra.agent.cri.proto.RemoveContainerRequest;
import io.oneinfra.agent.cri.proto.RemoveContainerResponse;
import io.oneinfra.agent.cri.proto.RemovePodSandboxRequest;
import io.oneinfra.agent.cri.proto.RemovePodSandboxResponse;
import io.oneinfra.agent.cri.proto.RunPodSandboxRequest;
import io.oneinfra.agent.cri.proto.RunPodSandboxResponse;
import io.oneinfra.agent.cri.proto.StartContainerRequest;
import io.oneinfra.agent.cri.proto.StartContainerResponse;
import io.oneinfra.agent.cri.proto.StatusRequest;
import io.oneinfra.agent.cri.proto.StatusResponse;
import io.oneinfra.agent.cri.proto.StopContainerRequest;
import io.oneinfra.agent.cri.proto.StopContainerResponse;
import io.oneinfra.agent.cri.proto.StopPodSandboxRequest;
import io.oneinfra.agent.cri.proto.StopPodSandboxResponse;
import io.oneinfra.agent.cri.proto.VersionRequest;
import io.oneinfra.agent.cri.proto.VersionResponse;

/** A CRI wire version: the same messages, served under a different gRPC package. */
public enum CriApiVersion {
  V1("runtime.v1", "v1"),
  V1ALPHA2("runtime.v1alpha2", "v1alpha2");

  private final String protoPackage;
  private final String apiVersion;

  final MethodDescriptor<VersionRequest, VersionResponse> version;
  final MethodDescriptor<StatusRequest, StatusResponse> status;
  final MethodDescriptor<ImageStatusRequest, ImageStatusResponse> imageStatus;
  final MethodDescriptor<RunPodSandboxRequest, RunPodSandboxResponse> runPodSandbox;
  final MethodDescriptor<StopPodSandboxRequest, StopPodSandboxResponse> stopPodSandbox;
  final MethodDescriptor<RemovePodSandboxRequest, RemovePodSandboxResponse> removePodSandbox;
  final MethodDescriptor<ListPodSandboxRequest, ListPodSandboxResponse> listPodSandbox;
  final MethodDescriptor<CreateContainerRequest, CreateContainerResponse> createContainer;
  final MethodDescriptor<StartContainerRequest, StartContainerResponse> startContainer;
  final MethodDescriptor<StopContainerRequest, StopContainerResponse> stopContainer;
  final MethodDescriptor<RemoveContainerRequest, RemoveContainerResponse> removeContainer;
  final MethodDescriptor<ListContainersRequest, ListContainersResponse> listContainers;
  final MethodDescriptor<ContainerStatusRequest, ContainerStatusResponse> containerStatus;

  CriApiVersion(String protoPackage, String apiVersion) {
    this.protoPackage = protoPackage;
    this.apiVersion = apiVersion;
    String runtime = protoPackage + ".RuntimeService";
    String images = protoPackage + ".ImageService";
    version = unary(runtime, "Version",
        VersionRequest.getDefaultInstance(), VersionResponse.getDefaultInstance());
    status = unary(runtime, "Status",
        StatusRequest.getDefaultInstance(), StatusResponse.getDefaultInstance());
    imageStatus = unary(images, "ImageStatus",
        ImageStatusRequest.getDefaultInstance(), ImageStatusResponse.getDefaultInstance());
    runPodSandbox = unary(runtime, "RunPodSandbox",
        RunPodSandboxRequest.getDefaultInstance(), RunPodSandboxResponse.getDefaultInstance());
    stopPodSandbox = unary(runtime, "StopPodSandbox",
        StopPodSandboxRequest.getDefaultInstance(), StopPodSandboxResponse.getDefaultInstance());
    removePodSandbox = unary(runtime, "RemovePodSandbox",
        RemovePodSandboxRequest.getDefaultInstance(),
        RemovePodSandboxResponse.getDefaultInstance());
    listPodSandbox = unary(runtime, "ListPodSandbox",
        ListPodSandboxRequest.getDefaultInstance(), ListPodSandboxResponse.getDefaultInstance());
    createContainer = unary(runtime, "CreateContainer",
        CreateContainerRequest.getDefaultInstance(), CreateContainerResponse.getDefaultInstance());
    startContainer = unary(runtime, "StartContainer",
        StartContainerRequest.getDefaultInstance(), StartContainerResponse.getDefaultInstance());
    stopContainer = unary(runtime, "StopContainer",
        StopContainerRequest.getDefaultInstance(), StopContainerResponse.getDefaultInstance());
    removeContainer = unary(runtime, "RemoveContainer",
        RemoveContainerRequest.getDefaultInstance(), RemoveContainerResponse.getDefaultInstance());
    listContainers = unary(runtime, "ListContainers",
        ListContainersRequest.getDefaultInstance(), ListContainersResponse.getDefaultInstance());
    containerStatus = unary(runtime, "ContainerStatus",
        ContainerStatusRequest.getDefaultInstance(), ContainerStatusResponse.getDefaultInstance());
  }

  /** The protobuf package of the services, e.g. {@code runtime.v1}. */
  public String protoPackage() {
    return protoPackage;
  }

  /** The short API version sent in {@code VersionRequest.version}, e.g. {@code v1}. */
  public String apiVersion() {
    return apiVersion;
  }

  /** Fully qualified name of the runtime service, e.g. {@code runtime.v1.RuntimeService}. */
  public String runtimeService() {
    return protoPackage + ".RuntimeService";
  }

  /** Fully qualified name of the image service, e.g. {@code runtime.v1.ImageService}. */
  public String imageService() {
    return protoPackage + ".ImageService";
  }

  private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> unary(
      String service, String method, Q request, R response) {
    return MethodDescriptor.<Q, R>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(service, method))
        .setRequestMarshaller(ProtoUtils.marshaller(request))
        .setResponseMarshaller(ProtoUtils.marshaller(response))
        .build();
  }
}
