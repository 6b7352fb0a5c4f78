package io.oneinfra.tests.support;

import io.oneinfra.tests.testbed.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent as a real process ({@code java -jar oneinfra-agent.jar ...}), its output in a log file, Netty's leak
 * detector at PARANOID and its output failed on a leak report when it is closed ({@link ChildAgentLeaks}).
 */
public final class AgentProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private AgentProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts the agent jar with {@code args} and extra environment; stdout and stderr go to {@code log}. */
  public static AgentProcess start(Path log, Map<String, String> env, String... args) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command(args)).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(env);
    return new AgentProcess(builder.start(), log);
  }

  /** The command line that runs the agent jar with {@code args}, every buffer tracked by the leak detector. */
  public static List<String> command(String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), ChildAgentLeaks.PARANOID, "-jar", System.getProperty("agent.jar")));
    command.addAll(List.of(args));
    return command;
  }

  /**
   * Runs a short agent command ({@code manifest}, {@code check}, ...) to its end: stdout to {@code stdout}, stderr
   * (the log) to {@code stderr}, which must hold no leak report. Returns the exit code.
   */
  public static int run(Path stdout, Path stderr, Duration timeout, String... args) throws IOException,
      InterruptedException {
    Process process = new ProcessBuilder(command(args)).redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile()).start();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("agent " + String.join(" ", args) + " did not finish within " + timeout + ":\n"
          + Files.readString(stderr));
    }
    ChildAgentLeaks.assertNoReport("agent " + String.join(" ", args), stderr);
    return process.exitValue();
  }

  public long pid() {
    return process.pid();
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the log matches {@code pattern}, returning the match. */
  public Matcher awaitLog(Pattern pattern, Duration timeout) {
    Poll.until(timeout, "log line " + pattern, () -> pattern.matcher(log()).find() || !process.isAlive(), this::log);
    Matcher m = pattern.matcher(log());
    if (!m.find()) {
      throw new AssertionError("the agent exited (" + process.exitValue() + ") before logging " + pattern + ":\n"
          + log());
    }
    return m;
  }

  /** Sends a signal by name (HUP, TERM) with kill(1); before TERM, the agent is made to report its leaks. */
  public void signal(String name) throws IOException, InterruptedException {
    if (name.equals("TERM")) {
      ChildAgentLeaks.provoke(process.toHandle(), log()); // its last chance: close() finds it gone
    }
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -" + name + " failed");
    }
  }

  /** Waits for exit; returns the exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the agent did not exit within " + timeout + ":\n" + log());
    }
    return process.exitValue();
  }

  /** Makes a still running agent report its leaks, stops it, and fails if its output holds a leak report. */
  @Override
  public void close() {
    try {
      ChildAgentLeaks.provoke(process.toHandle(), log());
    } finally {
      process.destroyForcibly();
    }
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ChildAgentLeaks.assertNoReport("the agent (pid " + process.pid() + ")", log());
  }
}
