package io.oneinfra.tests.cri;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.tests.support.CriScenario;
import io.oneinfra.tests.support.TestPki;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Haproxy;
import io.oneinfra.tests.testbed.Requirements;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same controller-style client through haproxy 2.6 (the documented setup): proves the client itself is right;
 * and that the haproxy found is 2.6, the version the docs and the benchmark compare with.
 */
@ExtendWith(SharedContainerd.class)
class HaproxyReferenceIT {

  @Test
  void theReferenceIsHaproxyTwoPointSix() {
    Requirements.require("haproxy");
    assertThat(Haproxy.version()).as("haproxy -v").matches("HAProxy version 2\\.6\\.\\d+\\S* .*");
  }

  @Test
  void sameClientDrivesCriThroughHaproxyWithTheSameCertificates(Containerd containerd, @TempDir Path dir)
      throws Exception {
    Requirements.require("haproxy");
    TestPki pki = new TestPki();
    Path[] files = pki.writeHaproxyFiles(dir);
    try (Haproxy haproxy = Haproxy.start(files[0], files[1], containerd.socket());
        CriChannel channel = CriChannel.remote("127.0.0.1:" + haproxy.port(), pki.serverCa.certificatePem(),
            pki.client.certificatePem(), pki.client.privateKeyPem(), null)) {
      CriScenario.podAndContainerLifecycle(
          new CriClient(channel.channel(), CriApiVersion.V1ALPHA2, Duration.ofSeconds(30)), containerd);
    }
  }
}
