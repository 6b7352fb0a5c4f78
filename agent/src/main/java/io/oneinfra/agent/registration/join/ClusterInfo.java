package io.oneinfra.agent.registration.join;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.oneinfra.proxy.Pem;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/**
 * What the {@code cluster-info} ConfigMap's kubeconfig says about the management cluster: where its API server is and
 * which CA signs its certificates.
 *
 * @param server the API server URL ({@code https://...})
 * @param clusterName the cluster's name in that kubeconfig ({@code kubernetes} when it has none)
 * @param caPem the CA bundle (PEM)
 * @param cas the CA certificates in it
 */
public record ClusterInfo(URI server, String clusterName, String caPem, List<X509Certificate> cas) {
  private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory()).build();

  public ClusterInfo {
    cas = List.copyOf(cas);
  }

  /**
   * Reads the cluster of the kubeconfig's current context, else its first cluster.
   *
   * @throws IOException naming the missing or malformed field
   */
  public static ClusterInfo parse(String kubeconfig) throws IOException {
    JsonNode root = YAML.readTree(kubeconfig);
    if (root == null || !root.path("clusters").isArray() || root.path("clusters").isEmpty()) {
      throw new IOException("the kubeconfig has no clusters");
    }
    JsonNode entry = root.path("clusters").get(0);
    String context = root.path("current-context").asText("");
    for (JsonNode c : root.path("contexts")) {
      if (c.path("name").asText().equals(context)) {
        for (JsonNode candidate : root.path("clusters")) {
          if (candidate.path("name").asText().equals(c.path("context").path("cluster").asText())) {
            entry = candidate;
          }
        }
      }
    }
    JsonNode cluster = entry.path("cluster");
    String server = cluster.path("server").asText("");
    if (!server.startsWith("https://")) {
      throw new IOException("the kubeconfig's cluster server '" + server + "' is not an https:// URL");
    }
    String caData = cluster.path("certificate-authority-data").asText("");
    if (caData.isEmpty()) {
      throw new IOException("the kubeconfig's cluster has no certificate-authority-data");
    }
    String caPem;
    try {
      caPem = new String(Base64.getDecoder().decode(caData), StandardCharsets.US_ASCII);
    } catch (IllegalArgumentException e) {
      throw new IOException("certificate-authority-data is not base64", e);
    }
    String name = entry.path("name").asText("");
    return new ClusterInfo(URI.create(server), name.isEmpty() ? "kubernetes" : name, caPem,
        Pem.parseCertificates("certificate-authority-data", caPem));
  }
}
