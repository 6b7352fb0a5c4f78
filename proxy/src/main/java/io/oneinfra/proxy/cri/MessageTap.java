package io.oneinfra.proxy.cri;

import io.netty.buffer.ByteBuf;
import java.util.Map;

/**
 * Follows the gRPC length-prefixed messages inside one direction of a call as its DATA frames pass: checks each
 * declared length against a cap, and keeps the first bytes of the first message for the audit record. It never
 * holds up or changes the bytes it sees.
 */
final class MessageTap {
  private static final int PREFIX = 5;

  private final long maxMessage;
  private final int captureLimit;
  private final byte[] prefix = new byte[PREFIX];
  private int prefixRead;
  private long remaining;
  private int messages;
  private byte[] captured;
  private int capturedLength;
  private boolean compressed;

  /**
   * @param maxMessage the largest length a message may declare
   * @param captureLimit bytes of the first message to keep (0: none)
   */
  MessageTap(long maxMessage, int captureLimit) {
    this.maxMessage = maxMessage;
    this.captureLimit = captureLimit;
  }

  /**
   * Looks at the next bytes of the stream.
   *
   * @return the length a message declared beyond the cap, or -1 when all is within it
   */
  long accept(ByteBuf data) {
    int i = data.readerIndex();
    int end = data.writerIndex();
    while (i < end) {
      if (prefixRead < PREFIX) {
        prefix[prefixRead++] = data.getByte(i++);
        if (prefixRead == PREFIX) {
          long length = ((prefix[1] & 0xffL) << 24) | ((prefix[2] & 0xff) << 16) | ((prefix[3] & 0xff) << 8)
              | (prefix[4] & 0xff);
          if (length > maxMessage) {
            return length;
          }
          startMessage(length);
        }
        continue;
      }
      int n = (int) Math.min(remaining, end - i);
      if (captured != null && messages == 1 && capturedLength < captured.length) {
        int copy = Math.min(n, captured.length - capturedLength);
        data.getBytes(i, captured, capturedLength, copy);
        capturedLength += copy;
      }
      i += n;
      remaining -= n;
      if (remaining == 0) {
        prefixRead = 0;
      }
    }
    return -1;
  }

  private void startMessage(long length) {
    messages++;
    remaining = length;
    if (messages == 1) {
      compressed = prefix[0] != 0;
      if (captureLimit > 0 && !compressed) {
        captured = new byte[(int) Math.min(length, captureLimit)];
      }
    }
    if (length == 0) {
      prefixRead = 0;
    }
  }

  /** Reads {@code fields} from what was kept of the first message into the record's fields. */
  void readFirst(ProtoFields fields, Map<String, String> out) {
    if (fields != null && captured != null) {
      fields.read(captured, 0, capturedLength, out);
    }
  }

  /** Whether the first message was compressed (and so not read). */
  boolean compressed() {
    return compressed;
  }
}
