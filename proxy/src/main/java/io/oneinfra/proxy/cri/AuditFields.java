package io.oneinfra.proxy.cri;

import java.util.Map;

/**
 * Which fields of a CRI call's first request (and response) message are worth an audit record: the pod sandbox and
 * container ids, the image, the pod's name, uid and namespace. Nothing else is ever read, so secrets such as
 * {@code PullImage}'s {@code auth} and {@code CreateContainer}'s environment never reach a record.
 */
final class AuditFields {
  private AuditFields() {}

  /** Bytes of a request message kept for reading these fields; the fields come first on the wire, by number. */
  static final int REQUEST_CAPTURE = 16 * 1024;
  /** Bytes of a response message kept: only ids live there. */
  static final int RESPONSE_CAPTURE = 1024;

  private static final ProtoFields POD_SANDBOX_ID = new ProtoFields().leaf(1, "pod_sandbox_id");
  private static final ProtoFields CONTAINER_ID = new ProtoFields().leaf(1, "container_id");
  private static final ProtoFields IMAGE = new ProtoFields().nested(1, new ProtoFields().leaf(1, "image"));
  // PodSandboxConfig.metadata: name, uid, namespace
  private static final ProtoFields SANDBOX_CONFIG = new ProtoFields().nested(1,
      new ProtoFields().leaf(1, "pod_name").leaf(2, "pod_uid").leaf(3, "pod_namespace"));

  private static final Map<String, ProtoFields> REQUESTS = Map.ofEntries(
      Map.entry("RunPodSandbox", new ProtoFields().nested(1, SANDBOX_CONFIG).leaf(2, "runtime_handler")),
      Map.entry("StopPodSandbox", POD_SANDBOX_ID),
      Map.entry("RemovePodSandbox", POD_SANDBOX_ID),
      Map.entry("PodSandboxStatus", POD_SANDBOX_ID),
      Map.entry("PodSandboxStats", POD_SANDBOX_ID),
      Map.entry("PortForward", POD_SANDBOX_ID),
      Map.entry("UpdatePodSandboxResources", POD_SANDBOX_ID),
      // CreateContainerRequest: pod_sandbox_id, config{metadata{name}, image{image}}, sandbox_config
      Map.entry("CreateContainer", new ProtoFields().leaf(1, "pod_sandbox_id")
          .nested(2, new ProtoFields().nested(1, new ProtoFields().leaf(1, "container_name"))
              .nested(2, new ProtoFields().leaf(1, "image")))
          .nested(3, SANDBOX_CONFIG)),
      Map.entry("StartContainer", CONTAINER_ID),
      Map.entry("StopContainer", CONTAINER_ID),
      Map.entry("RemoveContainer", CONTAINER_ID),
      Map.entry("ContainerStatus", CONTAINER_ID),
      Map.entry("ContainerStats", CONTAINER_ID),
      Map.entry("UpdateContainerResources", CONTAINER_ID),
      Map.entry("ReopenContainerLog", CONTAINER_ID),
      Map.entry("ExecSync", CONTAINER_ID),
      Map.entry("Exec", CONTAINER_ID),
      Map.entry("Attach", CONTAINER_ID),
      Map.entry("CheckpointContainer", CONTAINER_ID),
      // ListContainersRequest.filter: id, pod_sandbox_id; ListPodSandboxRequest.filter: id
      Map.entry("ListContainers", new ProtoFields().nested(1,
          new ProtoFields().leaf(1, "container_id").leaf(3, "pod_sandbox_id"))),
      Map.entry("ListPodSandbox", new ProtoFields().nested(1, new ProtoFields().leaf(1, "pod_sandbox_id"))),
      // PullImageRequest: image (1) and sandbox_config (3); auth (2) is never read
      Map.entry("PullImage", new ProtoFields().nested(1, new ProtoFields().leaf(1, "image"))
          .nested(3, SANDBOX_CONFIG)),
      Map.entry("ImageStatus", IMAGE),
      Map.entry("RemoveImage", IMAGE));

  private static final Map<String, ProtoFields> RESPONSES = Map.of(
      "RunPodSandbox", POD_SANDBOX_ID,
      "CreateContainer", CONTAINER_ID,
      "PullImage", new ProtoFields().leaf(1, "image_ref"));

  /** The request fields of CRI method {@code name}, or null when it has none worth reading. */
  static ProtoFields request(String name) {
    return REQUESTS.get(name);
  }

  /** The response fields of CRI method {@code name}, or null. */
  static ProtoFields response(String name) {
    return RESPONSES.get(name);
  }
}
