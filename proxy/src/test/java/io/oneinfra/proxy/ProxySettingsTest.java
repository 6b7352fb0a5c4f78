package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.oneinfra.proxy.cri.CriSettings;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProxySettingsTest {
  private static final Address.Tcp LISTEN = new Address.Tcp("127.0.0.1", 0);
  private static final Address BACKEND = new Address.Unix(Path.of("/run/backend.sock"));

  private static ProxySettings.Builder builder() {
    return ProxySettings.builder(LISTEN, BACKEND);
  }

  @Test
  void builderAppliesDefaults() {
    ProxySettings s = builder().build();

    assertThat(s.listen()).isEqualTo(LISTEN);
    assertThat(s.backend()).isEqualTo(BACKEND);
    assertThat(s.maxConnections()).isEqualTo(4096);
    assertThat(s.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.idleTimeout()).isZero();
    assertThat(s.maxLifetime()).isZero();
    assertThat(s.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.drainIdleGrace()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.transport()).isEqualTo(Transport.Preference.AUTO);
    assertThat(s.ioThreads()).isZero();
    assertThat(s.tlsProvider()).isEqualTo(ProxySettings.TlsProvider.AUTO);
    assertThat(s.preAuth()).isEqualTo(new PreAuthLimits(256, 32, Duration.ofSeconds(2)));
  }

  @Test
  void builderSettersOverrideDefaults() {
    ProxySettings s = builder().maxConnections(7).handshakeTimeout(Duration.ofMillis(1500))
        .connectTimeout(Duration.ofSeconds(2)).idleTimeout(Duration.ofMinutes(3)).maxLifetime(Duration.ofHours(4))
        .drainTimeout(Duration.ZERO).drainIdleGrace(Duration.ofMillis(250)).transport(Transport.Preference.NIO)
        .ioThreads(2).tlsProvider(ProxySettings.TlsProvider.JDK).preAuth(new PreAuthLimits(9, 3, Duration.ofMillis(700)))
        .build();

    assertThat(s).isEqualTo(new ProxySettings(LISTEN, BACKEND, 7, Duration.ofMillis(1500), Duration.ofSeconds(2),
        Duration.ofMinutes(3), Duration.ofHours(4), Duration.ZERO, Duration.ofMillis(250), Transport.Preference.NIO, 2,
        ProxySettings.TlsProvider.JDK, new PreAuthLimits(9, 3, Duration.ofMillis(700)), ProxySettings.Mode.L4,
        CriSettings.DEFAULTS));
  }

  @Test
  void zeroIoThreadsMeansOnePerCore() {
    assertThat(builder().ioThreads(0).build().effectiveIoThreads())
        .isEqualTo(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void explicitIoThreadsAreUsed() {
    assertThat(builder().ioThreads(3).build().effectiveIoThreads()).isEqualTo(3);
  }

  @Test
  void rejectsZeroMaxConnections() {
    assertThatIllegalArgumentException().isThrownBy(() -> builder().maxConnections(0).build())
        .withMessage("proxy.maxConnections: 0 must be at least 1");
  }

  @Test
  void acceptsOneMaxConnection() {
    assertThat(builder().maxConnections(1).build().maxConnections()).isEqualTo(1);
  }

  @Test
  void rejectsNegativeIoThreads() {
    assertThatIllegalArgumentException().isThrownBy(() -> builder().ioThreads(-1).build())
        .withMessageStartingWith("proxy.ioThreads: -1 ");
  }

  @Test
  void rejectsZeroHandshakeTimeout() {
    assertThatIllegalArgumentException().isThrownBy(() -> builder().handshakeTimeout(Duration.ZERO).build())
        .withMessageStartingWith("proxy.handshakeTimeout: ")
        .withMessageContaining("must be more than zero");
  }

  @Test
  void rejectsNegativeHandshakeTimeout() {
    assertThatIllegalArgumentException().isThrownBy(() -> builder().handshakeTimeout(Duration.ofSeconds(-1)).build())
        .withMessageStartingWith("proxy.handshakeTimeout: ");
  }

  @Test
  void rejectsZeroConnectTimeout() {
    assertThatIllegalArgumentException().isThrownBy(() -> builder().connectTimeout(Duration.ZERO).build())
        .withMessageStartingWith("proxy.connectTimeout: ");
  }

  @Test
  void rejectsNegativeIdleTimeout() {
    assertThatIllegalArgumentException().isThrownBy(() -> builder().idleTimeout(Duration.ofMillis(-1)).build())
        .withMessageStartingWith("proxy.idleTimeout: ")
        .withMessageContaining("must not be negative");
  }

  @Test
  void rejectsNegativeMaxLifetime() {
    assertThatIllegalArgumentException().isThrownBy(() -> builder().maxLifetime(Duration.ofMillis(-1)).build())
        .withMessageStartingWith("proxy.maxLifetime: ");
  }

  @Test
  void rejectsNegativeDrainTimeout() {
    assertThatIllegalArgumentException().isThrownBy(() -> builder().drainTimeout(Duration.ofMillis(-1)).build())
        .withMessageStartingWith("proxy.drainTimeout: ");
  }

  @Test
  void rejectsNegativeDrainIdleGrace() {
    assertThatIllegalArgumentException().isThrownBy(() -> builder().drainIdleGrace(Duration.ofMillis(-1)).build())
        .withMessageStartingWith("proxy.drainIdleGrace: ").withMessageContaining("must not be negative");
  }

  @Test
  void acceptsZeroForTimeoutsThatZeroDisables() {
    ProxySettings s = builder().idleTimeout(Duration.ZERO).maxLifetime(Duration.ZERO).drainTimeout(Duration.ZERO)
        .drainIdleGrace(Duration.ZERO).build();

    assertThat(s.idleTimeout()).isZero();
    assertThat(s.maxLifetime()).isZero();
    assertThat(s.drainTimeout()).isZero();
    assertThat(s.drainIdleGrace()).isZero();
  }

  @Test
  void rejectsNullDurationNamingField() {
    assertThatNullPointerException().isThrownBy(() -> builder().handshakeTimeout(null).build())
        .withMessage("proxy.handshakeTimeout");
  }

  @Test
  void rejectsNullListenNamingField() {
    assertThatNullPointerException().isThrownBy(() -> ProxySettings.builder(null, BACKEND).build())
        .withMessage("proxy.listen");
  }

  @Test
  void rejectsNullBackendNamingField() {
    assertThatNullPointerException().isThrownBy(() -> ProxySettings.builder(LISTEN, null).build())
        .withMessage("proxy.backend");
  }

  @Test
  void rejectsNullTransportNamingField() {
    assertThatNullPointerException().isThrownBy(() -> builder().transport(null).build())
        .withMessage("proxy.transport");
  }
}
