package io.oneinfra.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;

/**
 * The server side of the TLS door: client certificates required, TLS 1.2/1.3 only, ALPN {@code h2} offered.
 *
 * <p>The context is swappable at run time; a new one is built in full before it replaces the old, so a bad update
 * leaves the proxy serving with what it had. Open connections keep the session they negotiated.
 */
public final class ServerTls {
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  // NO_ADVERTISE + ACCEPT: clients that offer no ALPN, or only other protocols, are still served.
  private static final ApplicationProtocolConfig ALPN = new ApplicationProtocolConfig(
      ApplicationProtocolConfig.Protocol.ALPN,
      ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
      ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
      ApplicationProtocolNames.HTTP_2);

  private final SslProvider provider;
  private final AtomicReference<Current> current = new AtomicReference<>();

  private record Current(TlsMaterial material, SslContext context) {}

  /** Builds the first context; fails (and nothing starts) when the material is unusable. */
  public ServerTls(ProxySettings.TlsProvider preference, TlsMaterial material) throws SSLException {
    this.provider = resolve(preference);
    current.set(new Current(material, build(material)));
  }

  /** Swaps in new material; on failure the old context stays in use and the exception says why. */
  public void update(TlsMaterial material) throws SSLException {
    current.set(new Current(material, build(material)));
  }

  /** The material now in use. */
  public TlsMaterial material() {
    return current.get().material();
  }

  /** Which TLS implementation serves handshakes. */
  public SslProvider provider() {
    return provider;
  }

  SslHandler newHandler(ByteBufAllocator alloc, long handshakeTimeoutMillis) {
    SslHandler handler = current.get().context().newHandler(alloc);
    handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
    return handler;
  }

  private SslContext build(TlsMaterial material) throws SSLException {
    if (!KeyMatch.matches(material.serverCertificate(), material.privateKey())) {
      throw new SSLException("tls: the private key does not belong to the server certificate "
          + material.serverCertificate().getSubjectX500Principal().getName());
    }
    try {
      return SslContextBuilder
          .forServer(material.privateKey(), material.certificateChain().toArray(X509Certificate[]::new))
          .sslProvider(provider)
          // Netty puts the key in an in-memory key store to hand it over; JKS protects it with a cheap scheme where
          // the default PKCS#12 runs PBKDF2 (about 70 ms of start-up, interpreted). The store never leaves memory.
          .keyStoreType("JKS")
          .protocols(PROTOCOLS)
          .clientAuth(ClientAuth.REQUIRE)
          .trustManager(new PolicyTrustManager(material.clientCas(), material.accessPolicy()))
          .applicationProtocolConfig(ALPN)
          .build();
    } catch (SSLException | GeneralSecurityException | RuntimeException e) {
      throw new SSLException("tls: cannot build the server TLS context from " + material + ": " + e.getMessage(), e);
    }
  }

  private static SslProvider resolve(ProxySettings.TlsProvider preference) {
    return switch (preference) {
      case JDK -> SslProvider.JDK;
      case OPENSSL -> {
        if (!OpenSsl.isAvailable()) {
          throw new IllegalStateException("proxy.tlsProvider: openssl (BoringSSL) is unavailable: "
              + OpenSsl.unavailabilityCause());
        }
        yield SslProvider.OPENSSL;
      }
      case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    };
  }
}
