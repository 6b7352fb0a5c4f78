package io.oneinfra.tests.gateway;

import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import io.oneinfra.agent.Agent;
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
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.GeneratedPki;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.proxy.Pem;
import io.oneinfra.tests.testbed.Containerd;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.UUID;

/** What the gateway tests share: dialing an agent as the controller or as another client, and a running pod. */
final class GatewayBed {
  static final Duration DEADLINE = Duration.ofSeconds(30);
  /** A client the agents' test config grants ExecSync and GetContainerEvents (see {@link #TESTER_RULES}). */
  static final String TESTER = "gateway-tester";
  static final String TESTER_RULES = """
      cri:
        authorization:
          allow:
            - methods: [ExecSync, GetContainerEvents]
              clients:
                commonNames: [gateway-tester]
      """;

  private GatewayBed() {}

  static HypervisorManifest manifest(Agent agent) throws IOException {
    return ManifestCodec.parse(Files.readString(agent.manifestFile()));
  }

  /** A client certificate from the agent's own client CA (generate mode), named {@code commonName}. */
  static Issued clientOf(Agent agent, Path stateDir, String commonName) throws IOException {
    GeneratedPki pki = new GeneratedPki(stateDir.resolve("pki"));
    X509Certificate caCertificate = Pem.readCertificates(pki.clientCaCertificate()).get(0);
    Issued ca = new Issued(caCertificate, new KeyPair(caCertificate.getPublicKey(),
        Pem.readPrivateKey(pki.clientCaKey())));
    return CertificateIssuer.certificate(commonName).clientAuth().signedBy(ca).issue();
  }

  /** A channel to the agent as {@code identity}, trusting only the manifest's CA, with room for large answers. */
  static ManagedChannel dial(Agent agent, Issued identity, int maxInboundMessageSize) throws IOException {
    HypervisorManifest.RemoteCriEndpoint endpoint = manifest(agent).spec().remoteCriEndpoint();
    SslContext tls = GrpcSslContexts.forClient()
        .trustManager(new ByteArrayInputStream(endpoint.caCertificate().getBytes(StandardCharsets.US_ASCII)))
        .keyManager(new ByteArrayInputStream(identity.certificatePem().getBytes(StandardCharsets.US_ASCII)),
            new ByteArrayInputStream(identity.privateKeyPem().getBytes(StandardCharsets.US_ASCII)))
        .build();
    return NettyChannelBuilder.forTarget(endpoint.criEndpointUri())
        .negotiationType(NegotiationType.TLS)
        .sslContext(tls)
        .maxInboundMessageSize(maxInboundMessageSize)
        .build();
  }

  /** A host-network pod with a sleeping busybox container, made directly on containerd's socket. */
  record Pod(String podId, String containerId, PodSandboxConfig config) {}

  static Pod runSleeper(Containerd containerd, String name) {
    try (CriChannel direct = CriChannel.unix(containerd.socket())) {
      CriClient cri = new CriClient(direct.channel(), CriApiVersion.V1, DEADLINE);
      PodSandboxConfig pod = PodSandboxConfig.newBuilder()
          .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setUid(UUID.randomUUID().toString())
              .setNamespace("gateway-test"))
          .setLogDirectory(containerd.dir().resolve("pod-logs").resolve(name).toString())
          .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
              .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))
          .build();
      String podId = cri.runPodSandbox(pod);
      String containerId = cri.createContainer(podId, ContainerConfig.newBuilder()
          .setMetadata(ContainerMetadata.newBuilder().setName("sleeper"))
          .setImage(ImageSpec.newBuilder().setImage(containerd.containerImage()))
          .addCommand("/bin/sleep").addArgs("3600").setLogPath("sleeper.log").build(), pod);
      cri.startContainer(containerId);
      return new Pod(podId, containerId, pod);
    }
  }

  static void remove(Containerd containerd, Pod pod) {
    try (CriChannel direct = CriChannel.unix(containerd.socket())) {
      CriClient cri = new CriClient(direct.channel(), CriApiVersion.V1, DEADLINE);
      cri.stopPodSandbox(pod.podId());
      cri.removePodSandbox(pod.podId());
    }
  }
}
