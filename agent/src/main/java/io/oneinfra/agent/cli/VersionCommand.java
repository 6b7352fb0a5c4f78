package io.oneinfra.agent.cli;

import io.netty.channel.epoll.Epoll;
import io.netty.handler.ssl.OpenSsl;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code version}: the agent's version and what it runs on (Java, epoll, BoringSSL). */
@Command(name = "version", description = "Print the agent's version, Java runtime, and native transport and TLS.")
final class VersionCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    out.println(new VersionProvider().getVersion()[0]);
    out.println("java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
    out.println("epoll " + (Epoll.isAvailable() ? "available" : "unavailable: " + Epoll.unavailabilityCause()));
    out.println("tls " + (OpenSsl.isAvailable() ? OpenSsl.versionString() : "jdk (BoringSSL unavailable)"));
    out.flush();
    return 0;
  }
}
