package io.oneinfra.tests.bench;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The bulk phase's payload: seeded pseudo-random bytes, and the CRC-32C of all of them, which the sink's must match.
 * Chunks are slices of a random pool at seeded offsets, so making them costs the measured run next to nothing.
 */
final class SeededBytes {
  /** The largest chunk {@link #next} fills. */
  static final int CHUNK = 64 * 1024;
  private static final int POOL = 1 << 20;

  private final byte[] pool = new byte[POOL + CHUNK];
  private final SplittableRandom offsets;
  private final CRC32C checksum = new CRC32C();
  private long left;

  SeededBytes(long seed, long bytes) {
    SplittableRandom random = new SplittableRandom(seed);
    random.nextBytes(pool);
    offsets = random.split();
    left = bytes;
  }

  /** Clears {@code chunk} and fills it (up to {@link #CHUNK}) with the next bytes; false once all were handed out. */
  boolean next(ByteBuffer chunk) {
    if (left == 0) {
      return false;
    }
    int length = (int) Math.min(Math.min(chunk.capacity(), CHUNK), left);
    int at = offsets.nextInt(POOL);
    chunk.clear();
    chunk.put(pool, at, length).flip();
    checksum.update(pool, at, length);
    left -= length;
    return true;
  }

  /** The CRC-32C of every byte handed out so far. */
  long checksum() {
    return checksum.getValue();
  }
}
