package io.oneinfra.tests.booted;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.tests.support.TestAgents;
import io.oneinfra.tests.testbed.BootedDebian;
import io.oneinfra.tests.testbed.BootedSystemd;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The agent's .deb on a booted machine: the package directory and containerd's socket directory mounted in, and
 * what an administrator does and looks at (apt, agent.yaml, systemctl, the manifest in the state directory).
 */
final class InstalledAgent implements AutoCloseable {
  static final String UNIT = "oneinfra-agent.service";
  static final String CONFIG = "/etc/oneinfra/agent.yaml";
  static final String STATE = "/var/lib/oneinfra-agent";
  /** The build's packages (packaging/target), read-only in the machine. */
  static final String PACKAGES = "/mnt/packages";
  static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /** A journal match for what the agent itself wrote (journald names its stdout/stderr after the program). */
  private static final String AGENT_LINES = "SYSLOG_IDENTIFIER=oneinfra-agent";

  final BootedDebian machine;
  final BootedSystemd systemd;
  /** The proxy's port on the host's network, which the machine shares; chosen free, as fixed ports would collide. */
  final int port;
  final int statusPort;

  private InstalledAgent(BootedDebian machine, int port, int statusPort) {
    this.machine = machine;
    this.systemd = new BootedSystemd(machine);
    this.port = port;
    this.statusPort = statusPort;
  }

  /**
   * Boots a machine named {@code hostname} with the build's packages at {@link #PACKAGES}, containerd's directory
   * (its socket is containerd.sock) at /run/containerd, where the agent looks by default, and {@code extra} mounts.
   */
  static InstalledAgent boot(String hostname, Containerd containerd, Mount... extra) throws Exception {
    BootedDebian.Builder builder = BootedDebian.builder().hostname(hostname)
        .bindReadOnly(packagesDir(), PACKAGES).bindReadOnly(containerd.dir(), "/run/containerd");
    for (Mount mount : extra) {
      builder.bindReadOnly(mount.host(), mount.inMachine());
    }
    return new InstalledAgent(builder.boot(), TestAgents.freePort(), TestAgents.freePort());
  }

  /** A read-only bind mount. */
  record Mount(Path host, String inMachine) {}

  /** packaging/target, from the system property tests/pom.xml sets. */
  static Path packagesDir() {
    String dir = System.getProperty("packages.dir");
    assertThat(dir).as("system property packages.dir (set by tests/pom.xml)").isNotBlank();
    return Path.of(dir);
  }

  /** The .deb the build made: exactly one oneinfra-agent_*_all.deb in packaging/target. */
  static Path debFile() {
    List<Path> debs = new ArrayList<>();
    try (DirectoryStream<Path> found = Files.newDirectoryStream(packagesDir(), "oneinfra-agent_*_all.deb")) {
      found.forEach(debs::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + packagesDir() + ": run ./mvnw package first", e);
    }
    assertThat(debs).as("the .deb in %s (./mvnw package builds it)", packagesDir()).hasSize(1);
    return debs.get(0);
  }

  /** {@code cd DIR && apt-get install -y ./FILE}: dependencies resolved by apt, as an administrator installs. */
  BootedDebian.Result aptInstall(String dirInMachine, String fileName) {
    return machine.sh(COMMAND_TIMEOUT, "cd " + dirInMachine + " && apt-get install -y ./" + fileName);
  }

  /** Installs this build's .deb and requires success. */
  BootedDebian.Result installThisBuild() {
    return aptInstall(PACKAGES, debFile().getFileName().toString()).requireSuccess();
  }

  /**
   * The administrator's edit of agent.yaml: the proxy on this machine's free port instead of 7443, the status
   * endpoint likewise, and a quicker CRI check.
   */
  void configurePorts() {
    machine.sh(COMMAND_TIMEOUT, "sed -i 's/^  listen: 0.0.0.0:7443$/  listen: 0.0.0.0:" + port + "/' " + CONFIG
        + " && grep -q '^  listen: 0.0.0.0:" + port + "$' " + CONFIG
        + " && printf 'status:\\n  listen: 127.0.0.1:" + statusPort + "\\n  criCheckInterval: 1s\\n' >> " + CONFIG)
        .requireSuccess();
  }

  /** Reads a file of the machine as root. */
  String read(String path) {
    return machine.exec(COMMAND_TIMEOUT, "cat", path).requireSuccess().stdout();
  }

  /** The Hypervisor manifest the agent wrote for the controller. */
  HypervisorManifest manifest() {
    return ManifestCodec.parse(read(STATE + "/hypervisor.yaml"));
  }

  /** {@code systemctl start}, required to succeed; for Type=notify it returns once READY=1 came. */
  void start() {
    systemd.systemctl("start", UNIT).requireSuccess();
  }

  /** The running agent as a test starts from it: the manifest it wrote and its PID. */
  record Running(HypervisorManifest manifest, long pid) {}

  /** Starts the unit unless it is running already; returns what the controller and the administrator see of it. */
  Running running() {
    if (!systemd.property(UNIT, "ActiveState").equals("active")) {
      start();
    }
    return new Running(manifest(), mainPid());
  }

  /** The agent's PID in the machine (0 when it is not running). */
  long mainPid() {
    return Long.parseLong(systemd.property(UNIT, "MainPID"));
  }

  /** The agent's journal messages (its own lines, not systemd's about it), oldest first. */
  List<String> agentMessages(String... journalArgs) {
    List<String> args = new ArrayList<>(List.of("--unit=" + UNIT, AGENT_LINES));
    args.addAll(List.of(journalArgs));
    return systemd.messages(args.toArray(String[]::new));
  }

  /**
   * Waits until one of the agent's journal messages matches {@code wanted} (journald takes a stream's lines
   * asynchronously), then returns them all.
   */
  List<String> awaitAgentMessage(Predicate<String> wanted, String... journalArgs) {
    Poll.until(Duration.ofSeconds(20), "a journal line of the agent", () -> agentMessages(journalArgs).stream()
        .anyMatch(wanted), () -> String.join("\n", agentMessages(journalArgs)));
    return agentMessages(journalArgs);
  }

  /** Waits for the agent's first journal entry after {@code cursor} whose message matches, and returns it. */
  Map<String, String> awaitAgentEntryAfter(String cursor, Predicate<String> wanted) {
    Supplier<Optional<Map<String, String>>> find = () -> systemd.journalAfter(cursor, "--unit=" + UNIT, AGENT_LINES)
        .stream().filter(entry -> wanted.test(entry.getOrDefault("MESSAGE", ""))).findFirst();
    Poll.until(Duration.ofSeconds(20), "a journal entry of the agent", () -> find.get().isPresent(),
        () -> String.join("\n", systemd.journalAfter(cursor, "--unit=" + UNIT, AGENT_LINES).stream()
            .map(entry -> entry.get("MESSAGE")).toList()));
    return find.get().orElseThrow();
  }

  @Override
  public void close() {
    machine.close();
  }
}
