package io.oneinfra.tests.support;

import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.proxy.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** What oneinfra's controller knows of a hypervisor: its manifest, and nothing else. */
public final class ControllerView {
  private ControllerView() {}

  /** The server certificate a new connection to the manifest's endpoint is given, verified as the controller would. */
  public static X509Certificate servedCertificate(HypervisorManifest manifest) throws Exception {
    String uri = manifest.spec().remoteCriEndpoint().criEndpointUri();
    int colon = uri.lastIndexOf(':');
    try (SSLSocket socket = TlsClient.connect(jdkContext(manifest), new InetSocketAddress(
        uri.substring(0, colon).replace("[", "").replace("]", ""), Integer.parseInt(uri.substring(colon + 1))))) {
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  /** A JDK TLS context with the manifest's credentials: trusts only caCertificate, presents clientCertificate. */
  public static SSLContext jdkContext(HypervisorManifest manifest) throws Exception {
    HypervisorManifest.RemoteCriEndpoint endpoint = manifest.spec().remoteCriEndpoint();
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", Pem.parseCertificates("caCertificate", endpoint.caCertificate()).get(0));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("client", Pem.parsePrivateKey("clientCertificate.privateKey",
        endpoint.clientCertificate().privateKey()), new char[0], Pem.parseCertificates(
        "clientCertificate.certificate", endpoint.clientCertificate().certificate()).toArray(new Certificate[0]));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, new char[0]);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }

  /**
   * Dials the manifest's endpoint as another client, {@code identity}, trusting only the manifest's CA, with room for
   * answers up to {@code maxInboundMessageSize} (gRPC's own default is 4 MiB).
   */
  public static ManagedChannel dialAs(HypervisorManifest manifest, Issued identity, int maxInboundMessageSize)
      throws IOException {
    HypervisorManifest.RemoteCriEndpoint endpoint = manifest.spec().remoteCriEndpoint();
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
