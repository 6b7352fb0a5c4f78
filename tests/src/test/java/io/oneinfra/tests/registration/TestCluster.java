package io.oneinfra.tests.registration;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.proxy.Pem;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * The management cluster's side of join, played by the test against the API double: its CA and the API server's
 * serving certificate, the shipped manifests applied as the operator would, bootstrap tokens stored as kubeadm stores
 * them, cluster-info signed as the bootstrap signer does (with openssl), and the approver and signer of CSRs.
 */
final class TestCluster {
  static final String BOOTSTRAP_GROUP = "system:bootstrappers:oneinfra:hypervisors";
  private static final SecureRandom RANDOM = new SecureRandom();

  final Issued ca = CertificateIssuer.certificate("test-cluster-ca").certificateAuthority().issue();
  final Issued apiServer = CertificateIssuer.certificate("kube-apiserver").serverAuth().subjectAltName("127.0.0.1")
      .signedBy(ca).issue();
  private final KubernetesClient api;

  TestCluster(KubernetesClient api) {
    this.api = api;
  }

  /** The API server's TLS: its serving certificate, and the cluster CA for client certificates. */
  SSLContext serverTls() throws GeneralSecurityException, IOException {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("apiserver", apiServer.privateKey(), new char[0],
        new X509Certificate[] {apiServer.certificate(), ca.certificate()});
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, new char[0]);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("cluster-ca", ca.certificate());
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
    return context;
  }

  /** kubeadm's pin of the cluster CA, computed by openssl. */
  String caPin() {
    return Openssl.caPin(ca.certificate());
  }

  /** Applies every object of the shipped manifests, as {@code kubectl apply -f /usr/share/.../kubernetes/}. */
  void applyShippedManifests() throws IOException {
    Path dir = Path.of(System.getProperty("kubernetes.dir"));
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          for (HasMetadata object : api.load(in).items()) {
            api.resource(object).create();
          }
        }
      }
    }
  }

  /** A bootstrap token Secret as {@code kubeadm token create --groups BOOTSTRAP_GROUP} writes it; returns ID.SECRET. */
  String createToken(String id, String secret, Instant expiration) {
    Base64.Encoder b64 = Base64.getEncoder();
    api.secrets().inNamespace("kube-system").resource(new SecretBuilder()
        .withNewMetadata().withName("bootstrap-token-" + id).withNamespace("kube-system").endMetadata()
        .withType("bootstrap.kubernetes.io/token")
        .addToData("token-id", b64.encodeToString(id.getBytes(StandardCharsets.UTF_8)))
        .addToData("token-secret", b64.encodeToString(secret.getBytes(StandardCharsets.UTF_8)))
        .addToData("expiration", b64.encodeToString(expiration.toString().getBytes(StandardCharsets.UTF_8)))
        .addToData("usage-bootstrap-authentication", b64.encodeToString("true".getBytes(StandardCharsets.UTF_8)))
        .addToData("usage-bootstrap-signing", b64.encodeToString("true".getBytes(StandardCharsets.UTF_8)))
        .addToData("auth-extra-groups", b64.encodeToString(BOOTSTRAP_GROUP.getBytes(StandardCharsets.UTF_8)))
        .build()).create();
    return id + "." + secret;
  }

  /** The kubeconfig kubeadm puts into cluster-info: the server and the CA, no users. */
  String clusterInfoKubeconfig(String server, Issued clusterCa) {
    return """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: %s
            server: %s
          name: ""
        contexts: null
        current-context: ""
        kind: Config
        preferences: {}
        users: null
        """.formatted(Base64.getEncoder().encodeToString(clusterCa.certificatePem().getBytes(StandardCharsets.US_ASCII)),
        server);
  }

  /** Writes cluster-info with {@code kubeconfig} and the given signatures ({@code jws-kubeconfig-ID} to JWS). */
  void publishClusterInfo(String kubeconfig, java.util.Map<String, String> signatures) {
    api.configMaps().inNamespace("kube-public").withName("cluster-info").delete();
    ConfigMapBuilder configMap = new ConfigMapBuilder().withNewMetadata().withName("cluster-info")
        .withNamespace("kube-public").endMetadata().addToData("kubeconfig", kubeconfig);
    signatures.forEach((id, jws) -> configMap.addToData("jws-kubeconfig-" + id, jws));
    api.configMaps().inNamespace("kube-public").resource(configMap.build()).create();
  }

  /** The CSR named {@code name}. */
  CertificateSigningRequest csr(String name) {
    return api.certificates().v1().certificateSigningRequests().withName(name).get();
  }

  /** All CSR names. */
  List<String> csrNames() {
    List<String> names = new ArrayList<>();
    api.certificates().v1().certificateSigningRequests().list().getItems()
        .forEach(csr -> names.add(csr.getMetadata().getName()));
    return names;
  }

  /** The PKCS#10 request of a CSR, its signature checked. */
  static PKCS10CertificationRequest request(CertificateSigningRequest csr) throws Exception {
    String pem = new String(Base64.getDecoder().decode(csr.getSpec().getRequest()), StandardCharsets.US_ASCII);
    PKCS10CertificationRequest request = new PKCS10CertificationRequest(Pem.blocks("spec.request", pem).get(0).der());
    if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(publicKey(request)))) {
      throw new AssertionError("CSR " + csr.getMetadata().getName() + ": the PKCS#10 signature does not verify");
    }
    return request;
  }

  /** The request's public key (EC, as the agent makes them). */
  static PublicKey publicKey(PKCS10CertificationRequest request) throws GeneralSecurityException, IOException {
    return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(
        request.getSubjectPublicKeyInfo().getEncoded()));
  }

  /** Approves and signs {@code name} as kube-controller-manager's signer would: the request's subject and key. */
  X509Certificate approve(String name, Duration lifetime) throws Exception {
    CertificateSigningRequest csr = csr(name);
    PKCS10CertificationRequest request = request(csr);
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.certificate(),
        new BigInteger(127, RANDOM).add(BigInteger.ONE), Date.from(now.minusSeconds(1)), Date.from(now.plus(lifetime)),
        request.getSubject(), publicKey(request));
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.privateKey())));
    String pem = Pem.encode("CERTIFICATE", certificate.getEncoded());
    writeStatus(csr, "Approved", "TestApprover", "approved by the test",
        Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII)));
    return certificate;
  }

  /** Denies {@code name}. */
  void deny(String name, String reason, String message) {
    writeStatus(csr(name), "Denied", reason, message, null);
  }

  private void writeStatus(CertificateSigningRequest csr, String type, String reason, String message,
      String certificate) {
    CertificateSigningRequestStatus status = csr.getStatus() == null ? new CertificateSigningRequestStatus()
        : csr.getStatus();
    List<io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition> conditions =
        status.getConditions() == null ? new ArrayList<>() : new ArrayList<>(status.getConditions());
    conditions.add(new CertificateSigningRequestConditionBuilder().withType(type).withStatus("True")
        .withReason(reason).withMessage(message).withLastUpdateTime(Instant.now().toString()).build());
    status.setConditions(conditions);
    status.setCertificate(certificate);
    csr.setStatus(status);
    api.certificates().v1().certificateSigningRequests().resource(csr).updateStatus();
  }

  /** What the operator runs after approving a join (join prints it): read access to the host's own Hypervisor. */
  void grantOwnHypervisorRead(String hypervisor) {
    String name = "oneinfra:hypervisor:" + hypervisor;
    api.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata()
        .addNewRule().withApiGroups("infra.oneinfra.ereslibre.es").withResources("hypervisors")
        .withResourceNames(hypervisor).withVerbs("get").endRule().build()).create();
    api.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(name)
        .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName(name).endRoleRef().addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User")
        .withName("system:oneinfra:hypervisor:" + hypervisor).endSubject().build()).create();
  }
}
