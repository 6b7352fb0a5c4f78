package io.oneinfra.tests.booted;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.tests.support.Pods;
import io.oneinfra.tests.support.TestAgents;
import io.oneinfra.tests.testbed.BootedDebian;
import io.oneinfra.tests.testbed.BootedSystemd;
import io.oneinfra.tests.testbed.Commands;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
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
  static final String SOCKET = "oneinfra-agent.socket";
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

  /** This build's .deb repacked as {@code version} in {@code dir} (dpkg-deb on the host), for upgrades. */
  static Path debAs(String version, Path dir) {
    Path tree = dir.resolve("tree");
    Commands.run(COMMAND_TIMEOUT, "dpkg-deb", "--raw-extract", debFile().toString(), tree.toString())
        .requireSuccess();
    Commands.run(COMMAND_TIMEOUT, "sed", "-i", "s/^Version: .*/Version: " + version + "/",
        tree.resolve("DEBIAN/control").toString()).requireSuccess();
    Path deb = dir.resolve("oneinfra-agent_" + version + "_all.deb");
    // no compression: only the test reads it, and gzip of the jar would cost seconds
    Commands.run(COMMAND_TIMEOUT, "dpkg-deb", "--root-owner-group", "-Znone", "--build", tree.toString(),
        deb.toString()).requireSuccess();
    return deb;
  }

  /** The version in this build's .deb file name, oneinfra-agent_VERSION_all.deb. */
  static String thisVersion() {
    String name = debFile().getFileName().toString();
    return name.substring("oneinfra-agent_".length(), name.length() - "_all.deb".length());
  }

  /** The installed package's version, from dpkg. */
  String installedVersion() {
    return machine.exec(COMMAND_TIMEOUT, "dpkg-query", "--show", "--showformat=${Version}", "oneinfra-agent")
        .requireSuccess().stdout();
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
   * The administrator's edits for another port, as docs/SYSTEMD.md says: in agent.yaml the proxy on this machine's
   * free port instead of 7443 (the status endpoint likewise, and a quicker CRI check), and the socket unit's
   * ListenStream= to match in a drop-in ({@code systemctl edit oneinfra-agent.socket}).
   */
  void configurePorts() {
    machine.sh(COMMAND_TIMEOUT, "sed -i 's/^  listen: 0.0.0.0:7443$/  listen: 0.0.0.0:" + port + "/' " + CONFIG
        + " && grep -q '^  listen: 0.0.0.0:" + port + "$' " + CONFIG
        + " && printf 'status:\\n  listen: 127.0.0.1:" + statusPort + "\\n  criCheckInterval: 1s\\n' >> " + CONFIG
        + " && mkdir -p /etc/systemd/system/" + SOCKET + ".d"
        + " && printf '[Socket]\\nListenStream=\\nListenStream=0.0.0.0:" + port + "\\n' > /etc/systemd/system/"
        + SOCKET + ".d/listen.conf").requireSuccess();
    systemd.daemonReload();
  }

  /**
   * The administrator's edit granting {@code ExecSync} to clients named {@code commonName}: the commented example of
   * the packaged agent.yaml, uncommented.
   */
  void allowExecSync(String commonName) {
    machine.sh(COMMAND_TIMEOUT, "sed -i '/^    #allow:$/,/^    #      commonNames: \\[oneinfra-debug\\]$/"
        + " s/^    #/    /; s/commonNames: \\[oneinfra-debug\\]$/commonNames: [" + commonName + "]/' " + CONFIG
        + " && grep -q '^          commonNames: \\[" + commonName + "\\]$' " + CONFIG).requireSuccess();
  }

  /** A client certificate from the agent's own client CA, named {@code commonName} (read through the host's view). */
  Issued clientNamed(String commonName) throws IOException {
    return Pods.clientOf(machine.hostPath(STATE), commonName);
  }

  /** Whether something accepts TCP connections on the proxy's port now (the machine shares the host's network). */
  boolean accepting() {
    try (Socket probe = new Socket()) {
      probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
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
