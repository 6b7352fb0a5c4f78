package io.oneinfra.tests.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AptSourcesTest {
  private static final String DEB822 = """
      Types: deb
      # http://snapshot.debian.org/archive/debian/20250520T000000Z
      URIs: http://mirror.example/debian
      Suites: bookworm bookworm-updates
      Components: main
      Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

      Types: deb
      URIs: http://mirror.example/debian-security
      Suites: bookworm-security
      Components: main
      """;

  @TempDir
  Path apt;

  @Test
  void takesTheFirstEnabledDebStanzaOfTheSuiteWithItsKeyring() {
    assertThat(AptSources.fromDeb822(DEB822, "bookworm")).contains(new AptSources.Mirror(
        "http://mirror.example/debian", Optional.of("/usr/share/keyrings/debian-archive-keyring.gpg")));
    assertThat(AptSources.fromDeb822(DEB822, "bookworm-security")).map(AptSources.Mirror::uri)
        .contains("http://mirror.example/debian-security");
  }

  @Test
  void skipsDisabledAndSourceOnlyStanzas() {
    String text = "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\n"
        + "Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nEnabled: no\n\n"
        + "Types: deb deb-src\nURIs: http://on.example/debian\nSuites: bookworm\n";
    assertThat(AptSources.fromDeb822(text, "bookworm")).map(AptSources.Mirror::uri)
        .contains("http://on.example/debian");
  }

  @Test
  void readsTheOneLineStyleWithOptions() {
    String text = "# deb http://old.example/debian bookworm main\n"
        + "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main\n";
    assertThat(AptSources.fromOneLineStyle(text, "bookworm")).map(AptSources.Mirror::uri)
        .contains("http://mirror.example/debian");
  }

  @Test
  void prefersSourcesFilesOverSourcesList() throws Exception {
    Files.createDirectories(apt.resolve("sources.list.d"));
    Files.writeString(apt.resolve("sources.list.d/debian.sources"), DEB822);
    Files.writeString(apt.resolve("sources.list"), "deb http://list.example/debian bookworm main\n");
    assertThat(AptSources.mirror(apt, "bookworm").uri()).isEqualTo("http://mirror.example/debian");
  }

  @Test
  void failsNamingTheFilesWhenNoSourceHasTheSuite() throws Exception {
    Files.writeString(apt.resolve("sources.list"), "deb http://list.example/debian trixie main\n");
    assertThatIllegalStateException().isThrownBy(() -> AptSources.mirror(apt, "bookworm"))
        .withMessageContaining("no enabled 'deb' source for suite bookworm")
        .withMessageContaining(apt.resolve("sources.list").toString());
  }

  @Test
  void readsThisMachinesOwnMirror() {
    assertThat(AptSources.mirror(Path.of("/etc/apt"), DebianRoot.SUITE).uri()).matches("(https?|file):.*");
  }
}
