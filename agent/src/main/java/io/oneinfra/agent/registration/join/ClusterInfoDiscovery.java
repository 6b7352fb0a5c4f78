package io.oneinfra.agent.registration.join;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token discovery as {@code kubeadm join} does it: read {@code kube-public/cluster-info} anonymously without trusting
 * the server yet, verify the kubeconfig in it with the token's JWS signature, check the CA it names against the pins,
 * then read it again over TLS verified with that CA and require the same content. Nothing is trusted before that.
 */
public final class ClusterInfoDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterInfoDiscovery.class);
  private static final String PATH = "/api/v1/namespaces/kube-public/configmaps/cluster-info";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final URI endpoint;
  private final BootstrapToken token;
  private final List<CaPin> pins;
  private final Duration retryInterval;

  /**
   * @param endpoint {@code https://HOST:PORT} of {@code --api-server}
   * @param pins the accepted CA pins; empty only with {@code --discovery-token-unsafe-skip-ca-verification}
   * @param retryInterval the wait between tries while the ConfigMap or its signature is not there yet
   */
  public ClusterInfoDiscovery(URI endpoint, BootstrapToken token, List<CaPin> pins, Duration retryInterval) {
    this.endpoint = endpoint;
    this.token = token;
    this.pins = List.copyOf(pins);
    this.retryInterval = retryInterval;
  }

  /**
   * The verified cluster info.
   *
   * @throws JoinException REFUSED when the signature, the pin or the second read does not match; FAILED when the
   *     ConfigMap or the token's signature could not be read before {@code deadline}
   */
  public ClusterInfo discover(Instant deadline) throws JoinException, InterruptedException {
    String kubeconfig = fetchSigned(insecureContext(), deadline);
    ClusterInfo info;
    try {
      info = ClusterInfo.parse(kubeconfig);
    } catch (IOException | IllegalArgumentException e) {
      throw new JoinException(JoinException.Outcome.FAILED, "cluster-info: malformed kubeconfig: " + e.getMessage(),
          e);
    }
    if (pins.isEmpty()) {
      LOG.warn("join: cluster-info signature verified; CA pinning SKIPPED (--discovery-token-unsafe-skip-ca-"
          + "verification): trusting CA {} on the token's word alone", describe(info.cas()));
      return info;
    }
    if (info.cas().stream().noneMatch(ca -> pins.contains(CaPin.of(ca)))) {
      throw new JoinException(JoinException.Outcome.REFUSED, "cluster-info: the cluster CA's public key "
          + describe(info.cas()) + " does not match --discovery-token-ca-cert-hash "
          + pins.stream().map(CaPin::toString).collect(Collectors.joining(", ")));
    }
    String again;
    try {
      again = fetchSigned(trusting(info.cas()), deadline);
    } catch (JoinException e) {
      if (e.getCause() instanceof SSLHandshakeException handshake) {
        throw new JoinException(JoinException.Outcome.REFUSED, "cluster-info: the API server at " + endpoint
            + " does not present a certificate from the pinned cluster CA: " + handshake.getMessage(), handshake);
      }
      throw e;
    }
    if (!again.equals(kubeconfig)) {
      throw new JoinException(JoinException.Outcome.REFUSED, "cluster-info: the second read (over TLS verified "
          + "with the pinned CA) returned a different kubeconfig than the first");
    }
    LOG.info("join: cluster-info verified (JWS of token {}, CA {}); API server {}", token.id(),
        describe(info.cas()), info.server());
    return info;
  }

  private static String describe(List<X509Certificate> cas) {
    return cas.stream().map(ca -> CaPin.of(ca) + " (" + ca.getSubjectX500Principal().getName() + ")")
        .collect(Collectors.joining(", "));
  }

  /** Reads the ConfigMap until it carries the token's signature; returns its verified kubeconfig text. */
  private String fetchSigned(SSLContext tls, Instant deadline) throws JoinException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
        .connectTimeout(Duration.ofSeconds(5)).build();
    String lastError;
    String logged = null;
    Exception lastCause = null;
    while (true) {
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint.resolve(PATH))
            .header("Accept", "application/json").timeout(Duration.ofSeconds(10)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          JsonNode data = JSON.readTree(response.body()).path("data");
          String kubeconfig = data.path("kubeconfig").asText("");
          String signature = data.path("jws-kubeconfig-" + token.id()).asText("");
          if (kubeconfig.isEmpty()) {
            lastError = "the cluster-info ConfigMap has no kubeconfig key: this API server is not set up for token "
                + "bootstrapping";
          } else if (signature.isEmpty()) {
            lastError = "no jws-kubeconfig-" + token.id() + " in cluster-info: token " + token.id() + " is unknown "
                + "to this cluster, expired, or not signed yet (is the bootstrapsigner controller running?)";
          } else {
            DetachedJws.verify(signature, kubeconfig, token);
            return kubeconfig;
          }
        } else {
          lastError = "GET " + PATH + " answered HTTP " + response.statusCode()
              + (response.statusCode() == 404 ? " (no cluster-info ConfigMap in kube-public)" : "")
              + (response.statusCode() == 401 || response.statusCode() == 403
                  ? " (anonymous reads of cluster-info are not allowed)" : "");
        }
      } catch (IOException e) {
        lastCause = e;
        lastError = "cannot read cluster-info from " + endpoint + ": " + (e instanceof ConnectException
            ? "connection refused" : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        if (e instanceof SSLHandshakeException) {
          throw new JoinException(JoinException.Outcome.FAILED, lastError, e);
        }
      }
      Duration left = Duration.between(Instant.now(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw new JoinException(JoinException.Outcome.FAILED, "gave up at the --timeout: " + lastError, lastCause);
      }
      if (!lastError.equals(logged)) {
        LOG.info("join: {}; retrying every {}ms until the --timeout", lastError, retryInterval.toMillis());
        logged = lastError;
      }
      Thread.sleep(Math.min(retryInterval.toMillis(), left.toMillis()));
    }
  }

  /** TLS that accepts any server: the first read, whose content is then checked by the signature and the pin. */
  private static SSLContext insecureContext() {
    return context(new TrustManager[] {new X509ExtendedTrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
        // never a server
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
        // nothing trusted yet: what the server sends is verified by the JWS signature and the CA pin
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        // never a server
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        // as above
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        // never a server
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        // as above
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }});
  }

  /** TLS that trusts only {@code cas}, with host name verification. */
  static SSLContext trusting(List<X509Certificate> cas) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        store.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return context(factory.getTrustManagers());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a trust store of the cluster CA: " + e.getMessage(), e);
    }
  }

  private static SSLContext context(TrustManager[] trust) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
    }
  }
}
