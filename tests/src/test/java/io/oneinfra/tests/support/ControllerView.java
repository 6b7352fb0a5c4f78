package io.oneinfra.tests.support;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.manifest.HypervisorManifest;
import java.io.IOException;

/** What oneinfra's controller knows of a hypervisor: its manifest, and nothing else. */
public final class ControllerView {
  private ControllerView() {}

  /**
   * Dials {@code spec.remoteCRIEndpoint} the controller's way: TLS to criEndpointURI, trusting only caCertificate,
   * presenting clientCertificate, verifying the server name against the URI's host, ALPN h2.
   */
  public static CriChannel dial(HypervisorManifest manifest, EventLoopGroup group) throws IOException {
    HypervisorManifest.RemoteCriEndpoint endpoint = manifest.spec().remoteCriEndpoint();
    return CriChannel.remote(endpoint.criEndpointUri(), endpoint.caCertificate(),
        endpoint.clientCertificate().certificate(), endpoint.clientCertificate().privateKey(), group);
  }
}
