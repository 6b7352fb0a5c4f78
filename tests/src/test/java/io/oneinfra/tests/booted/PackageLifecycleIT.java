package io.oneinfra.tests.booted;

import static io.oneinfra.tests.booted.InstalledAgent.COMMAND_TIMEOUT;
import static io.oneinfra.tests.booted.InstalledAgent.CONFIG;
import static io.oneinfra.tests.booted.InstalledAgent.SOCKET;
import static io.oneinfra.tests.booted.InstalledAgent.STATE;
import static io.oneinfra.tests.booted.InstalledAgent.UNIT;
import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.testbed.Containerd;
import io.oneinfra.tests.testbed.SharedContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The package's life on a booted Debian 12, in order: the previous build installed and running, upgraded to this
 * build while running, removed, purged; after the purge nothing of it is left.
 */
@ExtendWith(SharedContainerd.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackageLifecycleIT {
  private static final String PREVIOUS_VERSION = "0.0.1";
  private static final String PREVIOUS_DIR = "/mnt/previous";
  /** Files apt, dpkg and the machine itself change whatever is installed: logs, caches, package lists, backups. */
  private static final List<String> CHURN = List.of("/var/log/", "/var/cache/", "/var/lib/apt/",
      "/var/lib/dpkg/");

  @TempDir
  static Path work;
  private static InstalledAgent agent;
  private static Set<String> filesBeforeInstall;
  private static String modifiedConfig;
  private static String pki;
  private static X509Certificate served;

  @BeforeAll
  static void bootWithThePreviousBuild(Containerd containerd) throws Exception {
    // this build as version 0.0.1: what the host ran before
    Path previous = InstalledAgent.debAs(PREVIOUS_VERSION, Files.createDirectories(work.resolve("previous")));
    agent = InstalledAgent.boot("booted-lifecycle", containerd,
        new InstalledAgent.Mount(previous.getParent(), PREVIOUS_DIR));
    filesBeforeInstall = files();
  }

  @AfterAll
  static void powerOff() {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  @Order(1)
  void anUpgradeWhileRunningRestartsTheAgentAndKeepsItsConfigAndPki() throws Exception {
    agent.aptInstall(PREVIOUS_DIR, "oneinfra-agent_" + PREVIOUS_VERSION + "_all.deb").requireSuccess();
    agent.configurePorts();
    agent.start();
    long before = agent.mainPid();
    String socketSince = agent.systemd.property(SOCKET, "ActiveEnterTimestampMonotonic");
    modifiedConfig = agent.read(CONFIG);
    pki = pkiChecksums();
    served = ControllerView.servedCertificate(agent.manifest());

    String upgrade = agent.installThisBuild().stdout();

    assertThat(upgrade).contains("over (" + PREVIOUS_VERSION + ")");
    assertThat(agent.installedVersion()).isEqualTo(InstalledAgent.thisVersion());
    assertThat(agent.systemd.show(UNIT, "ActiveState", "NRestarts")).containsEntry("ActiveState", "active")
        .containsEntry("NRestarts", "0");
    // the port stayed open: the socket was neither stopped nor restarted (RestartsIT calls through an upgrade)
    assertThat(agent.systemd.show(SOCKET, "ActiveState", "ActiveEnterTimestampMonotonic"))
        .containsEntry("ActiveState", "active").containsEntry("ActiveEnterTimestampMonotonic", socketSince);
    assertThat(agent.mainPid()).as("restarted by the upgrade").isNotEqualTo(before).isPositive();
    agent.awaitAgentMessage("i.o.a.Agent: stopped (all connections finished)"::equals, "_PID=" + before);
    assertThat(agent.read(CONFIG)).isEqualTo(modifiedConfig);
    assertThat(pkiChecksums()).isEqualTo(pki);
    assertThat(ControllerView.servedCertificate(agent.manifest())).as("same PKI, same certificate").isEqualTo(served);
  }

  @Test
  @Order(2)
  void removeStopsTheAgentClosesItsPortAndKeepsConfigAndState() {
    agent.machine.exec(COMMAND_TIMEOUT, "apt-get", "remove", "-y", "oneinfra-agent").requireSuccess();

    assertThat(agent.systemd.property(UNIT, "ActiveState")).isEqualTo("inactive");
    assertThat(agent.systemd.property(SOCKET, "ActiveState")).isEqualTo("inactive");
    assertThat(agent.accepting()).as("the port closed").isFalse();
    assertThat(agent.machine.exec(COMMAND_TIMEOUT, "test", "-e", "/var/cache/oneinfra-agent").exitCode())
        .as("the class-data sharing archive, made for the jar that is gone").isNotZero();
    assertThat(javaProcesses()).as("no agent process left").isEmpty();
    assertThat(agent.machine.exec(COMMAND_TIMEOUT, "test", "-e", "/usr/bin/oneinfra-agent").exitCode()).isNotZero();
    assertThat(agent.read(CONFIG)).isEqualTo(modifiedConfig);
    assertThat(pkiChecksums()).isEqualTo(pki);
    assertThat(dpkgStatus()).isEqualTo("deinstall ok config-files");
  }

  @Test
  @Order(3)
  void purgeLeavesNothingOfItBehind() {
    agent.machine.exec(COMMAND_TIMEOUT, "apt-get", "purge", "-y", "oneinfra-agent").requireSuccess();

    assertThat(agent.machine.exec(COMMAND_TIMEOUT, "dpkg-query", "--status", "oneinfra-agent").exitCode())
        .isNotZero();
    assertThat(agent.machine.sh(COMMAND_TIMEOUT, "ls /var/lib/dpkg/info | grep oneinfra || true").stdout())
        .isEmpty();
    Set<String> added = new TreeSet<>(files());
    added.removeAll(filesBeforeInstall);
    Set<String> gone = new TreeSet<>(filesBeforeInstall);
    gone.removeAll(files());
    // what the administrator added (configurePorts' socket drop-in) is theirs: dpkg never removes it
    String dropIns = "/etc/systemd/system/" + SOCKET + ".d";
    assertThat(added).as("left behind").containsExactly(dropIns, dropIns + "/listen.conf");
    assertThat(gone).as("taken away").isEmpty();
    assertThat(javaProcesses()).isEmpty();
  }

  /** Every path on the machine's root file system but the churn apt, dpkg and the machine make anyway. */
  private static Set<String> files() {
    String list = agent.machine.exec(COMMAND_TIMEOUT, "find", "/", "-xdev").requireSuccess().stdout();
    Set<String> files = new TreeSet<>();
    list.lines().filter(path -> CHURN.stream().noneMatch(path::startsWith)).forEach(files::add);
    return files;
  }

  private static String pkiChecksums() {
    return agent.machine.sh(COMMAND_TIMEOUT, "cd " + STATE + "/pki && ls -l --time-style=+ . && sha256sum *")
        .requireSuccess().stdout();
  }

  private static List<String> javaProcesses() {
    return agent.machine.sh(COMMAND_TIMEOUT, "grep -l '^java$' /proc/[0-9]*/comm 2>/dev/null || true").stdout()
        .lines().toList();
  }

  private static String dpkgStatus() {
    return agent.machine.exec(COMMAND_TIMEOUT, "dpkg-query", "--show", "--showformat=${Status}", "oneinfra-agent")
        .requireSuccess().stdout();
  }
}
