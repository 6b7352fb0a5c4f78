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

  /** {@code "rwxr-xr-x root:root"} for a path, not following a final symlink. */
  static String modeAndOwner(Path path) throws IOException {
    PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    return PosixFilePermissions.toString(attributes.permissions()) + " " + attributes.owner().getName() + ":"
        + attributes.group().getName();
  }
}
