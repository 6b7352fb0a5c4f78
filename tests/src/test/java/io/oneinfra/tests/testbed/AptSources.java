package io.oneinfra.tests.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** This machine's own Debian mirror, read from its apt sources (deb822 .sources files, then sources.list). */
final class AptSources {

  /** A mirror's URI and the keyring its sources entry names, if any. */
  record Mirror(String uri, Optional<String> keyring) {}

  private AptSources() {}

  /**
   * The first enabled {@code deb} entry for exactly {@code suite} (not {@code suite-security} or {@code -updates}).
   *
   * @param aptDir {@code /etc/apt}
   * @throws IllegalStateException naming the files read when none has such an entry
   */
  static Mirror mirror(Path aptDir, String suite) {
    List<Path> read = new ArrayList<>();
    try {
      Path parts = aptDir.resolve("sources.list.d");
      if (Files.isDirectory(parts)) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(parts, "*.sources")) {
          for (Path file : files) {
            read.add(file);
            Optional<Mirror> found = fromDeb822(Files.readString(file), suite);
            if (found.isPresent()) {
              return found.get();
            }
          }
        }
      }
      Path list = aptDir.resolve("sources.list");
      if (Files.exists(list)) {
        read.add(list);
        Optional<Mirror> found = fromOneLineStyle(Files.readString(list), suite);
        if (found.isPresent()) {
          return found.get();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read apt sources in " + aptDir, e);
    }
    throw new IllegalStateException("no enabled 'deb' source for suite " + suite + " in " + read
        + ": the booted test bed builds its Debian root from this machine's own mirror");
  }

  static Optional<Mirror> fromDeb822(String text, String suite) {
    for (String stanza : text.split("\n\\s*\n")) {
      Map<String, String> fields = new LinkedHashMap<>();
      for (String line : stanza.lines().toList()) {
        int colon = line.indexOf(':');
        if (!line.startsWith("#") && !line.startsWith(" ") && colon > 0) {
          fields.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
        }
      }
      boolean enabled = !fields.getOrDefault("enabled", "yes").equalsIgnoreCase("no");
      if (enabled && words(fields.get("types")).contains("deb") && words(fields.get("suites")).contains(suite)
          && !words(fields.get("uris")).isEmpty()) {
        String keyring = fields.get("signed-by");
        return Optional.of(new Mirror(words(fields.get("uris")).get(0),
            keyring != null && keyring.startsWith("/") ? Optional.of(keyring) : Optional.empty()));
      }
    }
    return Optional.empty();
  }

  static Optional<Mirror> fromOneLineStyle(String text, String suite) {
    for (String line : text.lines().map(String::trim).toList()) {
      // deb [option=value ...] URI SUITE COMPONENT...
      List<String> words = words(line.replaceFirst("^deb\\s+\\[[^]]*]", "deb"));
      if (words.size() >= 3 && words.get(0).equals("deb") && words.get(2).equals(suite)) {
        return Optional.of(new Mirror(words.get(1), Optional.empty()));
      }
    }
    return Optional.empty();
  }

  private static List<String> words(String value) {
    return value == null || value.isBlank() ? List.of() : Arrays.asList(value.trim().split("\\s+"));
  }
}
