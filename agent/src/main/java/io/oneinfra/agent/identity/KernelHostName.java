package io.oneinfra.agent.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * This host's name as the kernel holds it (the UTS node name {@code uname -n} prints), read from /proc: never looked
 * up through the resolver, so a host without an /etc/hosts entry or DNS record for its own name still has one.
 */
final class KernelHostName implements Supplier<String> {
  static final Path PROC_HOSTNAME = Path.of("/proc/sys/kernel/hostname");

  private final Path file;

  KernelHostName() {
    this(PROC_HOSTNAME);
  }

  KernelHostName(Path file) {
    this.file = file;
  }

  /**
   * The host name, as set; not yet normalised.
   *
   * @throws IllegalArgumentException naming hypervisor.name when the name cannot be read or is empty
   */
  @Override
  public String get() {
    String name;
    try {
      // Bytes that are not UTF-8 become U+FFFD, which normalisation then turns into '-'.
      name = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("hypervisor.name: not set, and the kernel's host name cannot be read from "
          + file + " (" + e.getMessage() + "); set hypervisor.name", e);
    }
    if (name.isEmpty()) {
      throw new IllegalArgumentException("hypervisor.name: not set, and the kernel's host name (" + file
          + ") is empty; set hypervisor.name");
    }
    return name;
  }
}
