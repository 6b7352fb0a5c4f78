package io.oneinfra.tests.support;

import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.cri.proto.ContainerConfig;
import io.oneinfra.agent.cri.proto.ContainerMetadata;
import io.oneinfra.agent.cri.proto.ImageSpec;
import io.oneinfra.agent.cri.proto.LinuxPodSandboxConfig;
import io.oneinfra.agent.cri.proto.LinuxSandboxSecurityContext;
import io.oneinfra.agent.cri.proto.NamespaceMode;
import io.oneinfra.agent.cri.proto.NamespaceOption;
import io.oneinfra.agent.cri.proto.PodSandboxConfig;
import io.oneinfra.agent.cri.proto.PodSandboxMetadata;
import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.GeneratedPki;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.proxy.Pem;
import io.oneinfra.tests.testbed.Containerd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.UUID;
import java.util.stream.Stream;

/** A pod to exec into, made straight on containerd's socket, and other client identities for an agent. */
public final class Pods {
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  private Pods() {}

  /**
   * A client certificate from an agent's own client CA ({@code tls.mode: generate}, PKI in {@code stateDir/pki}),
   * named {@code commonName}: another identity than the controller's, for method rules bound to clients.
   */
  public static Issued clientOf(Path stateDir, String commonName) throws IOException {
    GeneratedPki pki = new GeneratedPki(stateDir.resolve("pki"));
    X509Certificate caCertificate = Pem.readCertificates(pki.clientCaCertificate()).get(0);
    Issued ca = new Issued(caCertificate, new KeyPair(caCertificate.getPublicKey(),
        Pem.readPrivateKey(pki.clientCaKey())));
    return CertificateIssuer.certificate(commonName).clientAuth().signedBy(ca).issue();
  }

  /**
   * A host-network pod with a sleeping busybox container.
   *
   * @param podId the sandbox id
   * @param containerId the sleeper's id
   * @param config the sandbox config
   */
  public record Pod(String podId, String containerId, PodSandboxConfig config) {}

  /**
   * A test pod named {@code name} on the host network (so no hostname of its own: it shares the host's UTS namespace
   * too, as kubelet does for such pods), logging under {@code containerd}'s directory.
   */
  public static PodSandboxConfig hostNetworkPod(Containerd containerd, String name) {
    return PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setUid(UUID.randomUUID().toString())
            .setNamespace("oneinfra-test"))
        .setLogDirectory(containerd.dir().resolve("pod-logs").resolve(name).toString())
        .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
            .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))
        .build();
  }

  /** Runs a pod with a sleeping container on {@code containerd}'s own socket (not through an agent). */
  public static Pod runSleeper(Containerd containerd, String prefix) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    try (CriChannel direct = CriChannel.unix(containerd.socket())) {
      CriClient cri = new CriClient(direct.channel(), CriApiVersion.V1, DEADLINE);
      PodSandboxConfig pod = hostNetworkPod(containerd, name);
      String podId = cri.runPodSandbox(pod);
      String containerId = cri.createContainer(podId, ContainerConfig.newBuilder()
          .setMetadata(ContainerMetadata.newBuilder().setName("sleeper"))
          .setImage(ImageSpec.newBuilder().setImage(containerd.containerImage()))
          .addCommand("/bin/sleep").addArgs("3600").setLogPath("sleeper.log").build(), pod);
      cri.startContainer(containerId);
      return new Pod(podId, containerId, pod);
    }
  }

  /** Stops and removes {@code pod} on containerd's own socket. */
  public static void remove(Containerd containerd, Pod pod) {
    try (CriChannel direct = CriChannel.unix(containerd.socket())) {
      CriClient cri = new CriClient(direct.channel(), CriApiVersion.V1, DEADLINE);
      cri.stopPodSandbox(pod.podId());
      cri.removePodSandbox(pod.podId());
    }
  }

  /** Whether a host process has exactly {@code words} as its command line (an exec'd process shows here). */
  public static boolean running(String... words) {
    String wanted = String.join("\0", words) + "\0";
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      return all.anyMatch(p -> {
        try {
          return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"), StandardCharsets.ISO_8859_1)
              .equals(wanted);
        } catch (IOException | RuntimeException e) {
          return false;
        }
      });
    }
  }
}
