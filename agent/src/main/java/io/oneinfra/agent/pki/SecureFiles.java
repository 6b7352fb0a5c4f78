package io.oneinfra.agent.pki;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Writes files atomically with their final permissions from the start, and checks that secrets stay private. */
public final class SecureFiles {
  static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
  static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");
  static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");

  private SecureFiles() {}

  /** Creates {@code dir} (and parents) with mode 0700 when missing. */
  public static void createPrivateDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
    }
  }

  /**
   * Writes {@code content} to {@code target} via a temp file in the same directory: created with its final mode,
   * fsynced, then renamed over the target, so a reader sees the old file or the new one, never a torn one.
   */
  public static void writeAtomically(Path target, String content, boolean secret) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path temp;
    try {
      temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp",
          PosixFilePermissions.asFileAttribute(secret ? PRIVATE : PUBLIC));
    } catch (IOException e) {
      throw new IOException("pki: cannot write " + target + ": " + e.getMessage(), e);
    }
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII));
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        channel.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException(target + ": cannot replace atomically: " + e.getMessage(), e);
      }
      syncDirectory(dir);
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw new IOException("pki: cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Refuses a private key that others can read.
   *
   * @throws IOException naming the file, its mode and the wanted mode
   */
  public static void checkPrivate(Path key) throws IOException {
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(key, LinkOption.NOFOLLOW_LINKS);
    if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)
        || mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new IOException("pki: " + key + " is accessible by others (mode " + octal(mode) + "); want 0600");
    }
  }

  static String octal(Set<PosixFilePermission> mode) {
    int bits = 0;
    for (PosixFilePermission p : mode) {
      bits |= 1 << (8 - p.ordinal());
    }
    return String.format("0%03o", bits);
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // not every file system lets a directory be fsynced; the rename is still atomic
    }
  }
}
