package io.oneinfra.agent.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

/** Writes and reads the Hypervisor manifest as YAML that {@code kubectl apply -f -} accepts. */
public final class ManifestCodec {
  private static final ObjectMapper YAML = JsonMapper.builder(YAMLFactory.builder()
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS) // a name "123" must stay a string
          .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE) // PEMs as readable blocks
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .build())
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // a manifest read back may carry status
      .build();

  private ManifestCodec() {}

  public static String toYaml(HypervisorManifest manifest) {
    try {
      return YAML.writeValueAsString(manifest);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("manifest: cannot render: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Parses a manifest.
   *
   * @throws IllegalArgumentException when it is not a Hypervisor manifest
   */
  public static HypervisorManifest parse(String yaml) {
    HypervisorManifest manifest;
    try {
      manifest = YAML.readValue(yaml, HypervisorManifest.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("manifest: not valid YAML: " + e.getOriginalMessage(), e);
    }
    if (manifest == null || !HypervisorManifest.API_VERSION.equals(manifest.apiVersion())
        || !HypervisorManifest.KIND.equals(manifest.kind())) {
      throw new IllegalArgumentException("manifest: not a " + HypervisorManifest.API_VERSION + " "
          + HypervisorManifest.KIND);
    }
    return manifest;
  }
}
