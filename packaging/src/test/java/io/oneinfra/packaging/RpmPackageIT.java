package io.oneinfra.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .rpm: metadata, file list and scriptlets read with rpm, then installed and erased with {@code rpm --root} in a
 * temporary root. rpm runs scriptlets chrooted into that root, so the root gets a static busybox as /bin/sh and a
 * /dev/null: the scriptlets then run for real in a minimal system without systemd.
 */
class RpmPackageIT {
  private static String rpm;

  @TempDir
  Path root;

  @BeforeAll
  static void tools() {
    rpm = Command.require("rpm", "rpm");
  }

  @Test
  void metadataNamesVersionReleaseArchitectureAndJavaRuntime() {
    Command.Result info = Command.run(List.of(rpm, "-qip", Packages.RPM.toString())).expectSuccess();
    assertThat(info.stdout()).containsPattern("Name\\s+: oneinfra-agent\n")
        .containsPattern("Version\\s+: " + Packages.RPM_VERSION.replace(".", "\\.") + "\n")
        .containsPattern("Release\\s+: " + Packages.RPM_RELEASE.replace(".", "\\.") + "\n")
        .containsPattern("Architecture: noarch\n");
    Command.Result requires = Command.run(List.of(rpm, "-qp", "--requires", Packages.RPM.toString()))
        .expectSuccess();
    assertThat(requires.stdout().lines()).contains("java-headless >= 1:17");
    assertThat(Packages.RPM.getFileName().toString()).isEqualTo("oneinfra-agent-" + Packages.RPM_VERSION + "-"
        + Packages.RPM_RELEASE + ".noarch.rpm");
  }

  @Test
  void fileListHasModesOwnersAndConfigNoreplace() {
    Command.Result files = Command.run(List.of(rpm, "-qp", "--queryformat",
        "[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags} %{FILENAMES}\\n]",
        Packages.RPM.toString())).expectSuccess();
    assertThat(files.stdout().lines().map(line -> line.replaceAll("\\s+", " "))).contains(
        "-rwxr-xr-x root:root /usr/bin/oneinfra-agent",
        "-rw-r--r-- root:root /usr/share/oneinfra-agent/oneinfra-agent.jar",
        "-rw-r--r-- root:root cn /etc/oneinfra/agent.yaml",
        "-rw-r--r-- root:root /usr/lib/systemd/system/oneinfra-agent.service",
        "-rw-r--r-- root:root /usr/lib/systemd/system/oneinfra-agent.socket",
        "-rw-r--r-- root:root /usr/lib/tmpfiles.d/oneinfra-agent.conf",
        "drwx------ root:root /var/lib/oneinfra-agent",
        "drwxr-xr-x root:root /usr/share/oneinfra-agent",
        "drwxr-xr-x root:root /usr/share/oneinfra-agent/kubernetes",
        "-rw-r--r-- root:root /usr/share/oneinfra-agent/kubernetes/admission.yaml",
        "-rw-r--r-- root:root /usr/share/oneinfra-agent/kubernetes/bootstrap.yaml",
        "-rw-r--r-- root:root /usr/share/oneinfra-agent/kubernetes/cluster-info.yaml",
        "-rw-r--r-- root:root /usr/share/oneinfra-agent/kubernetes/hypervisors.yaml");
    Command.Result list = Command.run(List.of(rpm, "-qlp", Packages.RPM.toString())).expectSuccess();
    assertThat(list.stdout().lines()).doesNotContain("/usr/bin", "/etc", "/usr/lib/systemd/system");
  }

  @Test
  void scriptletsEnableOnInstallStopOnEraseAndRestartOnlyTheServiceOnUpgrade() {
    Command.Result scripts = Command.run(List.of(rpm, "-qp", "--scripts", Packages.RPM.toString())).expectSuccess();
    assertThat(scripts.stdout()).contains("postinstall scriptlet",
        "systemctl --no-reload enable oneinfra-agent.socket oneinfra-agent.service", "preuninstall scriptlet",
        "systemctl --no-reload disable oneinfra-agent.socket oneinfra-agent.service",
        "systemctl stop oneinfra-agent.socket oneinfra-agent.service", "postuninstall scriptlet",
        "systemctl try-restart oneinfra-agent.service")
        // the socket keeps the port open across an upgrade: it is never restarted, and nothing is started
        .doesNotContain("systemctl start", "restart oneinfra-agent.socket");
  }

