package io.oneinfra.tests.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Samples per measurement and contender, one per round, rendered as a Markdown table of medians and spreads. */
final class Results {
  /** Ours in {@code l4} mode: raw bytes relayed. */
  static final String OURS = "ours";
  /** Ours in {@code cri} mode: the CRI gateway (HTTP/2 terminated, each call authorized, audited, counted). */
  static final String OURS_CRI = "ours cri";
  static final String HAPROXY = "haproxy";
  static final String DIRECT = "direct";
  static final List<String> CONTENDERS = List.of(OURS, OURS_CRI, HAPROXY, DIRECT);

  /** One row: a measurement with its unit and which contenders it applies to. */
  record Row(String name, String unit, List<String> contenders, Map<String, List<Double>> samples) {}

  private final Map<String, Row> rows = new LinkedHashMap<>();

  /** Declares a row (in table order) that {@code contenders} must fill. */
  void declare(String name, String unit, String... contenders) {
    Map<String, List<Double>> samples = new LinkedHashMap<>();
    for (String contender : contenders) {
      samples.put(contender, new ArrayList<>());
    }
    rows.put(name, new Row(name, unit, List.of(contenders), samples));
  }

  synchronized void add(String name, String contender, double value) {
    Row row = rows.get(name);
    if (row == null || !row.samples().containsKey(contender)) {
      throw new IllegalArgumentException("undeclared " + name + " / " + contender);
    }
    row.samples().get(contender).add(value);
  }

  List<Row> rows() {
    return List.copyOf(rows.values());
  }

  static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static String format(double value) {
    double abs = Math.abs(value);
    if (abs >= 100) {
      return String.format(Locale.ROOT, "%.0f", value);
    } else if (abs >= 10) {
      return String.format(Locale.ROOT, "%.1f", value);
    } else if (abs >= 1) {
      return String.format(Locale.ROOT, "%.2f", value);
    }
    return String.format(Locale.ROOT, "%.3f", value);
  }

  private static String cell(List<Double> values) {
    if (values.isEmpty()) {
      return "—";
    }
    double min = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    double max = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    return values.size() == 1 ? format(values.get(0))
        : format(median(values)) + " (" + format(min) + "–" + format(max) + ")";
  }

  private static String ratio(Row row, String one, String other) {
    List<Double> ours = row.samples().get(one);
    List<Double> theirs = row.samples().get(other);
    if (ours == null || theirs == null || ours.isEmpty() || theirs.isEmpty()) {
      return "—";
    }
    if (median(theirs) <= 0 || median(ours) < 0) { // "added" latency below zero: a ratio would mean nothing
      return "—";
    }
    return String.format(Locale.ROOT, "%.2f×", median(ours) / median(theirs));
  }

  /** The table: median (min–max) per contender, and ratios of medians. */
  String markdown() {
    StringBuilder out = new StringBuilder();
    out.append("| measurement | unit | ours | ours cri | haproxy | direct | ours/haproxy | ours/direct | cri/ours |\n");
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Row row : rows.values()) {
      out.append("| ").append(row.name()).append(" | ").append(row.unit());
      for (String contender : CONTENDERS) {
        List<Double> values = row.samples().get(contender);
        out.append(" | ").append(values == null ? "—" : cell(values));
      }
      out.append(" | ").append(ratio(row, OURS, HAPROXY)).append(" | ").append(ratio(row, OURS, DIRECT))
          .append(" | ").append(ratio(row, OURS_CRI, OURS)).append(" |\n");
    }
    return out.toString();
  }

  static double percentile(long[] sortedNanos, double p) {
    int index = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
    return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, index))] / 1000.0;
  }

  static long[] sorted(long[] values) {
    long[] copy = values.clone();
    Arrays.sort(copy);
    return copy;
  }
}
