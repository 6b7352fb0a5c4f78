package io.oneinfra.tests.testbed;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A private containerd (own root, state and socket in a temp dir) with a local busybox image imported: Debian 12's
 * 1.6 (serves CRI v1 and v1alpha2), or Debian sid's 2.1 unpacked by tests/install-deps.sh (serves only v1).
 */
public final class Containerd implements AutoCloseable {

  /** Which containerd. */
  public enum Flavor {
    /** Debian 12's containerd 1.6 on PATH: CRI v1 and v1alpha2. */
    DEBIAN_12("1.6", true, null),
    /** Debian sid's containerd 2.1, unpacked under /opt/oneinfra-tests: CRI v1 only. */
    DEBIAN_SID("2.1", false, Path.of("/opt/oneinfra-tests/containerd-2.1.9/usr/bin"));

    private final String versionPrefix;
    private final boolean servesV1alpha2;
    private final Path binDir;

    Flavor(String versionPrefix, boolean servesV1alpha2, Path binDir) {
      this.versionPrefix = versionPrefix;
      this.servesV1alpha2 = servesV1alpha2;
      this.binDir = binDir;
    }

    String binary(String name) {
      return binDir == null ? name : binDir.resolve(name).toString();
    }

    /** Fails the test (never skips) when this containerd is not installed. */
    public void require() {
      if (binDir == null) {
        Requirements.require("containerd", "ctr", "runc", "containerd-shim-runc-v2", "tar");
      } else {
        Requirements.require("runc", "tar");
        Requirements.requireFile(binDir.resolve("containerd"), binDir.resolve("ctr"),
            binDir.resolve("containerd-shim-runc-v2"));
      }
      Requirements.requireRoot();
    }
  }

  private static final String SANDBOX_IMAGE = "registry.k8s.io/pause:3.6";
  private static final String CONTAINER_IMAGE = "docker.io/oneinfra/busybox:test";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration CTR_TIMEOUT = Duration.ofSeconds(120);

  private final Flavor flavor;
  private final Path dir;
  private final Path config;
  private Process process;

  private Containerd(Flavor flavor, Path dir) {
    this.flavor = flavor;
    this.dir = dir;
    this.config = dir.resolve("config.toml");
  }

  /** Starts Debian 12's containerd 1.6 in a fresh temp dir and imports the sandbox and container images. */
  public static Containerd start() {
    return start(Flavor.DEBIAN_12);
  }

  /** Starts the given containerd in a fresh temp dir and imports the sandbox and container images. */
  public static Containerd start(Flavor flavor) {
    flavor.require();
    Containerd containerd = null;
    try {
      // Under /tmp and short: unix socket paths must fit in 107 bytes.
      containerd = new Containerd(flavor, Files.createTempDirectory(Path.of("/tmp"), "ctrd"));
      containerd.writeConfig();
      containerd.startProcess();
      containerd.importImages();
      return containerd;
    } catch (IOException | RuntimeException e) {
      IllegalStateException failure =
          new IllegalStateException("cannot start containerd: " + e.getMessage(), e);
      if (containerd != null) {
        try {
          containerd.close();
        } catch (RuntimeException cleanup) {
          failure.addSuppressed(cleanup);
        }
      }
      throw failure;
    }
  }

  /** Which containerd this is. */
  public Flavor flavor() {
    return flavor;
  }

  /** The start of its version, e.g. {@code 1.6}. */
  public String versionPrefix() {
    return flavor.versionPrefix;
  }

  /** Whether it serves CRI runtime.v1alpha2 (containerd 2.0 removed it). */
  public boolean servesV1alpha2() {
    return flavor.servesV1alpha2;
  }

  public Path socket() {
    return dir.resolve("containerd.sock");
  }

  public String sandboxImage() {
    return SANDBOX_IMAGE;
  }

  public String containerImage() {
    return CONTAINER_IMAGE;
  }

  public Path logFile() {
    return dir.resolve("containerd.log");
  }

  public Path dir() {
    return dir;
  }

  /** Runs {@code ctr --address SOCKET -n k8s.io ARGS...}, CRI's namespace. */
  public Commands.Result ctr(String... args) {
    // Without a connect timeout ctr waits 10 s for a socket that is not there.
    List<String> command = new ArrayList<>(List.of(flavor.binary("ctr"), "--address", socket().toString(),
        "--connect-timeout", "5s", "-n", "k8s.io"));
    command.addAll(List.of(args));
    return Commands.run(CTR_TIMEOUT, command.toArray(String[]::new));
  }

