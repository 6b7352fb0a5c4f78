package io.oneinfra.tests.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Netty's leak detector in the agent processes tests start: every buffer tracked ({@link #PARANOID}), the process
 * made to report what it leaked ({@link #provoke}), and its output failed on a report ({@link #assertNoReport}).
 */
public final class ChildAgentLeaks {
  /** The JVM option that tracks every buffer; the test JVM runs with it too (the Failsafe argLine). */
  public static final String PARANOID = "-Dio.netty.leakDetection.level=paranoid";
  /** How Netty's ResourceLeakDetector starts every report it logs. */
  static final String REPORT = "LEAK:";
  private static final Pattern LISTENING = Pattern.compile("proxy listening on /?([0-9.]+):(\\d+)");

  private ChildAgentLeaks() {}

  /**
   * Makes a running agent report leaks it has: Netty finds a leaked buffer only once the GC collected it, and says
   * so on a later allocation. So: a full GC ({@code jcmd PID GC.run}), then a connection to the proxy (found in
   * {@code output}) whose first read allocates a buffer. Does nothing for a process that is gone.
   */
  public static void provoke(ProcessHandle process, String output) {
    if (!process.isAlive()) {
      return;
    }
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      throw new AssertionError("leak check: " + jcmd + " is missing; the tests need a JDK, not a JRE");
    }
    try {
      Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "GC.run")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!gc.waitFor(30, TimeUnit.SECONDS)) {
        gc.destroyForcibly();
        throw new AssertionError("leak check: jcmd " + process.pid() + " GC.run did not finish within 30 s");
      }
    } catch (IOException e) {
      throw new AssertionError("leak check: cannot run " + jcmd, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    Matcher listening = LISTENING.matcher(output);
    if (process.isAlive() && listening.find()) {
      touch(new InetSocketAddress(listening.group(1), Integer.parseInt(listening.group(2))));
    }
  }

  /** Sends a few bytes that are not TLS and waits for the proxy to hang up: it has read them into a buffer. */
  private static void touch(InetSocketAddress proxy) {
    try (Socket socket = new Socket()) {
      socket.connect(proxy, 5000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write("leak check\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      while (in.read() >= 0) {
        // an alert at most, then the close
      }
    } catch (IOException stoppingOrClosed) {
      // a proxy that is draining or has just closed has nothing more to allocate for us
    }
  }

  /** Fails, naming {@code process} and quoting the report, when {@code output} holds a Netty leak report. */
  public static void assertNoReport(String process, String output) {
    List<String> reports = output.lines().filter(line -> line.contains(REPORT)).toList();
    if (!reports.isEmpty()) {
      throw new AssertionError(process + " reported " + reports.size() + " Netty buffer leak(s):\n"
          + String.join("\n", reports) + "\n--- its output ---\n" + output);
    }
  }

  /** {@link #assertNoReport} on a file's content. */
  public static void assertNoReport(String process, Path output) {
    try {
      assertNoReport(process, Files.readString(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("leak check: cannot read " + process + "'s output " + output, e);
    }
  }
}
