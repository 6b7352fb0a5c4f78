package io.oneinfra.proxy;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** Verifies client chains against the client CAs (PKIX), then applies the access policy: CRLs and allow lists. */
final class PolicyTrustManager extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager pkix;
  private final AccessPolicy policy;
  private final VerifiedChains verified = new VerifiedChains(256);

  /** One of PKIX's three client checks, with the handshake's socket or engine bound in. */
  @FunctionalInterface
  private interface PkixCheck {
    void run() throws CertificateException;
  }

  PolicyTrustManager(List<X509Certificate> clientCas, AccessPolicy policy) throws GeneralSecurityException {
    this.pkix = pkix(clientCas);
    this.policy = policy;
  }

  private static X509ExtendedTrustManager pkix(List<X509Certificate> clientCas) throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    try {
      store.load(null, null);
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException("cannot create an empty trust store", e);
    }
    for (int i = 0; i < clientCas.size(); i++) {
      store.setCertificateEntry("client-ca-" + i, clientCas.get(i));
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(store);
    for (TrustManager manager : factory.getTrustManagers()) {
      if (manager instanceof X509ExtendedTrustManager extended) {
        return extended;
      }
    }
    throw new GeneralSecurityException("no X509ExtendedTrustManager from PKIX");
  }

  private void applyPolicy(X509Certificate[] chain) throws CertificateException {
    // PKIX accepts a trust anchor presented as its own chain: the client CA's certificate (and key) must not log in
    if (chain[0].getBasicConstraints() >= 0) {
      throw new CertificateException("not a client certificate: " + chain[0].getSubjectX500Principal().getName()
          + " is a CA certificate");
    }
    Optional<String> refusal = policy.refusal(chain[0]);
    if (refusal.isPresent()) {
      throw new CertificateException(refusal.get());
    }
  }

  /** A chain that passed before and is still within validity passes again; anything else gets the full check. */
  private void check(X509Certificate[] chain, String authType, PkixCheck pkixCheck) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("no client certificate presented");
    }
    VerifiedChains.Key key = VerifiedChains.key(chain, authType);
    if (key != null && verified.passed(key, System.currentTimeMillis())) {
      return;
    }
    pkixCheck.run();
    applyPolicy(chain);
    if (key != null) {
      verified.remember(key, chain);
    }
  }

  /** How many verified chains are remembered (for tests). */
  int rememberedChains() {
    return verified.size();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain, authType, () -> pkix.checkClientTrusted(chain, authType, socket));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain, authType, () -> pkix.checkClientTrusted(chain, authType, engine));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain, authType, () -> pkix.checkClientTrusted(chain, authType));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("the proxy verifies clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("the proxy verifies clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("the proxy verifies clients only");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return pkix.getAcceptedIssuers();
  }
}
