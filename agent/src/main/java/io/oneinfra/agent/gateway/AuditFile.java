package io.oneinfra.agent.gateway;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A JSON-lines file rotated by size: when the next line would take it past {@code maxBytes}, {@code FILE} becomes
 * {@code FILE.1}, {@code FILE.1} becomes {@code FILE.2}, and so on up to {@code maxFiles}; the oldest is deleted.
 * The directory is created 0700 and the files 0600 (records name clients and pods). Used by one thread.
 */
final class AuditFile implements AutoCloseable {
  private final Path file;
  private final long maxBytes;
  private final int maxFiles;
  private OutputStream out;
  private long size;

  AuditFile(Path file, long maxBytes, int maxFiles) throws IOException {
    this.file = file;
    this.maxBytes = maxBytes;
    this.maxFiles = maxFiles;
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    open();
  }

  Path path() {
    return file;
  }

  /** Appends one line (a newline is added), rotating first when it would not fit. */
  void write(String line) throws IOException {
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    if (size > 0 && size + bytes.length > maxBytes) {
      rotate();
    }
    out.write(bytes);
    size += bytes.length;
  }

  void flush() throws IOException {
    out.flush();
  }

  private void open() throws IOException {
    if (!Files.exists(file)) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    // one system call per batch, not per line
    out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.APPEND), 64 * 1024);
    size = Files.size(file);
  }

  private void rotate() throws IOException {
    out.close();
    Files.deleteIfExists(sibling(maxFiles));
    for (int i = maxFiles - 1; i >= 1; i--) {
      if (Files.exists(sibling(i))) {
        Files.move(sibling(i), sibling(i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Files.move(file, sibling(1), StandardCopyOption.REPLACE_EXISTING);
    open();
  }

  private Path sibling(int n) {
    return file.resolveSibling(file.getFileName() + "." + n);
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
