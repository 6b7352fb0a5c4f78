package io.oneinfra.agent.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.agent.identity.HypervisorIdentity;
import io.oneinfra.agent.identity.Names;
import io.oneinfra.agent.identity.PortRange;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** An object name that looks like a number is quoted, so YAML readers (kubectl) read a string. */
class ManifestCodecNumericNameTest {

  private static Object nameAsAYamlReaderSeesIt(String name) throws Exception {
    String yaml = ManifestCodec.toYaml(HypervisorManifest.of(new HypervisorIdentity(name,
        InetAddress.getByName("10.0.0.7"), false, new PortRange(30000, 30100)), 7443, "ca", null));
    Map<?, ?> document = new Yaml().load(yaml);
    return ((Map<?, ?>) document.get("metadata")).get("name");
  }

  @Test
  void anAllDigitNameStaysAString() throws Exception {
    assertThat(Names.isValid("123")).isTrue();
    // actual: "name: 123" -> Integer 123 (kubectl: cannot unmarshal number into metadata.name of type string)
    assertThat(nameAsAYamlReaderSeesIt("123")).isEqualTo("123");
  }

  @Test
  void aDecimalLookingNameStaysAString() throws Exception {
    assertThat(Names.isValid("1.5")).isTrue();
    // actual: "name: 1.5" -> Double 1.5
    assertThat(nameAsAYamlReaderSeesIt("1.5")).isEqualTo("1.5");
  }
}
