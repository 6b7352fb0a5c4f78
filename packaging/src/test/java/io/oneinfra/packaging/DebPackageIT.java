package io.oneinfra.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .deb: lintian, then installed for real by dpkg into a temporary root ({@code --root} with chrootless
 * maintainer scripts, which then see {@code DPKG_ROOT}), so the test machine itself is never changed.
 */
class DebPackageIT {
  private static final String UNIT_LINK = "etc/systemd/system/multi-user.target.wants/oneinfra-agent.service";
  private static final String SOCKET_LINK = "etc/systemd/system/sockets.target.wants/oneinfra-agent.socket";
  private static final List<String> UNITS = List.of("oneinfra-agent.service", "oneinfra-agent.socket");

  private static String dpkg;
  private static String dpkgDeb;
  private static String dpkgQuery;

  @TempDir
  Path root;
  @TempDir
  Path work;

  @BeforeAll
  static void tools() {
    dpkg = Command.require("dpkg", "dpkg");
    dpkgDeb = Command.require("dpkg-deb", "dpkg");
    dpkgQuery = Command.require("dpkg-query", "dpkg");
    Command.require("deb-systemd-helper", "init-system-helpers");
  }

  @Test
  void lintianReportsNoErrorsAndNoWarnings() {
    String lintian = Command.require("lintian", "lintian");
    Command.Result result = Command.run(List.of(lintian, "--fail-on", "error,warning", "--info",
        Packages.DEB.toString()));
    System.out.println("lintian " + Packages.DEB.getFileName() + ":\n" + result.stdout());
    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.stdout().lines().filter(line -> line.startsWith("E:") || line.startsWith("W:")))
        .as(result.stdout()).isEmpty();
  }

  @Test
  void controlNamesVersionArchitectureAndJavaRuntime() {
    Command.Result result = Command.run(List.of(dpkgDeb, "--field", Packages.DEB.toString(), "Package", "Version",
        "Architecture", "Depends")).expectSuccess();
    assertThat(result.stdout()).contains("Package: oneinfra-agent\n", "Version: " + Packages.DEB_VERSION + "\n",
        "Architecture: all\n", "Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless\n");
    assertThat(Packages.DEB.getFileName().toString())
        .isEqualTo("oneinfra-agent_" + Packages.DEB_VERSION + "_all.deb");
  }

  @Test
  void installPutsFilesWithOwnersAndModesAndEnablesWithoutStarting() throws IOException {
    dpkgInit();
    dpkg("-i", Packages.DEB.toString());

    assertThat(Packages.modeAndOwner(root.resolve("usr/bin/oneinfra-agent"))).isEqualTo("rwxr-xr-x root:root");
    assertThat(Packages.modeAndOwner(root.resolve("usr/share/oneinfra-agent/oneinfra-agent.jar")))
        .isEqualTo("rw-r--r-- root:root");
    assertThat(Packages.modeAndOwner(root.resolve("etc/oneinfra/agent.yaml"))).isEqualTo("rw-r--r-- root:root");
    for (String unit : UNITS) {
      assertThat(Packages.modeAndOwner(root.resolve("lib/systemd/system/" + unit))).isEqualTo("rw-r--r-- root:root");
    }
    assertThat(Packages.modeAndOwner(root.resolve("usr/lib/tmpfiles.d/oneinfra-agent.conf")))
        .isEqualTo("rw-r--r-- root:root");
    assertThat(Packages.modeAndOwner(root.resolve("var/lib/oneinfra-agent"))).isEqualTo("rwx------ root:root");
    assertThat(root.resolve("lib/systemd/system/oneinfra-agent.service")).hasSameBinaryContentAs(Packages.UNIT);
    for (String manifest : Packages.KUBERNETES_MANIFESTS) {
      Path installed = root.resolve("usr/share/oneinfra-agent/kubernetes").resolve(manifest);
      assertThat(Packages.modeAndOwner(installed)).as(manifest).isEqualTo("rw-r--r-- root:root");
      assertThat(installed).hasSameBinaryContentAs(Packages.KUBERNETES.resolve(manifest));
    }
    assertThat(root.resolve("lib/systemd/system/oneinfra-agent.socket")).hasSameBinaryContentAs(Packages.SOCKET);
    assertThat(query("${Conffiles}")).contains("/etc/oneinfra/agent.yaml ");
    assertThat(query("${Status}")).isEqualTo("install ok installed");
    // Enabled: deb-systemd-helper made the WantedBy= links. Not started: PID 1 here is not systemd, and the
    // scripts never start the units on install anyway.
    assertThat(Files.readSymbolicLink(root.resolve(UNIT_LINK)))
        .isEqualTo(Path.of("/lib/systemd/system/oneinfra-agent.service"));
    assertThat(Files.readSymbolicLink(root.resolve(SOCKET_LINK)))
        .isEqualTo(Path.of("/lib/systemd/system/oneinfra-agent.socket"));
  }

  @Test
  void installShipsTheAlertRulesAndDashboard() throws IOException {
    dpkgInit();
    dpkg("-i", Packages.DEB.toString());
    Packages.assertMonitoringFilesInstalled(root);
  }

  @Test
  void defaultConfigListensOnAllAddressesInFrontOfTheDetectedRuntime() throws IOException {
    dpkgInit();
    dpkg("-i", Packages.DEB.toString());
    // backend stays commented: the agent picks containerd's or cri-o's socket, whichever the host has
    assertThat(Files.readAllLines(root.resolve("etc/oneinfra/agent.yaml"))).contains(
        "stateDir: /var/lib/oneinfra-agent", "  listen: 0.0.0.0:7443",
        "  #backend: unix:/run/containerd/containerd.sock", "  mode: generate");
  }

  @Test
  void installedLauncherPrintsTheVersion() {
    dpkgInit();
    dpkg("-i", Packages.DEB.toString());
    Command.Result result = Command.run(List.of(root.resolve("usr/bin/oneinfra-agent").toString(), "version"))
        .expectSuccess();
    assertThat(result.stdout()).startsWith("oneinfra-agent 0.1.0").contains("\njava ", "\nepoll ", "\ntls ")
        .doesNotContain("development");
  }

  @Test
  void upgradeFromPreviousBuildKeepsModifiedConfigAndPki() throws IOException {
    dpkgInit();
    dpkg("-i", previousBuild().toString());
    assertThat(query("${Version}")).isEqualTo("0.0.1");
    // The operator's edit, which also points the agent at this root's state dir and pins its IP...
    Path config = root.resolve("etc/oneinfra/agent.yaml");
    Path state = root.resolve("var/lib/oneinfra-agent");
    Files.writeString(config, Files.readString(config).replace("stateDir: /var/lib/oneinfra-agent\n",
        "stateDir: " + state + "\n") + "hypervisor:\n  ipAddress: 192.0.2.10\n");
    String modifiedConfig = Files.readString(config);
    // ...so that the installed agent generates a real PKI there (manifest creates it as run would).
    Command.Result manifest = Command.run(List.of(root.resolve("usr/bin/oneinfra-agent").toString(), "manifest",
        "--config", config.toString())).expectSuccess();
    assertThat(manifest.stdout()).contains("kind: Hypervisor", "criEndpointURI: 192.0.2.10:7443");
    Map<String, String> pki = pkiFiles(state.resolve("pki"));
    assertThat(pki).containsKeys("server-ca.crt", "client.crt", "client.key", "client-ca.key");

    Command.Result upgrade = dpkg("-i", Packages.DEB.toString());

    assertThat(upgrade.stdout()).contains("over (0.0.1)");
    assertThat(query("${Version}")).isEqualTo(Packages.DEB_VERSION);
    assertThat(config).hasContent(modifiedConfig);
    assertThat(pkiFiles(state.resolve("pki"))).isEqualTo(pki);
    assertThat(Packages.modeAndOwner(state)).isEqualTo("rwx------ root:root");
    assertThat(root.resolve(UNIT_LINK)).isSymbolicLink();
    assertThat(root.resolve(SOCKET_LINK)).isSymbolicLink();
  }

  /** File name to mode and content, for every file of a PKI directory. */
  private static Map<String, String> pkiFiles(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (var list = Files.list(dir)) {
      for (Path file : list.toList()) {
        files.put(file.getFileName().toString(), Packages.modeAndOwner(file) + "\n" + Files.readString(file));
      }
    }
    return files;
  }

  @Test
  void removeKeepsConfigAndPki() throws IOException {
    dpkgInit();
    dpkg("-i", Packages.DEB.toString());
    Path key = writePki();

    dpkg("-r", "oneinfra-agent");

    assertThat(root.resolve("usr/bin/oneinfra-agent")).doesNotExist();
    assertThat(root.resolve("usr/share/oneinfra-agent/oneinfra-agent.jar")).doesNotExist();
    assertThat(root.resolve("etc/oneinfra/agent.yaml")).exists();
    assertThat(key).hasContent("not a real key");
    assertThat(query("${Status}")).isEqualTo("deinstall ok config-files");
    // As dh_installsystemd does: masked while the unit files are gone, the enable links kept for a reinstall.
    for (String unit : UNITS) {
      assertThat(root.resolve("lib/systemd/system/" + unit)).doesNotExist();
      assertThat(Files.readSymbolicLink(root.resolve("etc/systemd/system/" + unit))).as(unit)
          .isEqualTo(Path.of("/dev/null"));
    }
    assertThat(root.resolve(UNIT_LINK)).isSymbolicLink();
    assertThat(root.resolve(SOCKET_LINK)).isSymbolicLink();

    dpkg("--purge", "oneinfra-agent");
    for (String unit : UNITS) {
      assertThat(root.resolve("etc/systemd/system/" + unit)).as(unit).doesNotExist();
    }
  }

  @Test
  void purgeRemovesStateConfigAndEnableLink() throws IOException {
    dpkgInit();
    dpkg("-i", Packages.DEB.toString());
    writePki();

    dpkg("--purge", "oneinfra-agent");

    assertThat(root.resolve("var/lib/oneinfra-agent")).doesNotExist();
    assertThat(root.resolve("etc/oneinfra")).doesNotExist();
    assertThat(root.resolve(UNIT_LINK)).doesNotExist();
    assertThat(root.resolve(SOCKET_LINK)).doesNotExist();
    for (String unit : UNITS) {
      assertThat(root.resolve("etc/systemd/system/" + unit)).as("mask link of " + unit).doesNotExist();
      assertThat(root.resolve("var/lib/systemd/deb-systemd-helper-enabled/" + unit + ".dsh-also")).doesNotExist();
    }
    Command.Result status = Command.run(List.of(dpkgQuery, "--admindir=" + root.resolve("var/lib/dpkg"), "-W",
        "oneinfra-agent"));
    assertThat(status.exitCode()).as(status.toString()).isNotZero();
  }

  /** An empty dpkg database in the temporary root. */
  private void dpkgInit() {
    try {
      Path admin = root.resolve("var/lib/dpkg");
      for (String dir : List.of("info", "updates", "triggers")) {
        Files.createDirectories(admin.resolve(dir));
      }
      Files.writeString(admin.resolve("status"), "");
      Files.writeString(admin.resolve("available"), "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * dpkg on the temporary root. --force-script-chrootless: the scripts run on this machine with DPKG_ROOT set
   * (the root has no shell to chroot into); --force-depends: the root has no Java package installed.
   */
  private Command.Result dpkg(String... args) {
    List<String> command = new ArrayList<>(List.of(dpkg, "--root=" + root, "--force-script-chrootless",
        "--force-depends"));
    command.addAll(List.of(args));
    return Command.run(command, Map.of("DEBIAN_FRONTEND", "noninteractive")).expectSuccess();
  }

  private String query(String format) {
    return Command.run(List.of(dpkgQuery, "--admindir=" + root.resolve("var/lib/dpkg"), "-W", "-f=" + format,
        "oneinfra-agent")).expectSuccess().stdout();
  }

  /** Stands in for a generated PKI: what matters is that package operations leave it alone. */
  private Path writePki() throws IOException {
    Path pki = Files.createDirectories(root.resolve("var/lib/oneinfra-agent/pki"));
    Path key = pki.resolve("client.key");
    Files.writeString(key, "not a real key", StandardCharsets.US_ASCII);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    return key;
  }

  /** The same package as version 0.0.1: what the host had before this build. */
  private Path previousBuild() {
    Path tree = work.resolve("previous");
    Command.run(List.of(dpkgDeb, "--raw-extract", Packages.DEB.toString(), tree.toString())).expectSuccess();
    try {
      Path control = tree.resolve("DEBIAN/control");
      Files.writeString(control, Files.readString(control).replace("Version: " + Packages.DEB_VERSION + "\n",
          "Version: 0.0.1\n"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path deb = work.resolve("oneinfra-agent_0.0.1_all.deb");
    Command.run(List.of(dpkgDeb, "--root-owner-group", "-Zgzip", "--build", tree.toString(), deb.toString()))
        .expectSuccess();
    return deb;
  }
}
