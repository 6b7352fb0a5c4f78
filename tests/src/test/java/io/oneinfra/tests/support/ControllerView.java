package io.oneinfra.tests.support;

import io.netty.channel.EventLoopGroup;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.proxy.Pem;
import java.io.IOException;
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
   * Dials {@code spec.remoteCRIEndpoint} the controller's way: TLS to criEndpointURI, trusting only caCertificate,
   * presenting clientCertificate, verifying the server name against the URI's host, ALPN h2.
   */
  public static CriChannel dial(HypervisorManifest manifest, EventLoopGroup group) throws IOException {
    HypervisorManifest.RemoteCriEndpoint endpoint = manifest.spec().remoteCriEndpoint();
    return CriChannel.remote(endpoint.criEndpointUri(), endpoint.caCertificate(),
        endpoint.clientCertificate().certificate(), endpoint.clientCertificate().privateKey(), group);
  }
}
