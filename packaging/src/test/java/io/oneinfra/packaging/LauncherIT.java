package io.oneinfra.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged launcher, {@code /usr/bin/oneinfra-agent}, unpacked from the .deb: the JVM options it passes, which
 * depend on the Java runtime's version and on systemd's cache directory (class-data sharing), a real start of the
 * agent's {@code version} command with them, and a real class-data sharing archive made and mapped.
 */
class LauncherIT {
  @TempDir
  Path root;

  private Path launcher;

  @BeforeEach
  void unpack() {
    Command.run(List.of(Command.require("dpkg-deb", "dpkg"), "-x", Packages.DEB.toString(), root.toString()))
        .expectSuccess();
    launcher = root.resolve("usr/bin/oneinfra-agent");
    assertThat(launcher).isExecutable();
  }

  /** A JAVA_HOME whose java prints its environment's MALLOC_ARENA_MAX and then its arguments, one per line. */
  private Path fakeJava(String version) throws IOException {
    Path home = Files.createDirectories(root.resolve("jdk-" + version));
    Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
    Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
    Files.writeString(java, "#!/bin/sh\necho \"MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX\"\nprintf '%s\\n' \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }

  private List<String> arguments(String version, Map<String, String> extraEnv) throws IOException {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("JAVA_HOME", fakeJava(version).toString());
    return Command.run(List.of(launcher.toString(), "run", "--config", "/etc/oneinfra/agent.yaml"), env)
        .expectSuccess().stdout().lines().toList();
  }

  @Test
  void passesTheTunedDefaultsThenTheOperatorsOptionsThenTheJarAndArguments() throws IOException {
    List<String> args = arguments("17.0.15", Map.of("ONEINFRA_AGENT_JAVA_OPTS", "-Xmx1g -Dx=y"));

    assertThat(args.get(0)).isEqualTo("MALLOC_ARENA_MAX=2");
    assertThat(args).containsSubsequence("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xms8m", "-Xmx512m",
        "-XX:TrimNativeHeapInterval=2000", "-XX:+ExitOnOutOfMemoryError", "-Dio.netty.jfr.enabled=false",
        "-Dio.grpc.netty.useCustomAllocator=false", "-Xmx1g", "-Dx=y", "-jar",
        root.resolve("usr/bin/../share/oneinfra-agent/oneinfra-agent.jar").toString(), "run", "--config",
        "/etc/oneinfra/agent.yaml");
  }

  @Test
  void leavesNativeHeapTrimmingOutOnRuntimesWithoutIt() throws IOException {
    for (String version : new String[] {"17.0.8", "17", "19.0.2", "20.0.1", "21.0.0"}) {
      assertThat(arguments(version, Map.of())).as(version).contains("-XX:+UseSerialGC")
          .noneMatch(arg -> arg.contains("TrimNativeHeapInterval"));
    }
    for (String version : new String[] {"17.0.9", "17.0.15", "21.0.1", "22", "25.0.1"}) {
      assertThat(arguments(version, Map.of())).as(version).contains("-XX:TrimNativeHeapInterval=2000");
    }
  }

  @Test
  void anOperatorsMallocArenaSettingIsKept() throws IOException {
    assertThat(arguments("17.0.15", Map.of("MALLOC_ARENA_MAX", "4")).get(0)).isEqualTo("MALLOC_ARENA_MAX=4");
  }

  @Test
  void underSystemdARunRecordsItsClassesUntilAnArchiveExistsThenMapsIt() throws IOException {
    Path cache = Files.createDirectories(root.resolve("cache"));
    List<String> first = arguments("17.0.15", Map.of("CACHE_DIRECTORY", cache.toString()));
    String record = first.stream().filter(arg -> arg.startsWith("-XX:DumpLoadedClassList=")).findFirst()
        .orElseThrow();
    Path classes = Path.of(record.substring("-XX:DumpLoadedClassList=".length()));
    assertThat(classes.getParent()).isEqualTo(cache);
    assertThat(classes.getFileName().toString()).matches("agent-\\d+\\.classlist");
    assertThat(first).noneMatch(arg -> arg.startsWith("-XX:SharedArchiveFile="))
        .containsSubsequence(record, "-jar"); // before the operator's options, which may override it

    Path archive = classes.resolveSibling(classes.getFileName().toString().replace(".classlist", ".jsa"));
    Files.writeString(archive, "an archive");
    assertThat(arguments("17.0.15", Map.of("CACHE_DIRECTORY", cache.toString())))
        .contains("-XX:SharedArchiveFile=" + archive).noneMatch(arg -> arg.startsWith("-XX:DumpLoadedClassList="));

    // a run from a shell (no CacheDirectory=) writes nothing and maps nothing
    assertThat(arguments("17.0.15", Map.of())).noneMatch(arg -> arg.startsWith("-XX:DumpLoadedClassList=")
        || arg.startsWith("-XX:SharedArchiveFile="));
  }

  @Test
  void cdsArchiveTurnsARealRunsClassesIntoAnArchiveTheNextRunMaps() throws Exception {
    Path cache = Files.createDirectories(root.resolve("cache"));
    Path config = root.resolve("agent.yaml");
    // loopback, no runtime, no status endpoint: only the start-up matters here
    Files.writeString(config, "stateDir: %s\nproxy: {listen: '127.0.0.1:0', backend: 'unix:%s'}\n".formatted(
        root.resolve("state"), root.resolve("no-runtime.sock")) + "hypervisor: {ipAddress: 127.0.0.1}\n"
        + "status: {enabled: false}\n");
    Map<String, String> env = Map.of("JAVA_HOME", System.getProperty("java.home"), "CACHE_DIRECTORY",
        cache.toString());
    runUntilListening(env, config);
    assertThat(Command.run(List.of(launcher.toString(), "cds-archive"), env).expectSuccess().stderr()).isEmpty();
    try (var files = Files.list(cache)) {
      assertThat(files.map(file -> file.getFileName().toString())).hasSize(2)
          .anyMatch(name -> name.matches("agent-\\d+\\.jsa")).anyMatch(name -> name.endsWith(".classlist"));
    }
    // -Xshare:on: the JVM refuses to start unless it maps the archive
    Map<String, String> strict = new HashMap<>(env);
    strict.put("ONEINFRA_AGENT_JAVA_OPTS", "-Xshare:on");
    assertThat(runUntilListening(strict, config)).noneMatch(line -> line.contains("[cds]"));
    assertThat(Command.run(List.of(launcher.toString(), "cds-archive"), env).expectSuccess().stderr())
        .as("already made: nothing to do").isEmpty();
  }

  /** Runs the agent through the launcher until it listens, then stops it with SIGTERM; returns its output. */
  private List<String> runUntilListening(Map<String, String> env, Path config) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "run", "--config", config.toString())
        .redirectErrorStream(true);
    builder.environment().putAll(env);
    Process agent = builder.start();
    // a deadline, not a pause: an agent that never says it listens is killed, which ends the reading below
    CompletableFuture.runAsync(agent::destroyForcibly, CompletableFuture.delayedExecutor(120, TimeUnit.SECONDS));
    List<String> lines = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        lines.add(line);
        if (line.contains("proxy listening on 127.0.0.1:")) {
          agent.toHandle().destroy(); // SIGTERM (Process.destroy would close the output too): it drains, exits 0
        }
      }
      assertThat(agent.waitFor(60, TimeUnit.SECONDS)).as(String.join("\n", lines)).isTrue();
      assertThat(agent.exitValue()).as(String.join("\n", lines)).isZero();
      return lines;
    } finally {
      agent.destroyForcibly();
    }
  }

  @Test
  void theRealJavaRuntimeAcceptsEveryOption() {
    Command.Result result = Command.run(List.of(launcher.toString(), "version"),
        Map.of("JAVA_HOME", System.getProperty("java.home"))).expectSuccess();

    assertThat(result.stdout()).startsWith("oneinfra-agent ").contains("epoll available");
  }

  @Test
  void reloadSendsSighupWithTheShellsOwnKillAndStartsNoJava() throws Exception {
    // What ExecReload= runs. A sh child that records the HUP stands in for the agent; JAVA_HOME points nowhere, so
    // starting Java would fail the reload.
    Path marker = root.resolve("hup");
    Process agent = new ProcessBuilder("sh", "-c", "trap 'echo hup > " + marker + "; exit 0' HUP; echo ready; "
        + "while :; do sleep 0.05; done").start();
    try {
      // the trap is set once it says so; a HUP before that would just end it
      assertThat(new BufferedReader(new InputStreamReader(agent.getInputStream(),
          StandardCharsets.US_ASCII)).readLine()).isEqualTo("ready");
      Command.Result reload = Command.run(List.of(launcher.toString(), "reload", Long.toString(agent.pid())),
          Map.of("JAVA_HOME", root.resolve("no-java").toString(), "PATH", "/nonexistent")).expectSuccess();
      assertThat(reload.stderr()).isEmpty();
      assertThat(agent.waitFor(10, TimeUnit.SECONDS)).as("the stand-in got SIGHUP and exited").isTrue();
      assertThat(marker).hasContent("hup");
    } finally {
      agent.destroyForcibly();
    }
  }

  @Test
  void reloadWithoutAPidFailsSayingHowToReload() {
    for (List<String> args : List.of(List.of("reload"), List.of("reload", ""), List.of("reload", "12x"))) {
      List<String> command = new ArrayList<>(List.of(launcher.toString()));
      command.addAll(args);
      Command.Result result = Command.run(command, Map.of("PATH", "/nonexistent"));
      assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
      assertThat(result.stderr()).contains("oneinfra-agent reload: want the agent's PID")
          .contains("systemctl reload oneinfra-agent");
    }
  }
}
