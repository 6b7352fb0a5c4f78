package io.oneinfra.tests.registration;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * kube-apiserver's authenticators, as far as join, registration and renewal need them: an X.509 client certificate
 * (already verified against the cluster CA by the TLS handshake) is user CN with groups O; a bootstrap token
 * {@code Bearer ID.SECRET} is checked against the {@code kube-system/bootstrap-token-ID} Secret in the double
 * (type, secret, expiration, usage-bootstrap-authentication) and is {@code system:bootstrap:ID} in
 * {@code system:bootstrappers} plus its auth-extra-groups; no credentials is {@code system:anonymous}. Any other bearer
 * token is refused (401).
 */
final class ClusterAuthenticator implements ApiInterposer.Authenticator {
  private final KubernetesClient double_;

  ClusterAuthenticator(KubernetesClient double_) {
    this.double_ = double_;
  }

  @Override
  public ApiInterposer.Caller authenticate(HttpExchange exchange) {
    X509Certificate client = clientCertificate(exchange);
    if (client != null) {
      List<String> groups = new ArrayList<>(attributes(client, "O"));
      groups.add("system:authenticated");
      return new ApiInterposer.Caller(attributes(client, "CN").get(0), groups,
          "x509 serial " + client.getSerialNumber().toString(16));
    }
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization == null) {
      return new ApiInterposer.Caller("system:anonymous", List.of("system:unauthenticated"), "anonymous");
    }
    String token = authorization.startsWith("Bearer ") ? authorization.substring(7) : "";
    String[] parts = token.split("\\.", -1);
    if (parts.length != 2) {
      return null;
    }
    Secret secret = double_.secrets().inNamespace("kube-system").withName("bootstrap-token-" + parts[0]).get();
    if (secret == null || !"bootstrap.kubernetes.io/token".equals(secret.getType())) {
      return null;
    }
    Map<String, String> data = secret.getData();
    String expiration = decoded(data, "expiration");
    if (!parts[1].equals(decoded(data, "token-secret")) || !"true".equals(decoded(data,
        "usage-bootstrap-authentication")) || (!expiration.isEmpty()
        && Instant.parse(expiration).isBefore(Instant.now()))) {
      return null;
    }
    List<String> groups = new ArrayList<>(List.of("system:bootstrappers"));
    for (String extra : decoded(data, "auth-extra-groups").split(",")) {
      if (!extra.isBlank()) {
        groups.add(extra.strip());
      }
    }
    groups.add("system:authenticated");
    return new ApiInterposer.Caller("system:bootstrap:" + parts[0], groups, "bootstrap token " + parts[0]);
  }

  private static X509Certificate clientCertificate(HttpExchange exchange) {
    if (!(exchange instanceof HttpsExchange https)) {
      return null;
    }
    try {
      Certificate[] chain = https.getSSLSession().getPeerCertificates();
      return chain.length == 0 ? null : (X509Certificate) chain[0];
    } catch (SSLPeerUnverifiedException e) {
      return null; // no client certificate sent
    }
  }

  private static String decoded(Map<String, String> data, String key) {
    String value = data == null ? null : data.get(key);
    return value == null ? "" : new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
  }

  private static List<String> attributes(X509Certificate certificate, String type) {
    try {
      return new LdapName(certificate.getSubjectX500Principal().getName()).getRdns().stream()
          .filter(rdn -> rdn.getType().equalsIgnoreCase(type)).map(Rdn::getValue).map(String::valueOf).toList();
    } catch (InvalidNameException e) {
      return List.of();
    }
  }
}
