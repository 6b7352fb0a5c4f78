package io.oneinfra.tests.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A Debian 12 machine booted with systemd-nspawn from {@link DebianRoot}, systemd as its PID 1. It shares the host's
 * network (what it listens on, the host reaches), writes into a throw-away overlay (the root stays untouched), and
 * runs commands through nsenter into its namespaces. Stopped, killed if need be, on {@link #close()} and at JVM exit.
 */
public final class BootedDebian implements AutoCloseable {
  /** The machine name's prefix; a test bed whose JVM died is recognised by it and removed by the next one. */
  static final String NAME_PREFIX = "oneinfra-booted-";
  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final Set<BootedDebian> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(BootedDebian::close), "booted-cleanup"));
  }

  /** Exit code, stdout and stderr of a command run in the machine. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {

    /** Returns this result, or throws with the command's output when it did not exit 0. */
    public Result requireSuccess() {
      if (exitCode != 0) {
        throw new IllegalStateException(this.toString());
      }
      return this;
    }

    @Override
    public String toString() {
      return "in the machine: " + String.join(" ", command) + " -> exit " + exitCode + "\nstdout:\n" + stdout
          + "\nstderr:\n" + stderr;
    }
  }

  /** How to boot: host name, bind mounts, deadline. */
  public static final class Builder {
    private String hostname = "booted";
    private final List<String> mounts = new ArrayList<>();
    private Duration bootTimeout = Duration.ofSeconds(120);

    private Builder() {}

    /** The kernel host name inside (letters, digits and '-'); no /etc/hosts entry or DNS record names it. */
    public Builder hostname(String name) {
      this.hostname = name;
      return this;
    }

    /** Makes the host's file or directory {@code host} appear at {@code inMachine}, writable. */
    public Builder bind(Path host, String inMachine) {
      mounts.add("--bind=" + host + ":" + inMachine);
      return this;
    }

    /** Makes the host's file or directory {@code host} appear at {@code inMachine}, read-only. */
    public Builder bindReadOnly(Path host, String inMachine) {
      mounts.add("--bind-ro=" + host + ":" + inMachine);
      return this;
    }

    public Builder bootTimeout(Duration timeout) {
      this.bootTimeout = timeout;
      return this;
    }

    /** Builds or reuses the root, boots it and returns once systemd has finished starting the machine. */
    public BootedDebian boot() {
      Path root = DebianRoot.get();
      removeOrphans();
      BootedDebian machine = new BootedDebian(NAME_PREFIX + HexFormat.of().toHexDigits(
          ThreadLocalRandom.current().nextInt()));
      try {
        machine.start(root, hostname, mounts, bootTimeout);
        return machine;
      } catch (RuntimeException e) {
        try {
          machine.close();
        } catch (RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
        throw e;
      }
    }
  }

  private final String name;
  private final Path work;
  private Process nspawn;
  private long leader;
  private String finalConsole;

  private BootedDebian(String name) {
    this.name = name;
    try {
      this.work = Files.createTempDirectory("booted");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The systemd-nspawn command line that boots {@code root} as machine {@code name}. */
  static List<String> nspawnCommand(Path root, String name, String hostname, List<String> mounts) {
    List<String> command = new ArrayList<>(List.of("systemd-nspawn",
        // No systemd on the host: no machined to register with, no scope unit to create.
        "--register=no", "--keep-unit",
        // Writes go to a tmpfs overlay and vanish at exit: the cached root is never changed.
        "--volatile=overlay", "--link-journal=no", "--console=read-only",
        "--machine=" + name, "--hostname=" + hostname, "--directory=" + root, "--boot"));
    command.addAll(1, mounts);
    return command;
  }

  private void start(Path root, String hostname, List<String> mounts, Duration timeout) {
    List<String> command = nspawnCommand(root, name, hostname, mounts);
    try {
      nspawn = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(work.resolve("console.log").toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run systemd-nspawn", e);
    }
    RUNNING.add(this);
    Poll.until(timeout, "systemd as PID 1 of machine " + name, () -> {
      if (!nspawn.isAlive()) {
        throw new IllegalStateException("systemd-nspawn exited " + nspawn.exitValue() + ":\n" + console());
      }
      leader = nspawn.children().filter(child -> "systemd".equals(comm(child.pid()))).mapToLong(ProcessHandle::pid)
          .findFirst().orElse(0);
      return leader != 0 && Files.exists(Path.of("/proc/" + leader + "/root/run/systemd/private"));
    }, this::console);
    // "running", or "degraded" when some unit of the minimal system failed: either way the boot is over.
    Result state = exec(timeout, "systemctl", "is-system-running", "--wait");
    if (!state.stdout().strip().equals("running") && !state.stdout().strip().equals("degraded")) {
      throw new IllegalStateException("machine " + name + " did not finish booting: " + state + "\n" + console());
    }
  }

  /** The host PID of systemd-nspawn itself. */
  public long nspawnPid() {
    return nspawn.pid();
  }

  /** The machine's name (systemd-nspawn --machine). */
  public String name() {
    return name;
  }

  /** The host PID of the machine's PID 1 (its systemd): nsenter's target. */
  public long leaderPid() {
    return leader;
  }

  /** What the machine printed on its console (systemd's boot and shutdown messages), also after close(). */
  public String console() {
    if (finalConsole != null) {
      return finalConsole;
    }
    try {
      return Files.readString(work.resolve("console.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no console log: " + e.getMessage() + ")";
    }
  }

  /** The host path of {@code inMachine}, a path inside the running machine (through /proc/PID/root). */
  public Path hostPath(String inMachine) {
    return Path.of("/proc/" + leader + "/root", inMachine.replaceFirst("^/+", ""));
  }

  /** Runs {@code sh -c script} in the machine as root; killed after {@code timeout}. */
  public Result sh(Duration timeout, String script) {
    return exec(timeout, "sh", "-c", script);
  }

  /**
   * Runs {@code command} in the machine as root, in all its namespaces, with a clean environment (PATH, LANG=C.UTF-8,
   * no pager, no colours, non-interactive apt); killed after {@code timeout}.
   */
  public Result exec(Duration timeout, String... command) {
    List<String> full = new ArrayList<>(List.of("nsenter", "--target=" + leader, "--all", "--", "env", "-i",
        "PATH=" + PATH, "LANG=C.UTF-8", "TERM=dumb", "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0",
        "DEBIAN_FRONTEND=noninteractive"));
    full.addAll(List.of(command));
    Path out = null;
    Path err = null;
    try {
      // files, not pipes: a chatty command never blocks; one pair per call, as tests call from several threads
      out = Files.createTempFile(work, "exec", ".out");
      err = Files.createTempFile(work, "exec", ".err");
      Process process = new ProcessBuilder(full).redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
        throw new IllegalStateException("in machine " + name + ": " + String.join(" ", command) + " timed out after "
            + timeout + "\nstdout:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
      }
      return new Result(List.of(command), process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run nsenter into machine " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command[0] + " in machine " + name, e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      file.toFile().delete();
    }
  }

  /**
   * Powers the machine off (systemd-nspawn turns SIGTERM into a clean shutdown), kills it if that takes longer than
   * 30 s, and removes what systemd-nspawn leaves on the host.
   */
  @Override
  public synchronized void close() {
    if (nspawn != null && nspawn.isAlive()) {
      nspawn.destroy();
      if (!HostCleanup.awaitExit(nspawn.toHandle(), STOP_TIMEOUT)) {
        kill(nspawn.toHandle());
      }
    }
    RUNNING.remove(this);
    removeLeftovers(name);
    finalConsole = console();
    try {
      HostCleanup.deleteTree(work);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + work, e);
    }
  }

  /** Kills an nspawn and its machine: PID 1 of a pid namespace takes every process of the machine with it. */
  private static void kill(ProcessHandle nspawn) {
    nspawn.descendants().forEach(ProcessHandle::destroyForcibly);
    nspawn.destroyForcibly();
    HostCleanup.awaitExit(nspawn, STOP_TIMEOUT);
  }

  /**
   * Kills machines of this test bed whose JVM died (their nspawn was re-parented to PID 1 or a sub-reaper), so that a
   * crashed run never leaves a machine listening on the host's network. Other test runs' machines have a live JVM
   * as their parent.
   */
  static void removeOrphans() {
    ProcessHandle.allProcesses().filter(process -> cmdline(process.pid()).contains("--machine=" + NAME_PREFIX))
        .filter(process -> cmdline(process.pid()).startsWith("systemd-nspawn"))
        .filter(process -> process.parent().flatMap(parent -> parent.info().command())
            .map(command -> !command.endsWith("/java")).orElse(true))
        .forEach(orphan -> {
          String machine = cmdline(orphan.pid()).replaceFirst(".*--machine=(\\S+).*", "$1");
          kill(orphan);
          removeLeftovers(machine);
        });
  }

  /** systemd-nspawn leaves its propagation directory behind when /run is not a tmpfs (as on these machines). */
  private static void removeLeftovers(String machine) {
    try {
      HostCleanup.deleteTree(Path.of("/run/systemd/nspawn/propagate", machine));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove systemd-nspawn's leftovers of " + machine, e);
    }
  }

  private static String comm(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
    } catch (IOException e) {
      return "";
    }
  }

  private static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }
}
