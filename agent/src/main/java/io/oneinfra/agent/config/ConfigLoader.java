package io.oneinfra.agent.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.oneinfra.proxy.Address;
import io.oneinfra.proxy.cri.CriMethods;
import java.util.Arrays;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Reads the agent's YAML config; every error names the file, line and key, and says what is wrong. */
public final class ConfigLoader {
  /** Name of the default configuration embedded in the jar. */
  public static final String EMBEDDED_DEFAULT = "embedded default";
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)?");

  private final ObjectMapper mapper;

  public ConfigLoader() {
    SimpleModule types = new SimpleModule("oneinfra-agent")
        .addDeserializer(Duration.class, new DurationDeserializer())
        .addDeserializer(Address.class, new AddressDeserializer())
        .addDeserializer(DataSize.class, new DataSizeDeserializer())
        .addDeserializer(CriMethods.Profile.class, new ProfileDeserializer());
    mapper = JsonMapper.builder(new YAMLFactory())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
        .addModule(types)
        .build();
  }

  /** Loads and validates {@code file}. */
  public AgentConfig load(Path file) throws ConfigException {
    try (InputStream in = Files.newInputStream(file)) {
      return parse(file.toString(), in);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Loads the default embedded in the jar: a local state dir, the proxy on 127.0.0.1. */
  public AgentConfig loadEmbeddedDefault() throws ConfigException {
    try (InputStream in = ConfigLoader.class.getResourceAsStream("default-agent.yaml")) {
      if (in == null) {
        throw new ConfigException(EMBEDDED_DEFAULT + ": missing from the jar");
      }
      return parse(EMBEDDED_DEFAULT, in);
    } catch (IOException e) {
      throw new ConfigException(EMBEDDED_DEFAULT + ": " + e.getMessage(), e);
    }
  }

  /** Parses YAML text; {@code source} names it in errors. */
  public AgentConfig parse(String source, InputStream yaml) throws ConfigException {
    String text;
    try {
      text = new String(yaml.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(source + ": cannot read: " + e.getMessage(), e);
    }
    if (text.lines().allMatch(line -> line.isBlank() || line.strip().startsWith("#"))) {
      return AgentConfig.defaults(); // an empty file means "all defaults", as an empty document does
    }
    try {
      AgentConfig config = mapper.readValue(text, AgentConfig.class);
      if (config == null) {
        config = AgentConfig.defaults();
      }
      config.proxySettings(); // validate now, not at first use
      return config;
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream().map(String::valueOf)
          .sorted().collect(Collectors.joining(", ", " (known keys: ", ")"));
      throw new ConfigException(source + lineOf(text, e.getPropertyName()) + ": unknown key '" + path(e) + "'" + known,
          e);
    } catch (ValueInstantiationException e) {
      String message = e.getCause() != null ? e.getCause().getMessage() : e.getOriginalMessage();
      throw new ConfigException(where(source, e.getLocation()) + firstLine(message), e);
    } catch (InvalidFormatException e) {
      throw new ConfigException(where(source, e.getLocation()) + path(e) + ": '" + e.getValue() + "' is not a valid "
          + e.getTargetType().getSimpleName().toLowerCase(Locale.ROOT), e);
    } catch (JsonProcessingException e) {
      throw new ConfigException(where(source, e.getLocation()) + keyPrefix(e) + firstLine(e.getOriginalMessage()), e);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e);
    }
  }

  // Jackson reports an unknown key where it stopped skipping its value, so find the key's own line.
  private static String lineOf(String text, String key) {
    Pattern line = Pattern.compile("^[ \\t-]*\"?" + Pattern.quote(key) + "\"?[ \\t]*:", Pattern.MULTILINE);
    Matcher m = line.matcher(text);
    return m.find() ? ":" + (text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1) : "";
  }

  private static String where(String source, JsonLocation location) {
    return location == null || location.getLineNr() < 0
        ? source + ": "
        : source + ":" + location.getLineNr() + ":" + location.getColumnNr() + ": ";
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
        .collect(Collectors.joining("."));
  }

  private static String keyPrefix(JsonProcessingException e) {
    if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
      String key = path(mapping);
      String message = String.valueOf(e.getOriginalMessage());
      return message.startsWith(key + ":") || message.startsWith(key + ".") ? "" : key + ": ";
    }
    return "";
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "invalid value";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** Reads {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, or {@code 0}. */
  static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches() || (m.group(2) == null && !m.group(1).equals("0"))) {
      throw new IllegalArgumentException("'" + text + "' is not a duration; want e.g. 500ms, 10s, 5m, 1h, 90d or 0");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2) == null ? "s" : m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> Duration.ofSeconds(n);
    };
  }

  private static String currentKey(JsonParser p) throws IOException {
    return p.getParsingContext().pathAsPointer().toString().substring(1).replace('/', '.');
  }

  private static final class DurationDeserializer extends JsonDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      try {
        return parseDuration(p.getValueAsString(p.getText()));
      } catch (IllegalArgumentException e) {
        throw JsonMappingException.from(p, currentKey(p) + ": " + e.getMessage(), e);
      }
    }
  }

  private static final class AddressDeserializer extends JsonDeserializer<Address> {
    @Override
    public Address deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      try {
        return Address.parse(currentKey(p), p.getValueAsString(p.getText()));
      } catch (IllegalArgumentException e) {
        throw JsonMappingException.from(p, e.getMessage(), e);
      }
    }
  }

  private static final class DataSizeDeserializer extends JsonDeserializer<DataSize> {
    @Override
    public DataSize deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      try {
        return DataSize.parse(p.getValueAsString(p.getText()));
      } catch (IllegalArgumentException e) {
        throw JsonMappingException.from(p, currentKey(p) + ": " + e.getMessage(), e);
      }
    }
  }

  private static final class ProfileDeserializer extends JsonDeserializer<CriMethods.Profile> {
    @Override
    public CriMethods.Profile deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      String text = p.getValueAsString(p.getText());
      for (CriMethods.Profile profile : CriMethods.Profile.values()) {
        if (profile.configName().equalsIgnoreCase(text)) {
          return profile;
        }
      }
      throw JsonMappingException.from(p, currentKey(p) + ": '" + text + "' is not a profile; want one of "
          + Arrays.stream(CriMethods.Profile.values()).map(CriMethods.Profile::configName).toList());
    }
  }
}
