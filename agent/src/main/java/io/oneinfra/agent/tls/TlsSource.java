package io.oneinfra.agent.tls;

import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.identity.HypervisorIdentity;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.pki.GeneratedPki;
import io.oneinfra.agent.pki.SecureFiles;
import io.oneinfra.proxy.Pem;
import io.oneinfra.proxy.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads (and in generate mode, maintains) the TLS files named by the config. Each call returns a complete snapshot
 * or fails without side effects on what is being served.
 */
public final class TlsSource {
  private final AgentConfig config;

  public TlsSource(AgentConfig config) {
    this.config = config;
  }

  /** The generated PKI's directory. */
  public Path pkiDir() {
    return config.stateDir().resolve("pki");
  }

  /**
   * Loads the current snapshot; in generate mode first creates the CAs if none exist and re-issues the server
   * certificate when it is due, names change, or {@code forceRotation} is set.
   *
   * @throws IOException naming the file and the problem
   */
  public TlsState load(HypervisorIdentity identity, Instant now, boolean forceRotation) throws IOException {
    AgentConfig.Tls tls = config.tls();
    if (tls.mode() == AgentConfig.Tls.Mode.GENERATE) {
      GeneratedPki pki = GeneratedPki.loadOrCreate(pkiDir(), tls.keyType());
      if (forceRotation) {
        Files.deleteIfExists(pki.serverCertificate()); // the key is overwritten atomically with the new one
      }
      pki.ensureServerCertificate(serverNames(identity), tls.serverCertificateLifetime(), now);
      TlsMaterial material = pki.tlsMaterial();
      X509Certificate serverCa = Pem.readCertificates(pki.serverCaCertificate()).get(0);
      X509Certificate client = Pem.readCertificates(pki.clientCertificate()).get(0);
      return new TlsState(
          material.withAccessPolicy(AccessPolicies.load(config.access(), material.clientCas())),
          Optional.of(Files.readString(pki.serverCaCertificate())),
          Optional.of(new HypervisorManifest.ClientCertificate(Files.readString(pki.clientCertificate()),
              Files.readString(pki.clientKey()))),
          expiries(material, serverCa, client));
    }
    SecureFiles.checkPrivate(tls.privateKey());
    TlsMaterial material = TlsMaterial.load(tls.certificate(), tls.privateKey(), tls.clientCA());
    Optional<HypervisorManifest.ClientCertificate> client = Optional.empty();
    X509Certificate clientCertificate = null;
    if (tls.clientCertificate() != null) {
      SecureFiles.checkPrivate(tls.clientPrivateKey());
      Pem.readPrivateKey(tls.clientPrivateKey()); // fail now, not in the controller
      clientCertificate = Pem.readCertificates(tls.clientCertificate()).get(0);
      client = Optional.of(new HypervisorManifest.ClientCertificate(Files.readString(tls.clientCertificate()),
          Files.readString(tls.clientPrivateKey())));
    }
    X509Certificate root = material.certificateChain().get(material.certificateChain().size() - 1);
    Optional<String> serverCa = root.getBasicConstraints() >= 0
        ? Optional.of(Pem.encode("CERTIFICATE", encoded(root))) : Optional.empty();
    return new TlsState(material.withAccessPolicy(AccessPolicies.load(config.access(), material.clientCas())),
        serverCa, client, expiries(material, root.getBasicConstraints() >= 0 ? root : null, clientCertificate));
  }

  /** The names a generated server certificate carries: the IP, the host name, loopback names, and extras. */
  List<String> serverNames(HypervisorIdentity identity) {
    List<String> names = new ArrayList<>(List.of(identity.ip(), identity.name(), "localhost", "127.0.0.1", "::1"));
    for (String extra : config.tls().serverNames()) {
      if (!names.contains(extra)) {
        names.add(extra);
      }
    }
    return names.stream().distinct().toList();
  }

  private static Map<String, X509Certificate> expiries(TlsMaterial material, X509Certificate serverCa,
      X509Certificate client) {
    Map<String, X509Certificate> map = new LinkedHashMap<>();
    map.put("server", material.serverCertificate());
    if (serverCa != null) {
      map.put("server_ca", serverCa);
    }
    for (int i = 0; i < material.clientCas().size(); i++) {
      map.put(material.clientCas().size() == 1 ? "client_ca" : "client_ca_" + i, material.clientCas().get(i));
    }
    if (client != null) {
      map.put("client", client);
    }
    return map;
  }

  private static byte[] encoded(X509Certificate certificate) throws IOException {
    try {
      return certificate.getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IOException("tls.certificate: cannot encode " + certificate.getSubjectX500Principal(), e);
    }
  }
}
