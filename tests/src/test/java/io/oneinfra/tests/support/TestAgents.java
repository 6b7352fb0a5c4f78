package io.oneinfra.tests.support;

import io.oneinfra.agent.Agent;
import io.oneinfra.agent.config.ConfigLoader;
import io.oneinfra.tests.testbed.Containerd;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import io.oneinfra.proxy.ProxySettings;
import java.nio.file.Path;
import java.util.Locale;

/** Agents for tests: in front of the test bed's containerd, on loopback, with ephemeral ports. */
public final class TestAgents {
  private TestAgents() {}

  /** The config YAML such tests share, with {@code extra} top-level sections appended. */
  public static String config(Path state, Containerd containerd, String name, String extra) {
    return config(state, containerd.socket(), name, "127.0.0.1", extra);
  }

  /** The same for any backend socket (it need not exist) and hypervisor address, in the default (cri) mode. */
  public static String config(Path state, Path backend, String name, String ipAddress, String extra) {
    return config(state, backend, name, ipAddress, extra, ProxySettings.Mode.CRI);
  }

  /** The same in {@code mode}: l4 for backends that are not a CRI runtime (an echo server). */
  public static String config(Path state, Path backend, String name, String ipAddress, String extra,
      ProxySettings.Mode mode) {
    return """
        stateDir: %s
        proxy:
          listen: 127.0.0.1:0
          backend: unix:%s
          mode: %s
        hypervisor:
          name: %s
          ipAddress: %s
        status:
          listen: 127.0.0.1:0
        %s
        """.formatted(state, backend, mode.name().toLowerCase(Locale.ROOT), name, ipAddress, extra);
  }

  /** Starts the real agent code in this JVM. */
  public static Agent start(Path state, Containerd containerd, String name, String extra) throws Exception {
    return start(config(state, containerd, name, extra));
  }

  /** Starts the real agent code in this JVM with {@code yaml}. */
  public static Agent start(String yaml) throws Exception {
    return Agent.start(new ConfigLoader().parse("test config",
        new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))));
  }

  /** A port nothing listens on right now. */
  public static int freePort() throws Exception {
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    }
  }
}
