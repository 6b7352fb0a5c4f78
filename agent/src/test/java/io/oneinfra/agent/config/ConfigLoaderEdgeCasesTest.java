package io.oneinfra.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Empty config files give the defaults; unknown keys are reported at their own line. */
class ConfigLoaderEdgeCasesTest {
  private final ConfigLoader loader = new ConfigLoader();

  private AgentConfig parse(String yaml) throws ConfigException {
    return loader.parse("test.yaml", new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
  }

  /** An empty or comment-only file fails with "No content to map due to end-of-input" instead of giving defaults. */
  @ParameterizedTest
  @ValueSource(strings = {"", "# only a comment\n", "\n\n"})
  void emptyOrCommentOnlyFileGivesDefaults(String yaml) throws Exception {
    assertThat(parse(yaml).stateDir()).isEqualTo(Path.of("/var/lib/oneinfra-agent"));
  }

  /** The reported line is where the unknown key's value ends (plus YAML look-ahead), not the key's line. */
  @Test
  void unknownTopLevelKeyReportsItsOwnLine() {
    assertThatExceptionOfType(ConfigException.class)
        .isThrownBy(() -> parse("stateDir: /tmp/x\nstateDirectory: /tmp/y\nproxy: {}\n"))
        .withMessageStartingWith("test.yaml:2:");
  }

  @Test
  void unknownNestedKeyReportsItsOwnLine() {
    assertThatExceptionOfType(ConfigException.class)
        .isThrownBy(() -> parse("proxy:\n  backend: unix:/run/x.sock\n  listn: 127.0.0.1:1\n"))
        .withMessageStartingWith("test.yaml:3:");
  }

  @Test
  void unknownKeyFollowedByBlankLinesReportsItsOwnLine() {
    assertThatExceptionOfType(ConfigException.class)
        .isThrownBy(() -> parse("stateDirectory: /x\n\n\nproxy: {}\n"))
        .withMessageStartingWith("test.yaml:1:");
  }
}
