package io.oneinfra.agent.cli;

import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.identity.HypervisorIdentity;
import io.oneinfra.agent.identity.IdentityResolver;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.tls.TlsSource;
import io.oneinfra.agent.tls.TlsState;
import java.io.IOException;
import java.time.Instant;

/**
 * What the offline commands (manifest, check, certs) see of this host: config, identity and TLS state.
 *
 * @param config the loaded config
 * @param identity the resolved identity
 * @param tls the TLS snapshot (the PKI is created when none exists, as run would)
 */
record HostView(AgentConfig config, HypervisorIdentity identity, TlsState tls) {

  static HostView load(AgentConfig config, boolean rotate) throws IOException {
    HypervisorIdentity identity = new IdentityResolver().resolve(config.hypervisor(),
        config.proxy().settings().listen());
    return new HostView(config, identity, new TlsSource(config).load(identity, Instant.now(), rotate));
  }

  /**
   * The manifest for the configured listen port.
   *
   * @throws IllegalArgumentException when the port is 0 (chosen at run time, so not publishable)
   */
  HypervisorManifest manifest() {
    int port = config.proxy().settings().listen().port();
    if (port == 0) {
      throw new IllegalArgumentException(
          "proxy.listen: port 0 (any free port) cannot be published in a manifest; set a fixed port");
    }
    return HypervisorManifest.of(identity, port, tls.serverCaPem().orElse(null), tls.client().orElse(null));
  }
}
