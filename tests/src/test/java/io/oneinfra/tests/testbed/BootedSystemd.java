package io.oneinfra.tests.testbed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** systemctl and journalctl of a {@link BootedDebian}, as an administrator on that machine uses them. */
public final class BootedSystemd {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BootedDebian machine;

  public BootedSystemd(BootedDebian machine) {
    this.machine = machine;
  }

  /** {@code systemctl ARGS}, whatever its exit code. */
  public BootedDebian.Result systemctl(String... args) {
    return machine.exec(TIMEOUT, prepend("systemctl", args));
  }

  /** The unit's properties by name ({@code systemctl show -p NAME ... UNIT}). */
  public Map<String, String> show(String unit, String... properties) {
    List<String> args = new ArrayList<>(List.of("show"));
    for (String property : properties) {
      args.add("--property=" + property);
    }
    args.add(unit);
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : systemctl(args.toArray(String[]::new)).requireSuccess().stdout().lines().toList()) {
      int equals = line.indexOf('=');
      if (equals > 0) {
        values.put(line.substring(0, equals), line.substring(equals + 1));
      }
    }
    return values;
  }

  /** One property of the unit, e.g. {@code MainPID}. */
  public String property(String unit, String property) {
    return show(unit, property).getOrDefault(property, "");
  }

  /** Waits until the unit's property has {@code value}; throws with the unit's status after {@code timeout}. */
  public void awaitProperty(String unit, String property, String value, Duration timeout) {
    Poll.until(timeout, unit + " " + property + "=" + value, () -> property(unit, property).equals(value),
        () -> systemctl("status", "--lines=30", unit).stdout());
  }

  /** {@code systemctl daemon-reload}, after a unit file or drop-in changed. */
  public void daemonReload() {
    systemctl("daemon-reload").requireSuccess();
  }

  /**
   * {@code journalctl --output=json ARGS}: one map per entry, field to value (a value journald stores as bytes,
   * such as a MESSAGE with control characters, decoded as UTF-8).
   */
  public List<Map<String, String>> journal(String... args) {
    List<String> command = new ArrayList<>(List.of("journalctl", "--output=json", "--no-pager"));
    command.addAll(List.of(args));
    String out = machine.exec(TIMEOUT, command.toArray(String[]::new)).requireSuccess().stdout();
    List<Map<String, String>> entries = new ArrayList<>();
    try {
      for (String line : out.lines().filter(line -> line.startsWith("{")).toList()) {
        Map<String, String> entry = new LinkedHashMap<>();
        JsonNode node = JSON.readTree(line);
        node.properties().forEach(field -> entry.put(field.getKey(), text(field.getValue())));
        entries.add(entry);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("journalctl printed something that is not JSON:\n" + out, e);
    }
    return entries;
  }

  /**
   * The entries {@code journal(args)} returns that came after {@code cursor}. Not journalctl's --after-cursor: with
   * field matches, systemd 252 drops the first matching entry after the cursor, so this reads from the cursor on
   * ({@code --cursor=}) and leaves out the cursor's own entry.
   */
  public List<Map<String, String>> journalAfter(String cursor, String... args) {
    List<String> all = new ArrayList<>(List.of("--cursor=" + cursor));
    all.addAll(List.of(args));
    return journal(all.toArray(String[]::new)).stream().filter(entry -> !cursor.equals(entry.get("__CURSOR")))
        .toList();
  }

  /** The journal's end now, for {@link #journalAfter}. */
  public String cursor() {
    String out = machine.exec(TIMEOUT, "journalctl", "--lines=0", "--show-cursor", "--no-pager").requireSuccess()
        .stdout();
    return out.lines().filter(line -> line.startsWith("-- cursor: ")).map(line -> line.substring(11).strip())
        .findFirst().orElseThrow(() -> new IllegalStateException("journalctl printed no cursor:\n" + out));
  }

  /** The MESSAGE of each entry {@code journal(args)} returns. */
  public List<String> messages(String... args) {
    return journal(args).stream().map(entry -> entry.getOrDefault("MESSAGE", "")).toList();
  }

  private static String text(JsonNode value) {
    if (!value.isArray() || value.isEmpty()) {
      return value.asText();
    }
    if (value.get(0).isTextual()) { // a field the entry carries more than once
      List<String> values = new ArrayList<>();
      value.forEach(item -> values.add(item.asText()));
      return String.join("\n", values);
    }
    byte[] bytes = new byte[value.size()];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) value.get(i).asInt();
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static String[] prepend(String first, String... rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }
}
