package io.oneinfra.tests.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/** Builds a one-layer docker-archive image holding busybox-static, since no registry is reachable. */
final class BusyboxImage {

  private static final String BUSYBOX = "/bin/busybox";
  private static final List<String> APPLETS = List.of("sh", "sleep", "cat", "echo", "true");
  private static final Duration TAR_TIMEOUT = Duration.ofSeconds(60);

  private BusyboxImage() {}

  /** Writes the image archive into {@code workDir} under the tag {@code repoTag} and returns its path. */
  static Path build(Path workDir, String repoTag) throws IOException {
    Path rootfs = Files.createDirectories(workDir.resolve("rootfs"));
    Path bin = Files.createDirectories(rootfs.resolve("bin"));
    Files.copy(Path.of(BUSYBOX), bin.resolve("busybox"));
    for (String applet : APPLETS) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    Path archiveDir = Files.createDirectories(workDir.resolve("archive"));
    Path layer = archiveDir.resolve("layer.tar");
    // Numeric root ownership so the layer does not depend on who runs the build.
    Commands.run(TAR_TIMEOUT, "tar", "--numeric-owner", "--owner=0", "--group=0",
        "-C", rootfs.toString(), "-cf", layer.toString(), "bin").requireSuccess();

    String config = """
        {"architecture":"amd64","os":"linux",\
        "config":{"Entrypoint":["/bin/sleep"],"Cmd":["2147483647"],"WorkingDir":"/"},\
        "rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}""".formatted(sha256(layer));
    String configName = sha256(config.getBytes(StandardCharsets.UTF_8)) + ".json";
    Files.writeString(archiveDir.resolve(configName), config);
    Files.writeString(archiveDir.resolve("manifest.json"),
        "[{\"Config\":\"%s\",\"RepoTags\":[\"%s\"],\"Layers\":[\"layer.tar\"]}]"
            .formatted(configName, repoTag));

    Path image = workDir.resolve("image.tar");
    Commands.run(TAR_TIMEOUT, "tar", "-C", archiveDir.toString(), "-cf", image.toString(),
        "manifest.json", configName, "layer.tar").requireSuccess();
    return image;
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest digest = newDigest();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(newDigest().digest(bytes));
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
