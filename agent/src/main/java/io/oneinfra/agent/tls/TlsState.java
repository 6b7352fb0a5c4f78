package io.oneinfra.agent.tls;

import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.proxy.TlsMaterial;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;

/**
 * One consistent snapshot of the TLS side: what the proxy serves and what the controller is given.
 *
 * @param material the proxy's certificates, keys and access policy
 * @param serverCaPem the CA the controller must trust, when known
 * @param client the controller's client certificate, when the agent has one to publish
 * @param certificates every certificate whose expiry is reported, by metric suffix
 */
public record TlsState(TlsMaterial material, Optional<String> serverCaPem,
    Optional<HypervisorManifest.ClientCertificate> client, Map<String, X509Certificate> certificates) {
  public TlsState {
    certificates = Map.copyOf(certificates);
  }
}
