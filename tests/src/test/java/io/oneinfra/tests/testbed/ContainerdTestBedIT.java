package io.oneinfra.tests.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Proves the test bed: a private containerd that answers, holds both images, restarts, cleans up. */
@ExtendWith(SharedContainerd.class)
class ContainerdTestBedIT {

  @Test
  void containerdAnswersOnItsOwnSocket(Containerd containerd) {
    Commands.Result version = containerd.ctr("version").requireSuccess();

    assertThat(version.output()).containsPattern("Server:\\s+Version:\\s+v?1\\.6\\.");
    assertThat(containerd.socket().toString().getBytes(StandardCharsets.UTF_8))
        .hasSizeLessThan(108);
  }

  @Test
  void sandboxAndContainerImagesAreImported(Containerd containerd) {
    List<String> images =
        containerd.ctr("images", "ls", "-q").requireSuccess().output().lines().toList();

    assertThat(images).contains(containerd.sandboxImage(), containerd.containerImage());
  }

  @Test
  void restartBringsTheSocketBack(Containerd containerd) {
    containerd.stopProcess();
    assertThat(Containerd.accepts(containerd.socket())).isFalse();

    containerd.restart();

    assertThat(containerd.ctr("version").requireSuccess().output()).contains("Server:");
    assertThat(containerd.ctr("images", "ls", "-q").output()).contains(containerd.sandboxImage());
  }

  @Test
  void closeKillsLeftoverShimsAndUnmounts() {
    Containerd own = Containerd.start();
    try {
      // Own runc root and fifo dir so that nothing of this container lands in /run/containerd.
      own.ctr("run", "-d", "--runc-root", own.dir().resolve("runc").toString(),
          "--fifo-dir", own.dir().resolve("fifo").toString(),
          own.containerImage(), "leftover").requireSuccess();
      List<Long> shims = HostCleanup.pidsMatching("containerd-shim", own.dir().toString());
      List<ProcessHandle> containers = shims.stream().flatMap(pid -> ProcessHandle.of(pid).stream())
          .flatMap(ProcessHandle::children).toList();
      List<Path> shimSockets =
          shims.stream().flatMap(pid -> UnixSockets.boundBy(pid).stream()).toList();
      assertThat(shims).isNotEmpty();
      assertThat(containers).isNotEmpty();
      assertThat(shimSockets).anyMatch(socket -> socket.startsWith("/run/containerd/s"));
      assertThat(HostCleanup.mountsUnder(own.dir())).isNotEmpty();

      // Deliberately no task kill or container delete first: close() must cope with an abandoned bed.
      own.close();

      assertThat(HostCleanup.pidsMatching("containerd-shim", own.dir().toString())).isEmpty();
      assertThat(containers).noneMatch(ProcessHandle::isAlive);
      assertThat(shimSockets).noneMatch(Files::exists);
      assertThat(HostCleanup.mountsUnder(own.dir())).isEmpty();
      assertThat(Files.exists(own.dir())).isFalse();
    } finally {
      own.close(); // idempotent: a no-op after the close under test
    }
  }
}
