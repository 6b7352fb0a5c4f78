package io.oneinfra.tests.gateway;

import io.grpc.ManagedChannel;
import io.oneinfra.agent.Agent;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.tests.support.ControllerView;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;

/** What the gateway tests share: dialing an agent as the controller or as another client. */
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

  /** A channel to the agent as {@code identity}, trusting only the manifest's CA, with room for large answers. */
  static ManagedChannel dial(Agent agent, Issued identity, int maxInboundMessageSize) throws IOException {
    return ControllerView.dialAs(manifest(agent), identity, maxInboundMessageSize);
  }
}
