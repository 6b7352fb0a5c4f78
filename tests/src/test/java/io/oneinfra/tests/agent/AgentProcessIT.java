package io.oneinfra.tests.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.agent.cri.CriApiVersion;
import io.oneinfra.agent.cri.CriChannel;
import io.oneinfra.agent.cri.CriClient;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.tests.support.AgentProcess;
import io.oneinfra.tests.support.ChildAgentLeaks;
import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.TestAgents;
import io.oneinfra.tests.support.TestPki;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Requirements;
import io.oneinfra.tests.testbed.Poll;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        hypervisor:
          ipAddress: 127.0.0.1
        status:
          listen: 127.0.0.1:0
        """.formatted(dir.resolve("state"), containerd.socket()));
    try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), Map.of(), "run", "--config",
        config.toString())) {
      Matcher m = agent.awaitLog(LISTENING, Duration.ofSeconds(30));
      Path pki = dir.resolve("state/pki");
      try (CriChannel channel = CriChannel.remote("127.0.0.1:" + m.group(1),
          Files.readString(pki.resolve("server-ca.crt")), Files.readString(pki.resolve("client.crt")),
          Files.readString(pki.resolve("client.key")), null)) {
        var version = new CriClient(channel.channel(), CriApiVersion.V1ALPHA2, Duration.ofSeconds(10)).version();
        assertThat(version.getRuntimeName()).isEqualTo("containerd");
        assertThat(version.getRuntimeApiVersion()).isEqualTo("v1alpha2");
      }
      agent.signal("TERM");
      assertThat(agent.awaitExit(Duration.ofSeconds(20))).as("exit code; log:%n%s", agent.log()).isZero();
      assertThat(agent.log()).contains("stopped (all connections finished)").doesNotContain("PRIVATE KEY");
    }
  }

  @Test
  void refusesToStartWhenAKeyFileIsReadableByOthersNamingTheFileAndMode(Containerd containerd) throws Exception {
    TestPki pki = new TestPki();
    Path key = dir.resolve("server.key");
    Files.writeString(dir.resolve("server.crt"), pki.server.certificatePem());
    Files.writeString(key, pki.server.privateKeyPem());
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    Files.writeString(dir.resolve("client-ca.crt"), pki.clientCa.certificatePem());
    Path config = dir.resolve("agent.yaml");
    Files.writeString(config, """
        stateDir: %1$s/state
        proxy:
          listen: 127.0.0.1:0
          backend: unix:%2$s
        hypervisor:
          ipAddress: 127.0.0.1
        tls:
          mode: files
          certificate: %1$s/server.crt
          privateKey: %1$s/server.key
          clientCA: %1$s/client-ca.crt
        """.formatted(dir, containerd.socket()));
    try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), Map.of(), "run", "--config",
        config.toString())) {
      assertThat(agent.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(agent.log()).contains(key + " is accessible by others (mode 0644); want 0600")
          .doesNotContain("PRIVATE KEY");
    }
    assertThat(Files.getPosixFilePermissions(key)).as("the operator's file is left alone")
        .isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
  }

  @Test
  void aTakenListenPortExitsSeventyFiveSoSystemdRestartsIt(Containerd containerd) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Path config = loopbackConfig(taken.getLocalPort(), containerd);
      try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), Map.of(), "run", "--config",
          config.toString())) {
        assertThat(agent.awaitExit(Duration.ofSeconds(30))).as("exit code; log:%n%s", agent.log()).isEqualTo(75);
        assertThat(agent.log()).contains("cannot start now: proxy.listen: cannot listen on 127.0.0.1:"
            + taken.getLocalPort());
      }
    }
  }

  /** agent.yaml for an agent on 127.0.0.1:{@code port} in front of containerd, its state in dir/state. */
  private Path loopbackConfig(int port, Containerd containerd) throws IOException {
    return Files.writeString(dir.resolve("agent.yaml"), """
        stateDir: %s
        proxy:
          listen: 127.0.0.1:%d
          backend: unix:%s
        hypervisor:
          ipAddress: 127.0.0.1
        status:
          listen: 127.0.0.1:0
        """.formatted(dir.resolve("state"), port, containerd.socket()));
  }

  @Test
  void aConfigErrorExitsTwoNamingTheFileAndLine() throws Exception {
    Path config = dir.resolve("agent.yaml");
    Files.writeString(config, "stateDir: %s\nproxy:\n  listen: 127.0.0.1:0\n  lisen: 127.0.0.1:0\n"
        .formatted(dir.resolve("state")));
    try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), Map.of(), "run", "--config",
        config.toString())) {
      assertThat(agent.awaitExit(Duration.ofSeconds(30))).as("exit code; log:%n%s", agent.log()).isEqualTo(2);
      assertThat(agent.log()).contains(config + ":4").contains("unknown key 'proxy.lisen'");
    }
  }

  @Test
  void manifestCommandPrintsWhatRunPublishesAndTheControllerCanUseIt(Containerd containerd) throws Exception {
    int port = TestAgents.freePort();
    Path config = dir.resolve("agent.yaml");
    Files.writeString(config, """
        stateDir: %s
        proxy:
          listen: 127.0.0.1:%d
          backend: unix:%s
        hypervisor:
          name: printed
          ipAddress: 127.0.0.1
          public: true
          portRange: {low: 31000, high: 31999}
        status:
          listen: 127.0.0.1:0
        """.formatted(dir.resolve("state"), port, containerd.socket()));
    HypervisorManifest fromCommand = printManifest(config);
    assertThat(fromCommand.metadata().name()).isEqualTo("printed");
    assertThat(fromCommand.spec().isPublic()).isTrue();
    assertThat(fromCommand.spec().ipAddress()).isEqualTo("127.0.0.1");
    assertThat(fromCommand.spec().portRange()).isEqualTo(new HypervisorManifest.PortRange(31000, 31999));
    assertThat(fromCommand.spec().remoteCriEndpoint().criEndpointUri()).isEqualTo("127.0.0.1:" + port);
    assertThat(read(dir.resolve("printed.yaml"))).doesNotContain("status");

    try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), Map.of(), "run", "--config",
        config.toString())) {
      Path written = dir.resolve("state/hypervisor.yaml"); // written atomically once the proxy listens
      Poll.until(Duration.ofSeconds(30), "the agent's manifest", () -> Files.exists(written), agent::log);
      assertThat(ManifestCodec.parse(read(written))).isEqualTo(fromCommand);
      assertThat(Files.getPosixFilePermissions(written)).as("it holds the client key")
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      try (CriChannel channel = ControllerView.dial(fromCommand, null)) {
        assertThat(new CriClient(channel.channel(), CriApiVersion.V1ALPHA2, Duration.ofSeconds(10)).version()
            .getRuntimeName()).isEqualTo("containerd");
      }
      agent.signal("TERM");
      assertThat(agent.awaitExit(Duration.ofSeconds(20))).isZero();
    }
  }

  @Test
  void servesOnTheListeningSocketSystemdHandsOver(Containerd containerd) throws Exception {
    Requirements.require("systemd-socket-activate");
    int port = TestAgents.freePort();
    Path config = loopbackConfig(port, containerd);
    // the manifest command creates the PKI the agent will reuse, so the controller can dial before it runs
    HypervisorManifest printed = printManifest(config);
    List<String> command = new ArrayList<>(List.of("systemd-socket-activate", "-l", "127.0.0.1:" + port));
    command.addAll(AgentProcess.command("run", "--config", config.toString()));
    Path log = dir.resolve("agent.log");
    Process activated = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      Poll.until(Duration.ofSeconds(10), "the socket to listen", () -> read(log).contains("Listening on"));
      // the first connection starts the agent, which then accepts it on the inherited socket
      try (CriChannel channel = ControllerView.dial(printed, null)) {
        assertThat(new CriClient(channel.channel(), CriApiVersion.V1, Duration.ofSeconds(30)).version()
            .getRuntimeApiVersion()).isEqualTo("v1");
      }
      assertThat(read(log)).contains("proxy listening on 127.0.0.1:" + port + " (socket activation)");
      ChildAgentLeaks.provoke(activated.toHandle(), read(log)); // systemd-socket-activate execs the agent: one PID
      new ProcessBuilder("kill", "-TERM", Long.toString(activated.pid())).start().waitFor();
      assertThat(activated.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(activated.exitValue()).as(read(log)).isZero();
    } finally {
      activated.destroyForcibly();
    }
    ChildAgentLeaks.assertNoReport("the socket-activated agent", log);
  }

  /** Runs {@code oneinfra-agent manifest} as an operator would and parses what it prints. */
  private HypervisorManifest printManifest(Path config) throws Exception {
    Path printed = dir.resolve("printed.yaml");
    assertThat(AgentProcess.run(printed, dir.resolve("manifest.log"), Duration.ofSeconds(60), "manifest",
        "--config", config.toString())).as("manifest exit; log:%n%s", read(dir.resolve("manifest.log"))).isZero();
    return ManifestCodec.parse(read(printed));
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
