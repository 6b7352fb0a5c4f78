package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.security.PrivateKey;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ServerTlsTest {

  /** The certificate of one key pair with the private key of another. */
  private static TlsMaterial mismatched() {
    TlsMaterial a = TestCerts.material("a");
    TlsMaterial b = TestCerts.material("b");
    return new TlsMaterial(a.certificateChain(), b.privateKey(), a.clientCas());
  }

  @Test
  void jdkPreferenceUsesJdkProvider() throws Exception {
    assertThat(new ServerTls(ProxySettings.TlsProvider.JDK, TestCerts.material("s")).provider())
        .isEqualTo(SslProvider.JDK);
  }

  @Test
  void opensslPreferenceUsesOpenSsl() throws Exception {
    assertThat(new ServerTls(ProxySettings.TlsProvider.OPENSSL, TestCerts.material("s")).provider())
        .isEqualTo(SslProvider.OPENSSL);
  }

  @Test
  void autoPrefersOpenSslExactlyWhenAvailable() throws Exception {
    assertThat(new ServerTls(ProxySettings.TlsProvider.AUTO, TestCerts.material("s")).provider())
        .isEqualTo(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
  }

  @ParameterizedTest
  @EnumSource(value = ProxySettings.TlsProvider.class, names = {"JDK", "OPENSSL"})
  void updateSwapsInNewMaterial(ProxySettings.TlsProvider provider) throws Exception {
    ServerTls tls = new ServerTls(provider, TestCerts.material("old"));
    TlsMaterial fresh = TestCerts.material("new");

    tls.update(fresh);

    assertThat(tls.material()).isSameAs(fresh);
  }

  @ParameterizedTest
  @EnumSource(value = ProxySettings.TlsProvider.class, names = {"JDK", "OPENSSL"})
  void failedUpdateThrowsAndKeepsOldMaterial(ProxySettings.TlsProvider provider) throws Exception {
    TlsMaterial old = TestCerts.material("old");
    ServerTls tls = new ServerTls(provider, old);
    TlsMaterial a = TestCerts.material("a");
    TlsMaterial unusable = new TlsMaterial(a.certificateChain(), new CorruptKey(), a.clientCas());

    assertThatThrownBy(() -> tls.update(unusable)).isInstanceOf(SSLException.class)
        .hasMessageStartingWith("tls: the private key does not belong to the server certificate CN=a");
    assertThat(tls.material()).isSameAs(old);
  }

  @Test
  void constructorRejectsUnusableMaterial() {
    TlsMaterial a = TestCerts.material("a");
    TlsMaterial unusable = new TlsMaterial(a.certificateChain(), new CorruptKey(), a.clientCas());

    assertThatThrownBy(() -> new ServerTls(ProxySettings.TlsProvider.JDK, unusable))
        .isInstanceOf(SSLException.class).hasMessageStartingWith("tls: the private key does not belong");
  }

  /** A private key no TLS provider can use: its PKCS#8 encoding is three junk bytes. */
  private static final class CorruptKey implements PrivateKey {
    @Override
    public String getAlgorithm() {
      return "EC";
    }

    @Override
    public String getFormat() {
      return "PKCS#8";
    }

    @Override
    public byte[] getEncoded() {
      return new byte[] {1, 2, 3};
    }
  }

  @Test
  void handlerRequiresClientCertificatesAndModernProtocols() throws Exception {
    ServerTls tls = new ServerTls(ProxySettings.TlsProvider.JDK, TestCerts.material("s"));

    SslHandler handler = tls.newHandler(ByteBufAllocator.DEFAULT, 1234);
    SSLEngine engine = handler.engine();

    assertThat(handler.getHandshakeTimeoutMillis()).isEqualTo(1234);
    assertThat(engine.getUseClientMode()).isFalse();
    assertThat(engine.getNeedClientAuth()).isTrue();
    assertThat(List.of(engine.getEnabledProtocols())).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
  }
}
