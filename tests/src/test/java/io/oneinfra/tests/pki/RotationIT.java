package io.oneinfra.tests.pki;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.oneinfra.agent.Agent;
import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.TestAgents;
import io.oneinfra.tests.support.TestPki;
import io.oneinfra.tests.support.TestThreads;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The server certificate is replaced in the running proxy while the controller keeps calling: nothing fails. */
@ExtendWith(SharedContainerd.class)
class RotationIT {
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  @TempDir
  Path state;

  static Agent startAgent(Path state, Containerd containerd, String tls) throws Exception {
    return TestAgents.start(state, containerd, "rotation-test", tls);
  }


  @Test
  void rotatesTheServerCertificateUnderContinuousCallsWithZeroFailedCalls(Containerd containerd) throws Exception {
    try (Agent agent = startAgent(state, containerd, "")) {
      HypervisorManifest manifest = ManifestCodec.parse(Files.readString(agent.manifestFile()));
      X509Certificate before = ControllerView.servedCertificate(manifest);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger calls = new AtomicInteger();
      EventLoopGroup group = CriChannel.newGroup("rotation-load");
      TestThreads callers = new TestThreads();
      try {
        for (int i = 0; i < 5; i++) {
          boolean freshConnections = i < 2; // some callers dial anew each time, the rest keep their connection
          callers.start("caller-" + i, () -> call(manifest, group, freshConnections, stop, calls));
        }
        Poll.until(Duration.ofSeconds(30), "calls before rotation", () -> calls.get() >= 50 || callers.failed());
        assertThat(agent.rotateServerCertificate()).as("rotation succeeded").isTrue();
        int atRotation = calls.get();
        Poll.until(Duration.ofSeconds(30), "calls after rotation",
            () -> calls.get() >= atRotation + 150 || callers.failed());
        stop.set(true);
        callers.join(Duration.ofSeconds(30)); // every caller ended, and a failed call fails the test
      } finally {
        stop.set(true);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      }
      X509Certificate after = ControllerView.servedCertificate(manifest);
      assertThat(after.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
      assertThat(after).isEqualTo(agent.proxy().tls().material().serverCertificate());
      assertThat(ManifestCodec.parse(Files.readString(agent.manifestFile())).spec().remoteCriEndpoint()
          .caCertificate()).as("the controller's trust anchor is unchanged")
          .isEqualTo(manifest.spec().remoteCriEndpoint().caCertificate());
    }
  }

  /** Calls until told to stop; the first failed call ends it by throwing. */
  private static void call(HypervisorManifest manifest, EventLoopGroup group, boolean freshConnections,
      AtomicBoolean stop, AtomicInteger calls) throws Exception {
    CriChannel kept = null;
    try {
      while (!stop.get()) {
        CriChannel channel = freshConnections || kept == null ? ControllerView.dial(manifest, group) : kept;
        try {
          new CriClient(channel.channel(), CriApiVersion.V1ALPHA2, DEADLINE).version();
          calls.incrementAndGet();
        } finally {
          if (freshConnections) {
            channel.close();
          } else {
            kept = channel;
          }
        }
      }
    } finally {
      if (kept != null) {
        kept.close();
      }
    }
  }

  @Test
  void aBrokenFileOnReloadKeepsTheOldMaterialAndAFixedOneIsPickedUp(Containerd containerd) throws Exception {
    TestPki pki = new TestPki();
    Path files = Files.createDirectory(state.resolve("operator"));
    Path cert = files.resolve("server.crt");
    Path key = files.resolve("server.key");
    Files.writeString(cert, pki.server.certificatePem() + pki.serverCa.certificatePem());
    Files.writeString(key, pki.server.privateKeyPem());
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(files.resolve("client-ca.crt"), pki.clientCa.certificatePem());
    Files.writeString(files.resolve("client.crt"), pki.client.certificatePem());
    Files.writeString(files.resolve("client.key"), pki.client.privateKeyPem());
    Files.setPosixFilePermissions(files.resolve("client.key"), PosixFilePermissions.fromString("rw-------"));
    String tls = """
        tls:
          mode: files
          certificate: %1$s/server.crt
          privateKey: %1$s/server.key
          clientCA: %1$s/client-ca.crt
          clientCertificate: %1$s/client.crt
          clientPrivateKey: %1$s/client.key""".formatted(files);
    try (Agent agent = startAgent(state.resolve("state"), containerd, tls)) {
      HypervisorManifest manifest = ManifestCodec.parse(Files.readString(agent.manifestFile()));
      assertThat(ControllerView.servedCertificate(manifest)).isEqualTo(pki.server.certificate());

      Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
      assertThat(agent.reload()).as("reload with a broken certificate file").isFalse();
      assertThat(ControllerView.servedCertificate(manifest)).isEqualTo(pki.server.certificate());
      try (CriChannel channel = ControllerView.dial(manifest, null)) {
        assertThat(new CriClient(channel.channel(), CriApiVersion.V1ALPHA2, DEADLINE).version().getRuntimeName())
            .isEqualTo("containerd");
      }

      Issued renewed = CertificateIssuer.certificate("127.0.0.1").serverAuth().subjectAltName("127.0.0.1")
          .signedBy(pki.serverCa).issue();
      Files.writeString(key, renewed.privateKeyPem());
      Files.writeString(cert, renewed.certificatePem() + pki.serverCa.certificatePem());
      assertThat(agent.reload()).as("reload with the renewed files").isTrue();
      assertThat(ControllerView.servedCertificate(manifest)).isEqualTo(renewed.certificate());
    }
  }

  @Test
  void exposesTheExpiryOfEachCertificateAsAMetric(Containerd containerd) throws Exception {
    try (Agent agent = startAgent(state, containerd, "tls:\n  serverCertificateLifetime: 30d")) {
      var gauges = agent.metrics().getGauges();
      long day = Duration.ofDays(1).toSeconds();
      assertThat((Long) gauges.get("tls.certificate.expiry.seconds.server").getValue()).isBetween(29 * day,
          30 * day);
      assertThat((Long) gauges.get("tls.certificate.expiry.seconds.server_ca").getValue()).isGreaterThan(3000 * day);
      assertThat((Long) gauges.get("tls.certificate.expiry.seconds.client_ca").getValue()).isGreaterThan(3000 * day);
      assertThat((Long) gauges.get("tls.certificate.expiry.seconds.client").getValue()).isPositive();
    }
  }
}