  @Test
  void installIntoRootThenEraseKeepsPkiAndSavesModifiedConfig() throws IOException {
    minimalRoot();
    rpmOnRoot("-i", "--nodeps", Packages.RPM.toString());

    assertThat(Packages.modeAndOwner(root.resolve("usr/bin/oneinfra-agent"))).isEqualTo("rwxr-xr-x root:root");
    assertThat(Packages.modeAndOwner(root.resolve("usr/share/oneinfra-agent/oneinfra-agent.jar")))
        .isEqualTo("rw-r--r-- root:root");
    assertThat(Packages.modeAndOwner(root.resolve("etc/oneinfra/agent.yaml"))).isEqualTo("rw-r--r-- root:root");
    assertThat(Packages.modeAndOwner(root.resolve("var/lib/oneinfra-agent"))).isEqualTo("rwx------ root:root");
    assertThat(root.resolve("usr/lib/systemd/system/oneinfra-agent.service")).hasSameBinaryContentAs(Packages.UNIT);
    for (String manifest : Packages.KUBERNETES_MANIFESTS) {
      assertThat(root.resolve("usr/share/oneinfra-agent/kubernetes").resolve(manifest))
          .hasSameBinaryContentAs(Packages.KUBERNETES.resolve(manifest));
    }
    assertThat(root.resolve("usr/lib/systemd/system/oneinfra-agent.socket")).hasSameBinaryContentAs(Packages.SOCKET);
    assertThat(rpmOnRoot("-q", "oneinfra-agent").stdout().trim())
        .isEqualTo("oneinfra-agent-" + Packages.RPM_VERSION + "-" + Packages.RPM_RELEASE + ".noarch");

    Path config = root.resolve("etc/oneinfra/agent.yaml");
    Files.writeString(config, "# changed by the operator\n", StandardOpenOption.APPEND);
    String modifiedConfig = Files.readString(config);
    Path key = Files.createDirectories(root.resolve("var/lib/oneinfra-agent/pki")).resolve("client.key");
    Files.writeString(key, "not a real key");

    rpmOnRoot("-e", "oneinfra-agent");

    assertThat(root.resolve("usr/bin/oneinfra-agent")).doesNotExist();
    assertThat(root.resolve("usr/share/oneinfra-agent")).doesNotExist();
    // rpm has no purge: the host's identity (the PKI) stays until removed by hand, as documented in %postun.
    assertThat(key).hasContent("not a real key");
    assertThat(root.resolve("etc/oneinfra/agent.yaml.rpmsave")).hasContent(modifiedConfig);
  }

  @Test
  void installShipsTheAlertRulesAndDashboard() throws IOException {
    minimalRoot();
    rpmOnRoot("-i", "--nodeps", Packages.RPM.toString());
    Packages.assertMonitoringFilesInstalled(root);
    assertThat(rpmOnRoot("-qf", "/" + Packages.MONITORING_PREFIX).stdout().trim()).as("owner of the directory")
        .startsWith("oneinfra-agent-");
  }

  /** /bin/sh (static busybox) and /dev/null: what the scriptlets need inside rpm's chroot. */
  private void minimalRoot() throws IOException {
    Path busybox = Path.of(Command.require("busybox", "busybox-static"));
    Path bin = Files.createDirectories(root.resolve("usr/bin"));
    Files.copy(busybox, bin.resolve("busybox"));
    Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
    Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
    Path dev = Files.createDirectories(root.resolve("dev"));
    Command.run(List.of("mknod", "-m", "666", dev.resolve("null").toString(), "c", "1", "3")).expectSuccess();
    rpmOnRoot("--initdb");
  }

  private Command.Result rpmOnRoot(String... args) {
    List<String> command = new ArrayList<>(List.of(rpm, "--root=" + root, "--dbpath=/var/lib/rpm"));
    command.addAll(List.of(args));
    Command.Result result = Command.run(command).expectSuccess();
    // Scriptlet failures are only warnings to rpm: catch them here.
    assertThat(result.stderr()).as(result.toString()).doesNotContain("scriptlet failed", "can't create");
    return result;
  }
}
