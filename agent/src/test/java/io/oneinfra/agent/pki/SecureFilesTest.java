package io.oneinfra.agent.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIOException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SecureFilesTest {
  @TempDir
  Path dir;

  private static String mode(Path file) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }

  private List<Path> listing() throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    }
  }

  private Path withMode(String name, String mode) throws Exception {
    Path file = Files.writeString(dir.resolve(name), "secret");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    return file;
  }

  @Test
  void writeAtomicallyCreatesFileWithContent() throws Exception {
    Path target = dir.resolve("a.crt");

    SecureFiles.writeAtomically(target, "hello\n", false);

    assertThat(target).hasContent("hello");
    assertThat(Files.readString(target, StandardCharsets.US_ASCII)).isEqualTo("hello\n");
  }

  @Test
  void writeAtomicallyReplacesExistingContent() throws Exception {
    Path target = Files.writeString(dir.resolve("a.crt"), "old content that is longer than the new one");

    SecureFiles.writeAtomically(target, "new", false);

    assertThat(Files.readString(target)).isEqualTo("new");
  }

  @Test
  void writeAtomicallyLeavesNoTempFiles() throws Exception {
    Path target = dir.resolve("a.key");

    SecureFiles.writeAtomically(target, "one", true);
    SecureFiles.writeAtomically(target, "two", true);

    assertThat(listing()).containsExactly(target);
  }

  @Test
  void secretFileGetsMode0600() throws Exception {
    Path target = dir.resolve("a.key");

    SecureFiles.writeAtomically(target, "k", true);

    assertThat(mode(target)).isEqualTo("rw-------");
  }

  @Test
  void publicFileGetsMode0644() throws Exception {
    Path target = dir.resolve("a.crt");

    SecureFiles.writeAtomically(target, "c", false);

    assertThat(mode(target)).isEqualTo("rw-r--r--");
  }

  @Test
  void replacingAPublicFileWithASecretTightensItsMode() throws Exception {
    Path target = withMode("a.key", "rw-r--r--");

    SecureFiles.writeAtomically(target, "k", true);

    assertThat(mode(target)).isEqualTo("rw-------");
  }

  @Test
  void failedWriteNamesTargetAndLeavesNoTempFile() throws Exception {
    Path target = Files.createDirectory(dir.resolve("occupied"));
    Files.writeString(target.resolve("inside"), "x");

    assertThatIOException().isThrownBy(() -> SecureFiles.writeAtomically(target, "k", true))
        .withMessageStartingWith("pki: cannot write " + target);
    assertThat(listing()).containsExactly(target);
  }

  @Test
  void createPrivateDirectoryCreatesParentsWithMode0700() throws Exception {
    Path nested = dir.resolve("a/b");

    SecureFiles.createPrivateDirectory(nested);

    assertThat(mode(nested)).isEqualTo("rwx------");
    assertThat(mode(dir.resolve("a"))).isEqualTo("rwx------");
  }

  @Test
  void createPrivateDirectoryLeavesExistingDirectoryAlone() throws Exception {
    Path existing = Files.createDirectory(dir.resolve("d"));
    Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rwxr-xr-x"));

    SecureFiles.createPrivateDirectory(existing);

    assertThat(mode(existing)).isEqualTo("rwxr-xr-x");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-------", "r--------", "rwx------"})
  void checkPrivateAcceptsOwnerOnlyModes(String mode) throws Exception {
    Path key = withMode("a.key", mode);

    assertThatCode(() -> SecureFiles.checkPrivate(key)).doesNotThrowAnyException();
  }

  @Test
  void checkPrivateRejectsWorldReadableKeyNamingFileAndMode() throws Exception {
    Path key = withMode("a.key", "rw-r--r--");

    assertThatIOException().isThrownBy(() -> SecureFiles.checkPrivate(key))
        .withMessage("pki: " + key + " is accessible by others (mode 0644); want 0600");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-r-----", "rw--w----", "rw-----w-", "rw----r--"})
  void checkPrivateRejectsAnyGroupOrOtherReadWrite(String mode) throws Exception {
    Path key = withMode("a.key", mode);

    assertThatIOException().isThrownBy(() -> SecureFiles.checkPrivate(key))
        .withMessageContaining(key.toString());
  }

  @Test
  void checkPrivateRejectsMissingFile() {
    assertThatIOException().isThrownBy(() -> SecureFiles.checkPrivate(dir.resolve("missing.key")));
  }

  @Test
  void octalFormatsModes() {
    assertThat(SecureFiles.octal(PosixFilePermissions.fromString("rw-r-----"))).isEqualTo("0640");
    assertThat(SecureFiles.octal(PosixFilePermissions.fromString("rwxr-xr-x"))).isEqualTo("0755");
    assertThat(SecureFiles.octal(PosixFilePermissions.fromString("---------"))).isEqualTo("0000");
  }
}
