package io.oneinfra.proxy.cri;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads named string fields out of protobuf bytes, by field number and nesting only (no schema, no generated code).
 * Lenient: a truncated or malformed message yields what was read before the damage, never an exception.
 */
final class ProtoFields {
  /** Longest value kept, in characters: ids, names and image references are far shorter. */
  static final int MAX_VALUE = 512;

  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LENGTH_DELIMITED = 2;
  private static final int FIXED32 = 5;

  private final Map<Integer, String> leaves = new HashMap<>();
  private final Map<Integer, ProtoFields> nested = new HashMap<>();

  /** Field {@code number} is a string to record under {@code key}. */
  ProtoFields leaf(int number, String key) {
    leaves.put(number, key);
    return this;
  }

  /** Field {@code number} is a message whose fields {@code fields} describes. */
  ProtoFields nested(int number, ProtoFields fields) {
    nested.put(number, fields);
    return this;
  }

  /** Adds the named fields found in {@code bytes[from, to)} to {@code out} (the first occurrence wins). */
  void read(byte[] bytes, int from, int to, Map<String, String> out) {
    int[] pos = {from};
    while (pos[0] < to) {
      long tag = varint(bytes, pos, to);
      if (tag < 0) {
        return;
      }
      int number = (int) (tag >>> 3);
      int type = (int) (tag & 7);
      switch (type) {
        case VARINT -> {
          if (varint(bytes, pos, to) < 0) {
            return;
          }
        }
        case FIXED64 -> pos[0] += 8;
        case FIXED32 -> pos[0] += 4;
        case LENGTH_DELIMITED -> {
          long length = varint(bytes, pos, to);
          if (length < 0 || length > to - pos[0]) {
            readTruncated(bytes, pos[0], to, number, out);
            return;
          }
          int start = pos[0];
          int end = start + (int) length;
          String key = leaves.get(number);
          if (key != null) {
            out.putIfAbsent(key, text(bytes, start, end));
          } else if (nested.containsKey(number)) {
            nested.get(number).read(bytes, start, end, out);
          }
          pos[0] = end;
        }
        default -> {
          return; // groups and unknown wire types: stop rather than guess
        }
      }
    }
  }

  // The capture may end inside a nested message; its leading fields are still worth reading.
  private void readTruncated(byte[] bytes, int from, int to, int number, Map<String, String> out) {
    ProtoFields inner = nested.get(number);
    if (inner != null) {
      inner.read(bytes, from, to, out);
    }
  }

  private static String text(byte[] bytes, int from, int to) {
    String value = new String(bytes, from, Math.min(to - from, MAX_VALUE * 4), StandardCharsets.UTF_8);
    return value.length() > MAX_VALUE ? value.substring(0, MAX_VALUE) : value;
  }

  /** A varint at {@code pos[0]}, advancing it; -1 when truncated or longer than 10 bytes. */
  private static long varint(byte[] bytes, int[] pos, int to) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos[0] >= to) {
        return -1;
      }
      byte b = bytes[pos[0]++];
      value |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return value;
      }
    }
    return -1;
  }
}
