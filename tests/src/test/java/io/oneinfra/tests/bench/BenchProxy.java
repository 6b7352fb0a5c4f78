package io.oneinfra.tests.bench;

import io.oneinfra.tests.support.NotifySocket;
import io.oneinfra.tests.support.TestAgents;
import io.oneinfra.tests.testbed.Haproxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /** The same server certificate, key and client CA, written once for both contenders. */
  record CertFiles(Path certificate, Path privateKey, Path clientCa, Path haproxyBundle) {}

  /** The JVM flags of packaging/src/main/packaging/bin/oneinfra-agent. */
  List<String> LAUNCHER_JVM_FLAGS = List.of("-XX:+UseSerialGC", "-Xss512k", "-XX:-UsePerfData",
      "-XX:+ExitOnOutOfMemoryError");

  /** The agent as a real process, {@code java [launcher flags] -jar oneinfra-agent.jar run --config FILE}. */
  static BenchProxy ours(Path dir, CertFiles certs, Path backend) {
    try {
      Path work = Files.createTempDirectory(dir, "ours");
      int port = TestAgents.freePort();
      Path config = work.resolve("agent.yaml");
      Files.writeString(config, """
          stateDir: %1$s/state
          proxy:
            listen: 127.0.0.1:%2$d
            backend: unix:%3$s
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
          """.formatted(work, port, backend, certs.certificate(), certs.privateKey(), certs.clientCa()),
          StandardCharsets.UTF_8);
      NotifySocket notify = new NotifySocket(work.resolve("notify.sock"));
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(LAUNCHER_JVM_FLAGS);
      command.addAll(List.of("-jar", System.getProperty("agent.jar"), "run", "--config", config.toString()));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(work.resolve("agent.log").toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      builder.environment().put("NOTIFY_SOCKET", notify.path().toString());
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
          process.destroyForcibly();
          try {
            process.waitFor(10, TimeUnit.SECONDS);
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

  /** haproxy 2.6 with the documented configuration (maxconn raised) and the same certificate files. */
  static BenchProxy haproxy(CertFiles certs, Path backend) {
    long before = System.nanoTime();
    Haproxy haproxy = Haproxy.start(certs.haproxyBundle(), certs.clientCa(), backend);
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
