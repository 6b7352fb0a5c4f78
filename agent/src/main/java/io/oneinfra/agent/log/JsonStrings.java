package io.oneinfra.agent.log;

/** JSON string quoting shared by the JSON log lines and the gateway's audit records. */
public final class JsonStrings {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonStrings() {}

  /**
   * Appends {@code text} as a JSON string: quote, backslash and newline escaped as such, other control characters
   * and the two line separators JavaScript ends lines at (U+2028, U+2029) as {@code \}{@code uXXXX}, so that a record
   * stays on one line for any reader. Runs of plain characters are copied at once: most values need no escape.
   */
  public static StringBuilder quote(StringBuilder out, String text) {
    out.append('"');
    int plainFrom = 0;
    int length = text.length();
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\' && c != 0x2028 && c != 0x2029) {
        continue;
      }
      out.append(text, plainFrom, i);
      plainFrom = i + 1;
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else {
        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
            .append(HEX[c & 0xf]);
      }
    }
    return out.append(text, plainFrom, length).append('"');
  }
}
