package io.oneinfra.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** Where the build put the packages and the unit (system properties set by the packaging pom). */
final class Packages {
  static final Path DEB = file("deb.file");
  static final Path RPM = file("rpm.file");
  static final Path UNIT = file("systemd.dir").resolve("oneinfra-agent.service");
  static final Path SOCKET = file("systemd.dir").resolve("oneinfra-agent.socket");
  /** The repository's monitoring/ folder and the files of it both packages ship. */
  static final Path MONITORING = file("monitoring.dir");
  static final List<String> MONITORING_FILES = List.of(System.getProperty("monitoring.files").split(","));
  static final String MONITORING_PREFIX = "usr/share/oneinfra-agent/monitoring";
  static final String DEB_VERSION = System.getProperty("deb.version");
  static final String RPM_VERSION = System.getProperty("rpm.version");
  static final String RPM_RELEASE = System.getProperty("rpm.release");
  /** join's cluster side, shipped in both packages under /usr/share/oneinfra-agent/kubernetes. */
  static final Path KUBERNETES = file("kubernetes.dir");
  static final List<String> KUBERNETES_MANIFESTS = List.of("admission.yaml", "bootstrap.yaml", "cluster-info.yaml",
      "hypervisors.yaml");

  private Packages() {}

  private static Path file(String property) {
    String value = System.getProperty(property);
    assertThat(value).as("system property %s (set by packaging/pom.xml)", property).isNotBlank();
    Path path = Path.of(value);
    assertThat(path).as("%s: run mvn package first", property).exists();
    return path;
  }

  /** Asserts that {@code root} holds exactly the shipped monitoring files, 0644 root:root, as in the repository. */
  static void assertMonitoringFilesInstalled(Path root) throws IOException {
    Path installed = root.resolve(MONITORING_PREFIX);
    try (var list = Files.list(installed)) {
      assertThat(list.map(file -> file.getFileName().toString()).toList())
          .containsExactlyInAnyOrderElementsOf(MONITORING_FILES);
    }
    assertThat(modeAndOwner(installed)).isEqualTo("rwxr-xr-x root:root");
    for (String name : MONITORING_FILES) {
      assertThat(modeAndOwner(installed.resolve(name))).as(name).isEqualTo("rw-r--r-- root:root");
      assertThat(installed.resolve(name)).hasSameBinaryContentAs(MONITORING.resolve(name));
    }
  }

  /** {@code "rwxr-xr-x root:root"} for a path, not following a final symlink. */
  static String modeAndOwner(Path path) throws IOException {
    PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    return PosixFilePermissions.toString(attributes.permissions()) + " " + attributes.owner().getName() + ":"
        + attributes.group().getName();
  }
}
