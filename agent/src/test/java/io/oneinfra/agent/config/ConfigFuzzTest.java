package io.oneinfra.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Bounded mutation fuzzing of the YAML config: any text either loads or fails with ConfigException (the documented
 * type, naming the source); nothing else escapes.
 */
class ConfigFuzzTest {
  private static final int ROUNDS = 30_000;

  @Test
  void anyTextLoadsOrFailsWithAConfigException() throws IOException {
    String seed;
    try (InputStream in = ConfigLoader.class.getResourceAsStream("default-agent.yaml")) {
      seed = new String(in.readAllBytes(), StandardCharsets.UTF_8) + """
          proxy:
            listen: 0.0.0.0:7443
            backend: unix:/run/containerd/containerd.sock
            maxConnections: 100
            handshakeTimeout: 10s
            transport: nio
          access:
            allow:
              commonNames: [oneinfra-client]
          status:
            listen: 127.0.0.1:7444
          log:
            level: info
            format: json
          """;
    }
    ConfigLoader loader = new ConfigLoader();
    SplittableRandom random = new SplittableRandom(20261124L);
    List<String> escaped = new ArrayList<>();
    int loaded = 0;
    int refused = 0;
    for (int round = 0; round < ROUNDS; round++) {
      String input = mutate(seed, random);
      try {
        loader.parse("fuzz.yaml", new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        loaded++;
      } catch (ConfigException expected) {
        refused++;
        assertThat(expected.getMessage()).startsWith("fuzz.yaml");
      } catch (RuntimeException | StackOverflowError e) {
        escaped.add(e + " for input:\n" + input);
      }
    }
    assertThat(escaped).as("undocumented exceptions").isEmpty();
    // both paths exercised, or the mutations are not reaching the loader's logic
    assertThat(loaded).isGreaterThan(ROUNDS / 20);
    assertThat(refused).isGreaterThan(ROUNDS / 20);
  }

  private static String mutate(String seed, SplittableRandom random) {
    StringBuilder text = new StringBuilder(seed);
    String[] tokens = {":", "\n", " ", "-", "[", "]", "{", "}", "'", "\"", "#", "&a", "*a", "!!int", "0", "-1",
        "99999999999999999999", "~", "null", "true", "0x10", "1e9", "\t", "? ", "| ", "> "};
    int edits = 1 + random.nextInt(6);
    for (int i = 0; i < edits && text.length() > 0; i++) {
      int at = random.nextInt(text.length());
      switch (random.nextInt(4)) {
        case 0 -> text.insert(at, tokens[random.nextInt(tokens.length)]);
        case 1 -> text.deleteCharAt(at);
        case 2 -> text.setCharAt(at, (char) (32 + random.nextInt(95)));
        default -> text.delete(at, Math.min(text.length(), at + random.nextInt(16)));
      }
    }
    return text.toString();
  }
}
