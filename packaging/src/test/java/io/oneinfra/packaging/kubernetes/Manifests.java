package io.oneinfra.packaging.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Every object of the shipped manifests (packaging/src/main/packaging/kubernetes/*.yaml), with its file. */
final class Manifests {
  /** One object and the file it came from. */
  record Item(Path file, JsonNode object) {
    String kind() {
      return object.path("kind").asText();
    }

    String name() {
      return object.path("metadata").path("name").asText();
    }
  }

  static final Path DIR = Path.of(System.getProperty("kubernetes.dir", "src/main/packaging/kubernetes"));
  private static final YAMLMapper YAML = new YAMLMapper();

  private Manifests() {}

  /** All objects of all files, in file and document order. */
  static List<Item> all() throws IOException {
    List<Item> items = new ArrayList<>();
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path file : files.sorted().toList()) {
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
          while (docs.hasNext()) {
            JsonNode doc = docs.next();
            if (doc != null && !doc.isEmpty()) {
              items.add(new Item(file, doc));
            }
          }
        }
      }
    }
    assertThat(items).as("objects in %s", DIR).isNotEmpty();
    return items;
  }

  /** The one object of {@code kind} named {@code name}. */
  static JsonNode one(String kind, String name) throws IOException {
    List<JsonNode> found = all().stream().filter(i -> i.kind().equals(kind) && i.name().equals(name))
        .map(Item::object).toList();
    assertThat(found).as("%s %s in %s", kind, name, DIR).hasSize(1);
    return found.get(0);
  }
}