  /** Stops the containerd process (SIGTERM, then SIGKILL after a deadline); shims keep running. */
  public synchronized void stopProcess() {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!HostCleanup.awaitExit(process.toHandle(), STOP_TIMEOUT)) {
      process.destroyForcibly();
      HostCleanup.awaitExit(process.toHandle(), STOP_TIMEOUT);
    }
    process = null;
  }

  /** Kills containerd outright (SIGKILL), as a crash would: its socket file stays behind, refusing connections. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    HostCleanup.awaitExit(process.toHandle(), STOP_TIMEOUT);
    process = null;
  }

  /** Starts containerd again on the same config, state and socket, as after a runtime restart. */
  public synchronized void restart() {
    stopProcess();
    startProcess();
  }

  /** Stops containerd, kills this instance's leftover shims, unmounts and deletes the temp dir. */
  @Override
  public synchronized void close() {
    stopProcess();
    // Shims outlive containerd; only ours name this instance's socket on their command line.
    HostCleanup.killProcesses("containerd-shim", dir.toString());
    HostCleanup.unmountAll(dir);
    try {
      HostCleanup.deleteTree(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  private synchronized void startProcess() {
    try {
      // A socket left by a killed containerd would make the readiness poll succeed too early.
      Files.deleteIfExists(socket());
      ProcessBuilder builder = new ProcessBuilder(flavor.binary("containerd"), "--config", config.toString());
      if (flavor.binDir != null) {
        // its own shim first: containerd starts whatever containerd-shim-runc-v2 comes first on PATH
        builder.environment().put("PATH", flavor.binDir + File.pathSeparator + System.getenv("PATH"));
      }
      process = builder
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run containerd", e);
    }
    Process started = process;
    Poll.until(START_TIMEOUT, "containerd socket " + socket(), () -> {
      if (!started.isAlive()) {
        throw new IllegalStateException("containerd exited " + started.exitValue() + "\n" + logTail());
      }
      return accepts(socket());
    }, this::logTail);
  }

  private void importImages() throws IOException {
    Path image = BusyboxImage.build(Files.createDirectories(dir.resolve("image")), CONTAINER_IMAGE);
    ctr("images", "import", image.toString()).requireSuccess();
    ctr("images", "tag", "--force", CONTAINER_IMAGE, SANDBOX_IMAGE).requireSuccess();
  }

  private void writeConfig() throws IOException {
    Path cniBin = Files.createDirectories(dir.resolve("cni/bin"));
    Path cniConf = Files.createDirectories(dir.resolve("cni/conf"));
    if (flavor == Flavor.DEBIAN_SID) {
      writeVersion3Config(cniBin, cniConf);
      return;
    }
    String cri = "plugins.\"io.containerd.grpc.v1.cri\"";
    // restrict_oom_score_adj: root here lacks CAP_SYS_RESOURCE, and runc fails lowering oom_score_adj.
    // Port 0 for the streaming server so that several instances can run side by side.
    Files.writeString(config, """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        [grpc]
          address = "%2$s"
        [ttrpc]
          address = "%2$s.ttrpc"
        [debug]
          address = "%1$s/debug.sock"
        [%3$s]
          sandbox_image = "%4$s"
          restrict_oom_score_adj = true
          stream_server_address = "127.0.0.1"
          stream_server_port = "0"
          [%3$s.containerd]
            snapshotter = "overlayfs"
            default_runtime_name = "runc"
            [%3$s.containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
              [%3$s.containerd.runtimes.runc.options]
                Root = "%1$s/runc"
          [%3$s.cni]
            bin_dir = "%5$s"
            conf_dir = "%6$s"
        """.formatted(dir, socket(), cri, SANDBOX_IMAGE, cniBin, cniConf), StandardCharsets.UTF_8);
  }

  // containerd 2.x: config version 3, CRI split into images and runtime plugins; NRI off (it is on by default, with a
  // host-wide socket under /var/run/nri); debug logging so that tests can see which calls reached it.
  private void writeVersion3Config(Path cniBin, Path cniConf) throws IOException {
    Files.writeString(config, """
        version = 3
        root = "%1$s/root"
        state = "%1$s/state"
        [grpc]
          address = "%2$s"
        [ttrpc]
          address = "%2$s.ttrpc"
        [debug]
          address = "%1$s/debug.sock"
          level = "debug"
        [plugins.'io.containerd.internal.v1.opt']
          path = "%1$s/opt"
        [plugins.'io.containerd.nri.v1.nri']
          disable = true
        [plugins.'io.containerd.cri.v1.images']
          snapshotter = "overlayfs"
          [plugins.'io.containerd.cri.v1.images'.pinned_images]
            sandbox = "%3$s"
        [plugins.'io.containerd.cri.v1.runtime']
          restrict_oom_score_adj = true
          [plugins.'io.containerd.cri.v1.runtime'.containerd]
            default_runtime_name = "runc"
            [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
              [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
                BinaryName = "/usr/sbin/runc"
                Root = "%1$s/runc"
          [plugins.'io.containerd.cri.v1.runtime'.cni]
            bin_dirs = ["%4$s"]
            conf_dir = "%5$s"
        [plugins.'io.containerd.grpc.v1.cri']
          stream_server_address = "127.0.0.1"
          stream_server_port = "0"
        """.formatted(dir, socket(), SANDBOX_IMAGE, cniBin, cniConf), StandardCharsets.UTF_8);
  }

  /** Whether something accepts connections on the unix socket {@code socket}. */
  static boolean accepts(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      return channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      return false;
    }
  }

  /** The last lines of containerd's log, for a failure message. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
      return "last lines of " + logFile() + ":\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log at " + logFile() + ")";
    }
  }

  @Override
  public String toString() {
    return "Containerd[" + flavor + " " + socket() + "]";
  }
}
