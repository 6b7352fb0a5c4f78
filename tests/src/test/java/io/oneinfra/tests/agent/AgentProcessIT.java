package io.oneinfra.tests.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar oneinfra-agent.jar run --config FILE}: generates its PKI, serves CRI, drains on SIGTERM. */
@ExtendWith(SharedContainerd.class)
class AgentProcessIT {
  private static final Pattern LISTENING = Pattern.compile("proxy listening on 127\\.0\\.0\\.1:(\\d+)");

  @TempDir
  Path dir;

  @Test
  void runServesCriWithItsGeneratedPkiAndExitsZeroOnSigterm(Containerd containerd) throws Exception {
    Path config = dir.resolve("agent.yaml");
    Files.writeString(config, """
        stateDir: %s
        proxy:
          listen: 127.0.0.1:0
          backend: unix:%s
          drainTimeout: 5s
        tls:
          serverNames: [127.0.0.1]
        """.formatted(dir.resolve("state"), containerd.socket()));
    Path log = dir.resolve("agent.log");
    Process agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", System.getProperty("agent.jar"), "run", "--config", config.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      Poll.until(Duration.ofSeconds(30), "the agent to listen", () -> LISTENING.matcher(read(log)).find(),
          () -> read(log));
      Matcher m = LISTENING.matcher(read(log));
      assertThat(m.find()).isTrue();
      Path pki = dir.resolve("state/pki");
      try (CriChannel channel = CriChannel.remote("127.0.0.1:" + m.group(1),
          Files.readString(pki.resolve("server-ca.crt")), Files.readString(pki.resolve("client.crt")),
          Files.readString(pki.resolve("client.key")), null)) {
        var version = new CriClient(channel.channel(), CriApiVersion.V1ALPHA2, Duration.ofSeconds(10)).version();
        assertThat(version.getRuntimeName()).isEqualTo("containerd");
        assertThat(version.getRuntimeApiVersion()).isEqualTo("v1alpha2");
      }
      agent.destroy(); // SIGTERM
      assertThat(agent.waitFor(20, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
      assertThat(agent.exitValue()).as("exit code; log:%n%s", read(log)).isZero();
      assertThat(read(log)).contains("stopped (all connections finished)").doesNotContain("PRIVATE KEY");
    } finally {
      agent.destroyForcibly();
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
