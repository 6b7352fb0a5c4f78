package io.oneinfra.tests.scale;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The simulated fleet as the harness drives it: {@code agents} agents split evenly over {@code jvms} child JVMs
 * ({@link FleetJvm}), started with the JVM options of the packaged launcher and the test's own class path.
 */
final class Fleet implements AutoCloseable {
  /** The options {@code usr/bin/oneinfra-agent} starts the agent with (its heap cap aside): what a host runs. */
  static final List<String> LAUNCHER_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
      "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError");
  private static final Duration ANSWER = Duration.ofSeconds(120);

  /** One JVM's cost: its agents, live heap after a full GC, threads and resident memory. */
  record JvmStats(long agents, long heapBytes, int threads, long rssKib) {}

  private final List<Member> members = new ArrayList<>();

  private Fleet() {}

  /** Starts the JVMs (no agent runs yet); each answers "ready" once up. */
  static Fleet launch(String api, Path dir, int agents, int jvms, TimeScale scale, String maxHeap) {
    Fleet fleet = new Fleet();
    try {
      int first = 0;
      for (int j = 0; j < jvms; j++) {
        int count = agents / jvms + (j < agents % jvms ? 1 : 0);
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(LAUNCHER_OPTIONS);
        command.add("-Xmx" + maxHeap);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), FleetJvm.class.getName(), api,
            dir.toString(), Integer.toString(first), Integer.toString(count)));
        command.addAll(scale.args());
        ProcessBuilder builder = new ProcessBuilder(command)
            .redirectError(dir.resolve("fleet-jvm-" + j + ".log").toFile());
        builder.environment().put("MALLOC_ARENA_MAX", "2"); // as the launcher sets it
        fleet.members.add(new Member(builder.start()));
        first += count;
      }
      for (Member member : fleet.members) {
        member.expect("ready");
      }
      return fleet;
    } catch (IOException | RuntimeException e) {
      fleet.close();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  /** Every agent starts (each after its own random firstSyncDelay, as on a real host). */
  void start() {
    members.forEach(m -> m.send("start"));
    members.forEach(m -> m.expect("started"));
  }

  /** Every agent restarts at a random moment within {@code window}; returns when each new instance started. */
  Map<String, Long> restart(Duration window) {
    members.forEach(m -> m.send("restart " + window.toMillis()));
    Map<String, Long> startedAtMillis = new HashMap<>();
    for (Member member : members) {
      for (String line = member.next(); !line.equals("restarted-all"); line = member.next()) {
        String[] words = line.split(" ");
        if (!words[0].equals("restarted")) {
          throw new IllegalStateException("fleet JVM: " + line);
        }
        startedAtMillis.put(words[1], Long.parseLong(words[2]));
      }
    }
    return startedAtMillis;
  }

  /** Each JVM's cost now. */
  List<JvmStats> stats() {
    members.forEach(m -> m.send("stats"));
    return members.stream().map(m -> {
      String[] words = m.expect("stats").split(" ");
      return new JvmStats(Long.parseLong(words[1]), Long.parseLong(words[2]), Integer.parseInt(words[3]),
          Long.parseLong(words[4]));
    }).toList();
  }

  /** The JVMs' process ids. */
  List<Long> pids() {
    return members.stream().map(m -> m.process.pid()).toList();
  }

  @Override
  public void close() {
    for (Member member : members) {
      try {
        member.send("exit");
        if (!member.process.waitFor(30, TimeUnit.SECONDS)) {
          member.process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        member.process.destroyForcibly();
      } catch (RuntimeException e) {
        member.process.destroyForcibly();
      }
    }
  }

  /** One child JVM: commands to its stdin, answers read from its stdout on a thread of their own. */
  private static final class Member {
    private final Process process;
    private final Writer commands;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();

    Member(Process process) {
      this.process = process;
      this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            answers.add(line);
          }
        } catch (IOException e) {
          answers.add("error " + e);
        }
        answers.add("error the fleet JVM " + process.pid() + " exited");
      }, "fleet-jvm-" + process.pid());
      reader.setDaemon(true);
      reader.start();
    }

    void send(String command) {
      try {
        commands.write(command + "\n");
        commands.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("fleet JVM " + process.pid() + ": " + command, e);
      }
    }

    String next() {
      try {
        String line = answers.poll(ANSWER.toSeconds(), TimeUnit.SECONDS);
        if (line == null) {
          throw new IllegalStateException("fleet JVM " + process.pid() + " did not answer within " + ANSWER);
        }
        return line;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    String expect(String word) {
      String line = next();
      if (!line.equals(word) && !line.startsWith(word + " ")) {
        throw new IllegalStateException("fleet JVM " + process.pid() + ": expected " + word + ", got " + line);
      }
      return line;
    }
  }
}
