package io.oneinfra.tests.bench;

import io.oneinfra.tests.support.ChildAgentLeaks;
import io.oneinfra.tests.support.NotifySocket;
import io.oneinfra.tests.support.TestAgents;
import io.oneinfra.tests.testbed.Commands;
import io.oneinfra.tests.testbed.Haproxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A TLS-terminating proxy process under measurement: ours (the agent jar) or haproxy. */
interface BenchProxy extends AutoCloseable {
  int port();

  long pid();

  /** From just before the process was started to READY=1 (ours) or its first accepted TCP connection (haproxy). */
  double startMillis();

  @Override
  void close();

  /** {@code -Dbench.jfr=DIR}: where a JFR profile of each of our agents is dumped when it is stopped; else null. */
  String PROFILES = System.getProperty("bench.jfr");

  /** The same server certificate, key and client CA, written once for both contenders. */
  record CertFiles(Path certificate, Path privateKey, Path clientCa, Path haproxyBundle) {}

  /**
   * The packaged launcher ({@code packaging/src/main/packaging/bin/oneinfra-agent}) laid out as the package installs
   * it, {@code usr/bin/oneinfra-agent} next to {@code usr/share/oneinfra-agent/oneinfra-agent.jar}, under {@code dir}.
   */
  static Path stageLauncher(Path dir, Path launcherSource, Path agentJar) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("usr/bin"));
    Path share = Files.createDirectories(dir.resolve("usr/share/oneinfra-agent"));
    Path launcher = Files.copy(launcherSource, bin.resolve("oneinfra-agent"));
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path jar = share.resolve("oneinfra-agent.jar");
    try {
      Files.createLink(jar, agentJar.toAbsolutePath()); // a hard link: no copy, and nothing outside dir to clean up
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(agentJar, jar); // another file system
    }
    return launcher;
  }

  /**
   * The agent as a real process started by the packaged launcher with this JVM ({@code JAVA_HOME}), so it runs with
   * the launcher's JVM options: {@code [prefix] oneinfra-agent run --config FILE}.
   */
  static BenchProxy ours(Path dir, Path launcher, CertFiles certs, Path backend, List<String> prefix) {
    return ours(dir, launcher, certs, backend, prefix, "l4");
  }

  /**
   * As {@link #ours(Path, Path, CertFiles, Path, List)} in {@code mode} ({@code l4} or {@code cri}: the gateway with
   * its defaults, the controller profile and the audit trail of every call).
   */
  static BenchProxy ours(Path dir, Path launcher, CertFiles certs, Path backend, List<String> prefix, String mode) {
    try {
      Path work = Files.createTempDirectory(dir, "ours");
      int port = TestAgents.freePort();
      Path config = work.resolve("agent.yaml");
      Files.writeString(config, """
          stateDir: %1$s/state
          proxy:
            listen: 127.0.0.1:%2$d
            backend: unix:%3$s
            mode: %7$s
            maxConnections: 20000
            drainTimeout: 1s
          hypervisor:
            name: bench
            ipAddress: 127.0.0.1
          tls:
            mode: files
            certificate: %4$s
            privateKey: %5$s
            clientCA: %6$s
          status:
            enabled: false
          registration:
            mode: none
          log:
            connections: false
          """.formatted(work, port, backend, certs.certificate(), certs.privateKey(), certs.clientCa(), mode),
          StandardCharsets.UTF_8);
      NotifySocket notify = new NotifySocket(work.resolve("notify.sock"));
      List<String> command = new ArrayList<>(prefix);
      command.addAll(List.of(launcher.toString(), "run", "--config", config.toString()));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(work.resolve("agent.log").toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      builder.environment().put("NOTIFY_SOCKET", notify.path().toString());
      builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
      // the launcher's defaults are what is measured; -Dbench.javaOpts=... tries others (the report then says so)
      String options = (leakCheck() + " " + System.getProperty("bench.javaOpts", "")
          + (PROFILES == null ? "" : " -XX:StartFlightRecording=name=bench,settings=profile")).strip();
      if (options.isEmpty()) {
        builder.environment().remove("ONEINFRA_AGENT_JAVA_OPTS");
      } else {
        builder.environment().put("ONEINFRA_AGENT_JAVA_OPTS", options);
      }
      long before = System.nanoTime();
      Process process = builder.start();
      NotifySocket.Message ready;
      try {
        ready = notify.await(m -> m.has("READY=1"), Duration.ofSeconds(60), "READY=1");
      } catch (AssertionError | InterruptedException e) {
        process.destroyForcibly();
        throw new IllegalStateException("the agent sent no READY=1:\n"
            + Files.readString(work.resolve("agent.log")), e);
      }
      double startMillis = (ready.receivedNanos() - before) / 1e6;
      return new BenchProxy() {
        @Override
        public int port() {
          return port;
        }

        @Override
        public long pid() {
          return process.pid();
        }

        @Override
        public double startMillis() {
          return startMillis;
        }

        @Override
        public void close() {
          Path log = work.resolve("agent.log");
          try {
            if (PROFILES != null) { // -Dbench.jfr=DIR: a JFR profile of each agent, for tuning
              Files.createDirectories(Path.of(PROFILES));
              Commands.run(Duration.ofSeconds(60), Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                  String.valueOf(process.pid()), "JFR.dump", "name=bench", "filename="
                  + Path.of(PROFILES).resolve(mode + "-" + process.pid() + ".jfr").toAbsolutePath()).requireSuccess();
            }
            ChildAgentLeaks.provoke(process.toHandle(), Files.readString(log));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          } finally {
            process.destroyForcibly();
          }
          try {
            process.waitFor(10, TimeUnit.SECONDS);
            ChildAgentLeaks.assertNoReport("the benchmarked agent", log);
            notify.close();
            try (Stream<Path> files = Files.walk(work)) {
              for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
              }
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      };
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the agent: " + e.getMessage(), e);
    }
  }

  /**
   * PARANOID leak tracking in smoke mode; none in full mode, which measures the launcher's defaults (Netty's own
   * sampling level then still reports, and the output is still read for it).
   */
  private static String leakCheck() {
    return BenchmarkIT.FULL ? "" : ChildAgentLeaks.PARANOID;
  }

  /** haproxy 2.6 with the documented configuration (maxconn raised) and the same certificate files. */
  static BenchProxy haproxy(CertFiles certs, Path backend, List<String> prefix) {
    long before = System.nanoTime();
    Haproxy haproxy = Haproxy.start(certs.haproxyBundle(), certs.clientCa(), backend, prefix);
    double startMillis = (System.nanoTime() - before) / 1e6;
    return new BenchProxy() {
      @Override
      public int port() {
        return haproxy.port();
      }

      @Override
      public long pid() {
        return haproxy.pid();
      }

      @Override
      public double startMillis() {
        return startMillis;
      }

      @Override
      public void close() {
        haproxy.close();
      }
    };
  }
}
