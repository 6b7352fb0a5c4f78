package io.oneinfra.agent.registration.join;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.oneinfra.agent.pki.SecureFiles;
import io.oneinfra.proxy.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Optional;

/**
 * The kubeconfig {@code join} writes and renewal rewrites: the management cluster (server and CA) and this
 * hypervisor's client certificate with its key embedded, in one file of mode 0600 replaced atomically.
 *
 * @param server the API server URL
 * @param clusterName the cluster's name
 * @param caPem the cluster CA bundle (PEM)
 * @param certificatePem the client certificate chain (PEM)
 * @param keyPem its private key (PEM)
 */
public record JoinedKubeconfig(String server, String clusterName, String caPem, String certificatePem,
    String keyPem) {
  private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)).build();

  /** The client certificate's leaf. */
  public X509Certificate certificate() throws IOException {
    return Pem.parseCertificates("kubeconfig client-certificate-data", certificatePem).get(0);
  }

  /** The user name in the certificate (its CN), also the kubeconfig's user and context name. */
  public String userName() throws IOException {
    String cn = HypervisorCsr.attribute(certificate(), "CN");
    return cn == null ? "hypervisor" : cn;
  }

  /** This kubeconfig with a new certificate and key. */
  public JoinedKubeconfig withCredentials(String newCertificatePem, String newKeyPem) {
    return new JoinedKubeconfig(server, clusterName, caPem, newCertificatePem, newKeyPem);
  }

  /** The file's text. */
  public String toYaml() throws IOException {
    String user = userName();
    ObjectNode root = YAML.createObjectNode();
    root.put("apiVersion", "v1");
    root.put("kind", "Config");
    ObjectNode cluster = root.putArray("clusters").addObject().put("name", clusterName).putObject("cluster");
    cluster.put("server", server);
    cluster.put("certificate-authority-data", base64(caPem));
    ObjectNode credentials = root.putArray("users").addObject().put("name", user).putObject("user");
    credentials.put("client-certificate-data", base64(certificatePem));
    credentials.put("client-key-data", base64(keyPem));
    ObjectNode context = root.putArray("contexts").addObject().put("name", user + "@" + clusterName)
        .putObject("context");
    context.put("cluster", clusterName);
    context.put("user", user);
    root.put("current-context", user + "@" + clusterName);
    return YAML.writeValueAsString(root);
  }

  /** Writes {@code file} atomically with mode 0600 (its directory is created 0700 when missing). */
  public void write(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      SecureFiles.createPrivateDirectory(dir);
    }
    SecureFiles.writeAtomically(file, toYaml(), true);
  }

  /**
   * Reads a kubeconfig whose current context's user has an embedded client certificate and key.
   *
   * @return empty when the file does not exist, or its user has no embedded certificate (an operator's kubeconfig)
   * @throws IOException when it cannot be read or parsed
   */
  public static Optional<JoinedKubeconfig> read(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IOException(file + ": not a kubeconfig: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException(file + ": not a kubeconfig (no YAML mapping)");
    }
    String contextName = root.path("current-context").asText("");
    JsonNode context = named(root.path("contexts"), contextName).path("context");
    JsonNode cluster = named(root.path("clusters"), context.path("cluster").asText("")).path("cluster");
    JsonNode user = named(root.path("users"), context.path("user").asText("")).path("user");
    String certificate = user.path("client-certificate-data").asText("");
    String key = user.path("client-key-data").asText("");
    if (certificate.isEmpty() || key.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new JoinedKubeconfig(cluster.path("server").asText(""),
          context.path("cluster").asText(""), decode(cluster.path("certificate-authority-data").asText("")),
          decode(certificate), decode(key)));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": an embedded certificate or key of context '" + contextName
          + "' is not base64", e);
    }
  }

  private static JsonNode named(JsonNode list, String name) {
    if (list instanceof ArrayNode array) {
      for (JsonNode entry : array) {
        if (name.equals(entry.path("name").asText())) {
          return entry;
        }
      }
    }
    return YAML.missingNode();
  }

  private static String base64(String pem) {
    return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
  }

  @Override
  public String toString() {
    return "JoinedKubeconfig[" + server + "]"; // never the key
  }
}
