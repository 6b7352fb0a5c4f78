package io.oneinfra.agent.tls;

import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.proxy.AccessPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CRL;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the proxy's access policy from the {@code access} section: allow lists and a verified CRL file. */
final class AccessPolicies {
  private static final Logger LOG = LoggerFactory.getLogger(AccessPolicies.class);

  private AccessPolicies() {}

  /**
   * Reads the policy; every CRL must be signed by one of {@code clientCas}.
   *
   * @throws IOException naming the file and what is wrong with it
   */
  static AccessPolicy load(AgentConfig.Access access, List<X509Certificate> clientCas) throws IOException {
    AgentConfig.Allow allow = access.allow();
    List<X509CRL> crls = access.crl() == null ? List.of() : readCrls(access.crl(), clientCas);
    return new AccessPolicy(new HashSet<>(allow.commonNames()), new HashSet<>(allow.organizationalUnits()),
        new HashSet<>(allow.dnsNames()), new HashSet<>(allow.uris()), new HashSet<>(allow.spkiSha256()), crls);
  }

  private static List<X509CRL> readCrls(Path file, List<X509Certificate> clientCas) throws IOException {
    List<X509CRL> crls = new ArrayList<>();
    for (CRL crl : parse(file)) {
      X509CRL x509 = (X509CRL) crl;
      verify(file, x509, clientCas);
      if (x509.getNextUpdate() != null && x509.getNextUpdate().before(new Date())) {
        LOG.warn("access.crl: {}: the CRL of {} is past its next update ({}); still enforcing it", file,
            x509.getIssuerX500Principal().getName(), x509.getNextUpdate().toInstant());
      }
      crls.add(x509);
    }
    if (crls.isEmpty()) {
      throw new IOException("access.crl: " + file + ": holds no CRL");
    }
    return crls;
  }

  private static Collection<? extends CRL> parse(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return CertificateFactory.getInstance("X.509").generateCRLs(in);
    } catch (GeneralSecurityException e) {
      throw new IOException("access.crl: " + file + ": not a valid CRL file: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IOException("access.crl: " + file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Accepts the CRL when any client CA of the issuer's name signed it (several during a CA key rollover). */
  private static void verify(Path file, X509CRL crl, List<X509Certificate> clientCas) throws IOException {
    GeneralSecurityException lastFailure = null;
    for (X509Certificate ca : clientCas) {
      if (ca.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
        try {
          crl.verify(ca.getPublicKey());
          return;
        } catch (GeneralSecurityException e) {
          lastFailure = e;
        }
      }
    }
    if (lastFailure != null) {
      throw new IOException("access.crl: " + file + ": the CRL of " + crl.getIssuerX500Principal().getName()
          + " has a bad signature: " + lastFailure.getMessage(), lastFailure);
    }
    throw new IOException("access.crl: " + file + ": the CRL issuer " + crl.getIssuerX500Principal().getName()
        + " is not one of the client CAs");
  }
}
