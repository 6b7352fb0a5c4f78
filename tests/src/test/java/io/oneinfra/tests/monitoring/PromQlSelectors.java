package io.oneinfra.tests.monitoring;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The vector selectors of a PromQL expression, found by a small lexer: enough to learn which metric names rules and
 * dashboard queries use. Whether an expression is valid is for Prometheus' own parser (promtool, the query API).
 */
final class PromQlSelectors {
  /** Words that are never metric names where they stand: operators, aggregations, modifiers, number words. */
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan",
      "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
      "quantile", "limitk", "limit_ratio");
  /** Modifiers followed by a parenthesised list of label names. */
  private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left",
      "group_right");

  /** A label matcher as written, e.g. {@code instance=~"$instance"}. */
  record Matcher(String label, String op, String value) {}

  /**
   * One vector selector.
   *
   * @param metric the name before the braces, or null when only {@code __name__} matchers select
   */
  record Selector(String metric, List<Matcher> matchers) {
    /** The label's matcher, or null. */
    Matcher matcher(String label) {
      return matchers.stream().filter(m -> m.label().equals(label)).findFirst().orElse(null);
    }
  }

  private final String text;
  private int at;

  private PromQlSelectors(String text) {
    this.text = text;
  }

  /** The selectors of {@code expression}, in order. */
  static List<Selector> of(String expression) {
    return new PromQlSelectors(expression).scan();
  }

  private List<Selector> scan() {
    List<Selector> selectors = new ArrayList<>();
    while (at < text.length()) {
      char c = text.charAt(at);
      if (c == '#') {
        skipTo('\n');
      } else if (c == '"' || c == '\'' || c == '`') {
        string();
      } else if (c == '[') {
        skipTo(']');
      } else if (c == '{') {
        selectors.add(new Selector(null, matchers()));
      } else if (Character.isDigit(c) || c == '.' && at + 1 < text.length() && Character.isDigit(text.charAt(at + 1))) {
        while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '.')) {
          at++; // a number or a duration such as 5m or 1h30m
        }
      } else if (Character.isLetter(c) || c == '_' || c == ':') {
        word(selectors);
      } else {
        at++;
      }
    }
    return selectors;
  }

  private void word(List<Selector> selectors) {
    int start = at;
    while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '_'
        || text.charAt(at) == ':')) {
      at++;
    }
    String word = text.substring(start, at);
    skipSpaces();
    char next = at < text.length() ? text.charAt(at) : 0;
    String lower = word.toLowerCase(Locale.ROOT);
    if (LABEL_LISTS.contains(lower)) {
      if (next == '(') {
        skipTo(')');
      }
    } else if (KEYWORDS.contains(lower) || next == '(') {
      return; // an operator, or a function or aggregation being called
    } else if (next == '{') {
      selectors.add(new Selector(word, matchers()));
    } else {
      selectors.add(new Selector(word, List.of()));
    }
  }

  /** Reads {@code {label op "value", ...}} from the opening brace to past the closing one. */
  private List<Matcher> matchers() {
    List<Matcher> matchers = new ArrayList<>();
    at++;
    while (true) {
      skipSpaces();
      if (at >= text.length()) {
        throw new IllegalArgumentException("unclosed { in: " + text);
      }
      char c = text.charAt(at);
      if (c == '}') {
        at++;
        return matchers;
      }
      if (c == ',') {
        at++;
        continue;
      }
      int start = at;
      while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '_')) {
        at++;
      }
      String label = text.substring(start, at);
      skipSpaces();
      int opStart = at;
      while (at < text.length() && "=!~".indexOf(text.charAt(at)) >= 0) {
        at++;
      }
      String op = text.substring(opStart, at);
      skipSpaces();
      if (label.isEmpty() || op.isEmpty() || at >= text.length() || "\"'`".indexOf(text.charAt(at)) < 0) {
        throw new IllegalArgumentException("cannot read the label matcher at offset " + start + " of: " + text);
      }
      matchers.add(new Matcher(label, op, string()));
    }
  }

  /** Reads a quoted string from its opening quote to past the closing one, returning its content unescaped. */
  private String string() {
    char quote = text.charAt(at++);
    StringBuilder value = new StringBuilder();
    while (at < text.length() && text.charAt(at) != quote) {
      if (text.charAt(at) == '\\' && quote != '`' && at + 1 < text.length()) {
        at++;
      }
      value.append(text.charAt(at++));
    }
    if (at >= text.length()) {
      throw new IllegalArgumentException("unclosed string in: " + text);
    }
    at++;
    return value.toString();
  }

  /** Moves past the next {@code end}, skipping over quoted strings. */
  private void skipTo(char end) {
    at++;
    while (at < text.length() && text.charAt(at) != end) {
      if ("\"'`".indexOf(text.charAt(at)) >= 0 && end != '\n') {
        string();
      } else {
        at++;
      }
    }
    at++;
  }

  private void skipSpaces() {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
      at++;
    }
  }
}
