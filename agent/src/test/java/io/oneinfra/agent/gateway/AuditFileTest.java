package io.oneinfra.agent.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditFileTest {
  @TempDir
  Path tmp;

  @Test
  void createsAPrivateDirectoryAndFile() throws Exception {
    Path file = tmp.resolve("audit/cri-audit.log");
    try (AuditFile audit = new AuditFile(file, 4096, 2)) {
      audit.write("{}");
      audit.flush();
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readString(file)).isEqualTo("{}\n");
  }

  @Test
  void rotatesBySizeKeepingTheNewestFiles() throws Exception {
    Path file = tmp.resolve("a.log");
    String line = "x".repeat(99); // 100 bytes with its newline
    try (AuditFile audit = new AuditFile(file, 300, 3)) {
      for (int i = 0; i < 14; i++) {
        audit.write(line.substring(0, 97) + String.format("%02d", i));
      }
      audit.flush();
    }
    assertThat(Files.readAllLines(file)).hasSize(2).last().asString().endsWith("13");
    assertThat(Files.readAllLines(tmp.resolve("a.log.1"))).hasSize(3).first().asString().endsWith("09");
    assertThat(Files.readAllLines(tmp.resolve("a.log.2"))).first().asString().endsWith("06");
    assertThat(Files.readAllLines(tmp.resolve("a.log.3"))).first().asString().endsWith("03");
    assertThat(tmp.resolve("a.log.4")).doesNotExist();
    for (Path p : new Path[] {file, tmp.resolve("a.log.1"), tmp.resolve("a.log.3")}) {
      assertThat(Files.size(p)).isLessThanOrEqualTo(300);
    }
  }

  @Test
  void appendsToAnExistingFile() throws Exception {
    Path file = tmp.resolve("b.log");
    Files.writeString(file, "old\n");
    try (AuditFile audit = new AuditFile(file, 4096, 1)) {
      audit.write("new");
    }
    assertThat(Files.readAllLines(file)).containsExactly("old", "new");
  }
}
