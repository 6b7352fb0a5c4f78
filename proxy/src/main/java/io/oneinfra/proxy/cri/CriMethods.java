package io.oneinfra.proxy.cri;

import java.util.Locale;
import java.util.Set;

/** The CRI's method names (RuntimeService and ImageService, cri-api up to 1.33) and the profiles built from them. */
public final class CriMethods {
  private CriMethods() {}

  /** Every RuntimeService and ImageService method the agent knows by name. */
  public static final Set<String> KNOWN = Set.of(
      "Version", "RunPodSandbox", "StopPodSandbox", "RemovePodSandbox", "PodSandboxStatus", "ListPodSandbox",
      "CreateContainer", "StartContainer", "StopContainer", "RemoveContainer", "ListContainers", "ContainerStatus",
      "UpdateContainerResources", "ReopenContainerLog", "ExecSync", "Exec", "Attach", "PortForward",
      "ContainerStats", "ListContainerStats", "PodSandboxStats", "ListPodSandboxStats", "UpdateRuntimeConfig",
      "Status", "CheckpointContainer", "GetContainerEvents", "ListMetricDescriptors", "ListPodSandboxMetrics",
      "RuntimeConfig", "UpdatePodSandboxResources",
      "ListImages", "ImageStatus", "PullImage", "RemoveImage", "ImageFsInfo");

  /**
   * Methods no profile grants: each runs code in, reaches into, or reconfigures what is on the host. Only an
   * {@code allow} rule that names one lets a client call it.
   */
  public static final Set<String> DANGEROUS = Set.of(
      "Exec", "ExecSync", "Attach", "PortForward", "UpdateRuntimeConfig", "ReopenContainerLog",
      "UpdateContainerResources", "CheckpointContainer", "RemoveImage");

  /** What oneinfra's controller calls, plus the read-only calls an operator's tools use beside it. */
  public static final Set<String> CONTROLLER = Set.of(
      "Version", "RunPodSandbox", "StopPodSandbox", "RemovePodSandbox", "ListPodSandbox", "CreateContainer",
      "StartContainer", "RemoveContainer", "ListContainers", "ContainerStatus", "PullImage", "ImageStatus",
      "ImageFsInfo", "ListImages", "PodSandboxStatus", "Status", "StopContainer");

  /** Calls that change nothing on the host. */
  public static final Set<String> READ_ONLY = Set.of(
      "Version", "Status", "RuntimeConfig", "ListPodSandbox", "PodSandboxStatus", "ListContainers",
      "ContainerStatus", "ContainerStats", "ListContainerStats", "PodSandboxStats", "ListPodSandboxStats",
      "GetContainerEvents", "ListMetricDescriptors", "ListPodSandboxMetrics", "ListImages", "ImageStatus",
      "ImageFsInfo");

  /** A named set of methods granted to every authenticated client. */
  public enum Profile {
    /** {@link #CONTROLLER}: what oneinfra's controller needs (the default). */
    CONTROLLER,
    /** {@link #READ_ONLY}. */
    READ_ONLY,
    /** Every CRI method but the {@link #DANGEROUS} ones, including methods newer than this list. */
    ALL,
    /** Nothing: every method must be allowed by a rule. */
    NONE;

    /** Whether this profile grants the CRI method {@code name}. */
    public boolean grants(String name) {
      return switch (this) {
        case CONTROLLER -> CriMethods.CONTROLLER.contains(name);
        case READ_ONLY -> CriMethods.READ_ONLY.contains(name);
        case ALL -> !CriMethods.DANGEROUS.contains(name);
        case NONE -> false;
      };
    }

    /** The name written in the config, e.g. {@code read-only}. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }
}
