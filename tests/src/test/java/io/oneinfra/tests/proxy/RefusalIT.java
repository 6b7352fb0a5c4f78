package io.oneinfra.tests.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.agent.pki.Issued;
import io.oneinfra.proxy.AccessPolicy;
import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.tests.support.Elapsed;
import io.oneinfra.tests.support.Door;
import io.oneinfra.tests.support.ProxyUnderTest;
import io.oneinfra.tests.support.TestPki;
import io.oneinfra.tests.support.TlsClient;
import io.oneinfra.tests.support.UnixEchoBackend;
import io.oneinfra.tests.testbed.Poll;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Clients without a valid certificate are refused at the door: the backend never even sees a connection. */
class RefusalIT {
  private final TestPki pki = new TestPki();
  private UnixEchoBackend backend;

  @TempDir
  Path dir;

  @BeforeEach
  void startBackend() {
    backend = UnixEchoBackend.start(dir.resolve("cri.sock"));
  }

  @AfterEach
  void stopBackend() throws IOException {
    backend.close();
  }

  @ParameterizedTest
  @EnumSource(ProxySettings.TlsProvider.class)
  void rejectsClientWithoutCertificateAndServesAGoodClientRightAfter(ProxySettings.TlsProvider provider) throws Exception {
    try (ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(), b -> b.tlsProvider(provider))) {
      assertRefused(proxy, pki.clientContext(null), "proxy.handshake.failures.no_client_certificate");
      assertGoodClientServed(proxy);
    }
  }

  @ParameterizedTest
  @EnumSource(ProxySettings.TlsProvider.class)
  void rejectsClientCertificateFromOtherCaAndServesAGoodClientRightAfter(ProxySettings.TlsProvider provider)
      throws Exception {
    try (ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(), b -> b.tlsProvider(provider))) {
      assertRefused(proxy, pki.clientContext(pki.otherClient), "proxy.handshake.failures.untrusted_certificate");
      assertGoodClientServed(proxy);
    }
  }

  @Test
  void closesAConnectionThatNeverFinishesItsHandshakeAtTheHandshakeTimeout() throws Exception {
    try (ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path(),
            b -> b.handshakeTimeout(Duration.ofMillis(300)));
        Socket silent = new Socket()) {
      silent.connect(proxy.address(), 5000);
      silent.setSoTimeout(10_000);
      Elapsed elapsed = Elapsed.start();
      assertThat(silent.getInputStream().read()).as("read on a connection that said nothing").isEqualTo(-1);
      elapsed.assertBetween(Duration.ofMillis(200),
          Duration.ofSeconds(5));
      Poll.until(Duration.ofSeconds(5), "timeout counted",
          () -> proxy.count("proxy.handshake.failures.timeout") == 1);
      assertThat(backend.accepted()).isZero();
      assertGoodClientServed(proxy);
    }
  }

  @Test
  void rejectsARevokedClientCertificateAndServesAGoodClientRightAfter() throws Exception {
    Issued revoked = pki.clientNamed("oneinfra-client");
    AccessPolicy policy = new AccessPolicy(Set.of(), Set.of(), Set.of(), Set.of(), Set.of(),
        List.of(pki.crlRevoking(revoked)));
    try (ProxyUnderTest proxy = ProxyUnderTest.start(pki.material().withAccessPolicy(policy), backend.path(),
        b -> b)) {
      assertRefused(proxy, pki.clientContext(revoked), "proxy.handshake.failures.revoked_certificate");
      assertGoodClientServed(proxy);
    }
  }

  @Test
  void rejectsAClientTheAllowListDoesNotNameAndServesAGoodClientRightAfter() throws Exception {
    AccessPolicy onlyTheController = new AccessPolicy(Set.of("oneinfra-client"), Set.of(), Set.of(), Set.of(),
        Set.of(), List.of());
    try (ProxyUnderTest proxy = ProxyUnderTest.start(pki.material().withAccessPolicy(onlyTheController),
        backend.path(), b -> b)) {
      assertRefused(proxy, pki.clientContext(pki.clientNamed("intruder")),
          "proxy.handshake.failures.denied_by_policy");
      assertGoodClientServed(proxy);
    }
  }

  @Test
  void aPolicyUpdateAppliesToNewConnectionsWithoutARestart() throws Exception {
    Issued intruder = pki.clientNamed("intruder");
    try (ProxyUnderTest proxy = ProxyUnderTest.start(pki, backend.path())) {
      try (SSLSocket before = TlsClient.connect(pki.clientContext(intruder), proxy.address())) {
        assertThat(TlsClient.roundTrip(before, "admitted")).isEqualTo("admitted");
      }
      proxy.server.tls().update(pki.material().withAccessPolicy(new AccessPolicy(Set.of(), Set.of(), Set.of(),
          Set.of(), Set.of(AccessPolicy.spkiPin(pki.client.certificate())), List.of())));
      int seen = backend.accepted();
      assertRefused(proxy, pki.clientContext(intruder), "proxy.handshake.failures.denied_by_policy", seen);
      try (SSLSocket pinned = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
        assertThat(TlsClient.roundTrip(pinned, "pinned")).isEqualTo("pinned");
      }
    }
  }

  private void assertRefused(ProxyUnderTest proxy, SSLContext context, String failureMetric) {
    assertRefused(proxy, context, failureMetric, 0);
  }

  private void assertRefused(ProxyUnderTest proxy, SSLContext context, String failureMetric, int backendSawBefore) {
    Door.assertTlsClientRefused(proxy, context);
    Door.assertCounted(proxy, failureMetric.substring("proxy.handshake.failures.".length()), backend,
        backendSawBefore);
  }

  private void assertGoodClientServed(ProxyUnderTest proxy) throws IOException {
    try (SSLSocket socket = TlsClient.connect(pki.clientContext(pki.client), proxy.address())) {
      assertThat(TlsClient.roundTrip(socket, "hello")).isEqualTo("hello");
    }
    assertThat(backend.accepted()).isEqualTo(1);
  }
}
