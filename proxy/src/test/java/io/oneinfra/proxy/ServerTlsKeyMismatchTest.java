package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import javax.net.ssl.SSLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A key that does not match its certificate is refused, and the old material stays in use. */
class ServerTlsKeyMismatchTest {

  private static TlsMaterial mismatched() {
    TlsMaterial a = TestCerts.material("a");
    TlsMaterial b = TestCerts.material("b");
    return new TlsMaterial(a.certificateChain(), b.privateKey(), a.clientCas());
  }

  @ParameterizedTest
  @EnumSource(value = ProxySettings.TlsProvider.class, names = {"JDK", "OPENSSL"})
  void updateWithMismatchedKeyFailsAndKeepsOldMaterial(ProxySettings.TlsProvider provider) throws Exception {
    TlsMaterial old = TestCerts.material("old");
    ServerTls tls = new ServerTls(provider, old);
    TlsMaterial bad = mismatched();

    assertThatThrownBy(() -> tls.update(bad)).isInstanceOf(SSLException.class);
    assertThat(tls.material()).isSameAs(old);
  }

  @ParameterizedTest
  @EnumSource(value = ProxySettings.TlsProvider.class, names = {"JDK", "OPENSSL"})
  void constructorRejectsMismatchedKey(ProxySettings.TlsProvider provider) {
    TlsMaterial bad = mismatched();

    assertThatThrownBy(() -> new ServerTls(provider, bad)).isInstanceOf(SSLException.class);
  }
}
