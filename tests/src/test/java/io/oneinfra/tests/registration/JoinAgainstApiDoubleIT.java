package io.oneinfra.tests.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.oneinfra.agent.Agent;
import io.oneinfra.agent.registration.join.JoinedKubeconfig;
import io.oneinfra.proxy.Pem;
import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.tests.support.AgentProcess;
import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.TestAgents;
import io.oneinfra.tests.support.TlsClient;
import io.oneinfra.tests.support.UnixEchoBackend;
import io.oneinfra.tests.testbed.Poll;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code oneinfra-agent join} as a real process, then the agent's registration and certificate renewal in-process,
 * against <b>fabric8's in-process Kubernetes API double</b> (no kube-apiserver can be installed here) behind
 * {@link ApiInterposer} in TLS mode, which does what the double does not: TLS with the test cluster CA's serving
 * certificate, authentication (client certificates verified against the cluster CA, bootstrap tokens checked against
 * their kube-system Secret, anonymous), RBAC over the roles stored in the double (the shipped manifests, applied by the
 * test as the operator would), and the requestor stamped into new CSRs. It does not run admission: the shipped
 * policy's CEL is evaluated in packaging's AdmissionPolicyCelTest. The test plays the bootstrap signer (cluster-info's
 * JWS made with openssl) and the approver/signer of CSRs (the test cluster CA).
 */
class JoinAgainstApiDoubleIT {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final Pattern APPROVE = Pattern.compile("(?m)^kubectl certificate approve (\\S+)$");
  private static final String SECRET = "0123456789abcdef";

  private static ApiDouble double_;
  private static TestCluster cluster;
  private static ApiInterposer api;
  private static int tokens;

  @TempDir
  Path dir;

  @BeforeAll
  static void startTheCluster() throws Exception {
    double_ = new ApiDouble();
    cluster = new TestCluster(double_.controller());
    api = ApiInterposer.overTls(double_.url(), cluster.serverTls(), new ClusterAuthenticator(double_.controller()),
        new RbacAuthorizer(double_.controller()));
    cluster.applyShippedManifests();
  }

  @AfterAll
  static void stopTheCluster() {
    api.close();
    double_.close();
  }

  /** A fresh token, and cluster-info signed for it (with openssl) as the bootstrap signer does. */
  private static String token() {
    String id = String.format("tok%03d", ++tokens);
    String token = cluster.createToken(id, SECRET, Instant.now().plus(Duration.ofHours(1)));
    String kubeconfig = cluster.clusterInfoKubeconfig(api.url(), cluster.ca);
    cluster.publishClusterInfo(kubeconfig, Map.of(id, Openssl.detachedJws(kubeconfig, id, SECRET)));
    return token;
  }

  private Path state() {
    return dir.resolve("state");
  }

  private AgentProcess join(String name, String token, String... extra) throws Exception {
    Path config = Files.writeString(dir.resolve(name + ".yaml"),
        TestAgents.config(state(), dir.resolve("no-cri.sock"), name, "127.0.0.1", ""));
    List<String> args = new ArrayList<>(List.of("join", "--config", config.toString(), "--api-server",
        api.hostPort(), "--token", token));
    args.addAll(List.of(extra));
    return AgentProcess.start(dir.resolve(name + "-" + System.nanoTime() + ".log"), Map.of(),
        args.toArray(String[]::new));
  }

  private AgentProcess joinPinned(String name, String token, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("--discovery-token-ca-cert-hash", cluster.caPin(), "--timeout",
        "40s"));
    args.addAll(List.of(extra));
    return join(name, token, args.toArray(String[]::new));
  }

  private static String awaitCsr(AgentProcess join) {
    return join.awaitLog(APPROVE, DEADLINE).group(1);
  }

  /** A whole join: the CSR approved and signed with {@code lifetime}, the per-host read grant made; returns the cert. */
  private X509Certificate joined(String name, Duration lifetime) throws Exception {
    try (AgentProcess join = joinPinned(name, token())) {
      String csr = awaitCsr(join);
      cluster.grantOwnHypervisorRead(name);
      X509Certificate issued = cluster.approve(csr, lifetime);
      assertThat(join.awaitExit(DEADLINE)).as(join.log()).isZero();
      return issued;
    }
  }

  private Path kubeconfig() {
    return state().resolve("kubeconfig");
  }

  private List<String> stateFiles() throws Exception {
    if (!Files.exists(state())) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(state())) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private Agent startAgent(String name, Path backend) throws Exception {
    return TestAgents.start(TestAgents.config(state(), backend == null ? dir.resolve("no-cri.sock") : backend, name,
        "127.0.0.1", """
        registration:
          mode: kubernetes
          renewInterval: 300ms
          firstSyncDelay: 0
          backoffInitial: 50ms
          backoffMax: 1s
          renewalBackoffMax: 1s""", ProxySettings.Mode.L4)); // the backend, when any, is an echo server
  }

  @Test
  void joinFilesTheCsrWithTheExactSpecAndWritesAKubeconfigThatRegistrationUsesWithTheClientCertificate()
      throws Exception {
    String token = token();
    String csrName;
    X509Certificate issued;
    try (AgentProcess join = joinPinned("hv-e2e", token)) {
      csrName = awaitCsr(join);
      assertThat(join.log()).contains("\nkubectl create clusterrole oneinfra:hypervisor:hv-e2e --verb=get "
          + "--resource=hypervisors.infra.oneinfra.ereslibre.es --resource-name=hv-e2e\n", "\nkubectl create "
          + "clusterrolebinding oneinfra:hypervisor:hv-e2e --clusterrole=oneinfra:hypervisor:hv-e2e "
          + "--user=system:oneinfra:hypervisor:hv-e2e\n");
      assertThat(stateFiles()).as("nothing written before the certificate").isEmpty();
      CertificateSigningRequest csr = cluster.csr(csrName);
      assertThat(csr.getSpec().getSignerName()).isEqualTo("kubernetes.io/kube-apiserver-client");
      assertThat(csr.getSpec().getUsages()).containsExactly("digital signature", "client auth");
      assertThat(csr.getSpec().getExpirationSeconds()).isNull();
      assertThat(csr.getSpec().getUsername()).as("requestor, stamped by the API server").isEqualTo(
          "system:bootstrap:" + token.substring(0, 6));
      assertThat(csr.getSpec().getGroups()).contains("system:bootstrappers", TestCluster.BOOTSTRAP_GROUP);
      PKCS10CertificationRequest request = TestCluster.request(csr);
      assertThat(request.getSubject().getRDNs(BCStyle.CN)[0].getFirst().getValue().toString())
          .isEqualTo("system:oneinfra:hypervisor:hv-e2e");
      assertThat(request.getSubject().getRDNs(BCStyle.O)[0].getFirst().getValue().toString())
          .isEqualTo("system:oneinfra:hypervisors");
      assertThat(request.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm().getId())
          .as("an EC key").isEqualTo("1.2.840.10045.2.1");
      assertThat(api.seen).anySatisfy(seen -> {
        assertThat(seen.method()).isEqualTo("GET");
        assertThat(seen.path()).isEqualTo("/api/v1/namespaces/kube-public/configmaps/cluster-info");
        assertThat(seen.caller().user()).isEqualTo("system:anonymous");
      });
      cluster.grantOwnHypervisorRead("hv-e2e");
      issued = cluster.approve(csrName, Duration.ofHours(1));
      assertThat(join.awaitExit(DEADLINE)).as(join.log()).isZero();
      assertThat(join.log()).contains("joined: " + kubeconfig() + " holds the identity "
          + "system:oneinfra:hypervisor:hv-e2e");
    }
    assertThat(stateFiles()).containsExactly("kubeconfig");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kubeconfig()))).isEqualTo("rw-------");
    JoinedKubeconfig written = JoinedKubeconfig.read(kubeconfig()).orElseThrow();
    assertThat(written.certificate()).isEqualTo(issued);
    assertThat(written.server()).isEqualTo(api.url());
    assertThat(Pem.parseCertificates("ca", written.caPem())).containsExactly(cluster.ca.certificate());
    try (PEMParser pem = new PEMParser(new StringReader(written.keyPem()))) {
      assertThat(new JcaPEMKeyConverter().getKeyPair((PEMKeyPair) pem.readObject()).getPublic())
          .as("the key made on the host, in the kubeconfig only").isEqualTo(issued.getPublicKey());
    }
    assertThat(new String(Base64.getDecoder().decode(cluster.csr(csrName).getSpec().getRequest()),
        StandardCharsets.US_ASCII)).as("only the request was sent").doesNotContain("PRIVATE KEY");
    assertThat(Files.readString(kubeconfig())).doesNotContain(token);

    int before = api.seen.size();
    try (Agent agent = startAgent("hv-e2e", null)) {
      Poll.until(DEADLINE, "registered", () -> agent.registration().registered(), () -> agent.registration().line());
      GenericKubernetesResource object = double_.controller().genericKubernetesResources(ApiDouble.HYPERVISORS)
          .withName("hv-e2e").get();
      assertThat(object).isNotNull();
      List<ApiInterposer.Seen> registration = api.seen.subList(before, api.seen.size());
      assertThat(registration).isNotEmpty().allSatisfy(seen -> {
        assertThat(seen.caller().user()).isEqualTo("system:oneinfra:hypervisor:hv-e2e");
        assertThat(seen.caller().via()).isEqualTo("x509 serial " + issued.getSerialNumber().toString(16));
      });
      assertThat(registration).extracting(ApiInterposer.Seen::path).contains(
          "/apis/infra.oneinfra.ereslibre.es/v1alpha1/hypervisors/hv-e2e",
          "/apis/coordination.k8s.io/v1/namespaces/oneinfra-system/leases/hv-e2e");
    }
  }

  @Test
  void theJoinedIdentityCannotReadAnotherHypervisorNorReachBeyondItsGrants() throws Exception {
    joined("hv-narrow", Duration.ofHours(1));
    double_.controller().genericKubernetesResources(ApiDouble.HYPERVISORS).resource(hypervisor("hv-other"))
        .create();
    Config config = Config.fromKubeconfig(null, kubeconfig().toFile());
    config.setRequestRetryBackoffLimit(0);
    try (KubernetesClient host = new KubernetesClientBuilder().withConfig(config).build()) {
      assertForbidden(() -> host.genericKubernetesResources(ApiDouble.HYPERVISORS).withName("hv-other").get());
      assertForbidden(() -> host.genericKubernetesResources(ApiDouble.HYPERVISORS).list());
      assertForbidden(() -> host.secrets().inNamespace("kube-system").list());
      assertForbidden(() -> host.leases().inNamespace("kube-system").withName("hv-narrow").get());
      assertThat(host.genericKubernetesResources(ApiDouble.HYPERVISORS).withName("hv-narrow").get())
          .as("its own, once granted").isNull();
    }
  }

  private static GenericKubernetesResource hypervisor(String name) {
    GenericKubernetesResource object = new GenericKubernetesResource();
    object.setApiVersion("infra.oneinfra.ereslibre.es/v1alpha1");
    object.setKind("Hypervisor");
    object.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).build());
    object.setAdditionalProperty("spec", Map.of("ipAddress", "10.0.0.9"));
    return object;
  }

  private static void assertForbidden(Runnable call) {
    try {
      call.run();
      throw new AssertionError("expected HTTP 403");
    } catch (KubernetesClientException e) {
      assertThat(e.getCode()).as(e.getMessage()).isEqualTo(403);
    }
  }

  @Test
  void aClusterInfoSignedWithAnotherSecretIsRefusedAndNothingIsWrittenOrFiled() throws Exception {
    String token = token();
    String id = token.substring(0, 6);
    String kubeconfig = cluster.clusterInfoKubeconfig(api.url(), cluster.ca);
    cluster.publishClusterInfo(kubeconfig, Map.of(id, Openssl.detachedJws(kubeconfig, id, "ffffffffffffffff")));
    assertRefused(joinPinned("hv-badsig", token), "does not verify with the token's secret");
  }

  @Test
  void aClusterInfoAlteredAfterSigningIsRefused() throws Exception {
    String token = token();
    String id = token.substring(0, 6);
    String genuine = cluster.clusterInfoKubeconfig(api.url(), cluster.ca);
    String altered = cluster.clusterInfoKubeconfig("https://10.6.6.6:6443", cluster.ca);
    cluster.publishClusterInfo(altered, Map.of(id, Openssl.detachedJws(genuine, id, SECRET)));
    assertRefused(joinPinned("hv-altered", token), "does not verify with the token's secret");
  }

  @Test
  void aCaThatDoesNotMatchThePinIsRefusedNamingBothHashes() throws Exception {
    String token = token();
    String otherPin = Openssl.caPin(new TestCluster(double_.controller()).ca.certificate());
    try (AgentProcess join = join("hv-pin", token, "--discovery-token-ca-cert-hash", otherPin)) {
      assertRefused(join, "the cluster CA's public key " + cluster.caPin());
      assertThat(join.log()).contains("does not match --discovery-token-ca-cert-hash " + otherPin);
    }
  }

  @Test
  void anImpostorServingTheGenuineSignedClusterInfoFailsTheSecondReadOverThePinnedCa() throws Exception {
    String token = token();
    TestCluster impostor = new TestCluster(double_.controller());
    try (ApiInterposer fake = ApiInterposer.overTls(double_.url(), impostor.serverTls(),
        new ClusterAuthenticator(double_.controller()), new RbacAuthorizer(double_.controller()))) {
      Path config = Files.writeString(dir.resolve("impostor.yaml"),
          TestAgents.config(state(), dir.resolve("no-cri.sock"), "hv-impostor", "127.0.0.1", ""));
      try (AgentProcess join = AgentProcess.start(dir.resolve("impostor.log"), Map.of(), "join", "--config",
          config.toString(), "--api-server", fake.hostPort(), "--token", token, "--discovery-token-ca-cert-hash",
          cluster.caPin())) {
        assertRefused(join, "does not present a certificate from the pinned cluster CA");
      }
    }
  }

  private void assertRefused(AgentProcess join, String reason) throws Exception {
    try (join) {
      List<String> csrsBefore = cluster.csrNames();
      assertThat(join.awaitExit(DEADLINE)).as(join.log()).isEqualTo(3);
      assertThat(join.log()).contains(reason).doesNotContain(SECRET).doesNotContain("kubectl certificate approve");
      assertThat(stateFiles()).as("nothing written").isEmpty();
      assertThat(cluster.csrNames()).as("no CSR filed").isEqualTo(csrsBefore);
    }
  }

  @Test
  void aDeniedRequestEndsTheJoinWithTheApproversReasonAndWritesNothing() throws Exception {
    try (AgentProcess join = joinPinned("hv-denied", token())) {
      cluster.deny(awaitCsr(join), "NotOurHost", "no hypervisor of that name is expected");
      assertThat(join.awaitExit(DEADLINE)).as(join.log()).isEqualTo(1);
      assertThat(join.log()).contains("was denied (NotOurHost: no hypervisor of that name is expected); nothing "
          + "written");
    }
    assertThat(stateFiles()).isEmpty();
  }

  @Test
  void anUnapprovedRequestTimesOutAndWritesNothing() throws Exception {
    try (AgentProcess join = join("hv-timeout", token(), "--discovery-token-ca-cert-hash", cluster.caPin(),
        "--timeout", "4s")) {
      String csr = awaitCsr(join);
      assertThat(join.awaitExit(DEADLINE)).as(join.log()).isEqualTo(1);
      assertThat(join.log()).contains("timed out after 4s waiting for CertificateSigningRequest " + csr
          + " (waiting for approval)");
    }
    assertThat(stateFiles()).isEmpty();
  }

  @Test
  void anInterruptedJoinLeavesNoPartialStateAndAnInterruptedForcedJoinKeepsTheOldKubeconfig() throws Exception {
    try (AgentProcess join = joinPinned("hv-killed", token())) {
      awaitCsr(join);
      join.signal("TERM");
      assertThat(join.awaitExit(DEADLINE)).isNotZero();
    }
    assertThat(stateFiles()).as("no key, no temporary file, no kubeconfig").isEmpty();

    joined("hv-killed", Duration.ofHours(1));
    byte[] before = Files.readAllBytes(kubeconfig());
    try (AgentProcess join = joinPinned("hv-killed", token(), "--force")) {
      awaitCsr(join);
      join.signal("KILL");
      join.awaitExit(DEADLINE);
    }
    assertThat(stateFiles()).containsExactly("kubeconfig");
    assertThat(Files.readAllBytes(kubeconfig())).isEqualTo(before);
  }

  @Test
  void aJoinedHostSaysSoAndChangesNothingUnlessForced() throws Exception {
    X509Certificate first = joined("hv-again", Duration.ofHours(1));
    byte[] before = Files.readAllBytes(kubeconfig());
    List<String> csrsBefore = cluster.csrNames();
    try (AgentProcess again = joinPinned("hv-again", token())) {
      assertThat(again.awaitExit(DEADLINE)).as(again.log()).isEqualTo(4);
      assertThat(again.log()).contains("already joined: " + kubeconfig() + " exists (identity "
          + "system:oneinfra:hypervisor:hv-again, certificate valid until").contains("nothing changed");
    }
    assertThat(Files.readAllBytes(kubeconfig())).isEqualTo(before);
    assertThat(cluster.csrNames()).isEqualTo(csrsBefore);
    try (AgentProcess forced = joinPinned("hv-again", token(), "--force")) {
      X509Certificate second = cluster.approve(awaitCsr(forced), Duration.ofHours(1));
      assertThat(forced.awaitExit(DEADLINE)).as(forced.log()).isZero();
      assertThat(JoinedKubeconfig.read(kubeconfig()).orElseThrow().certificate()).isEqualTo(second);
      assertThat(second.getPublicKey()).as("a new key").isNotEqualTo(first.getPublicKey());
    }
  }

  @Test
  void withoutAPinOrTheUnsafeFlagJoinIsAUsageErrorAndTheSkipFlagJoinsOnTheSignatureAlone() throws Exception {
    String token = token();
    try (AgentProcess join = join("hv-nopin", token)) {
      assertThat(join.awaitExit(DEADLINE)).as(join.log()).isEqualTo(2);
      assertThat(join.log()).contains("--discovery-token-ca-cert-hash: required");
    }
    try (AgentProcess join = join("hv-nopin", token, "--discovery-token-unsafe-skip-ca-verification")) {
      cluster.approve(awaitCsr(join), Duration.ofHours(1));
      assertThat(join.awaitExit(DEADLINE)).as(join.log()).isZero();
      assertThat(join.log()).contains("CA pinning SKIPPED");
    }
    assertThat(stateFiles()).containsExactly("kubeconfig");
  }

  @Test
  void renewalFilesACsrAuthenticatedByTheCurrentCertificateAndSwapsTheKubeconfig() throws Exception {
    X509Certificate first = joined("hv-renew", Duration.ofSeconds(12));
    try (Agent agent = startAgent("hv-renew", null)) {
      String renewal = awaitNewCsr("hypervisor-hv-renew-", List.of());
      Poll.until(DEADLINE, "reported as waiting for approval", () -> agent.registration().detail()
          .contains("client certificate renewal waiting for approval: kubectl certificate approve " + renewal),
          () -> agent.registration().line());
      assertThat(agent.metrics().getGauges().get("registration.certificate.renewal.pending").getValue())
          .isEqualTo(1);
      CertificateSigningRequest csr = cluster.csr(renewal);
      assertThat(csr.getSpec().getUsername()).as("requestor: the current identity")
          .isEqualTo("system:oneinfra:hypervisor:hv-renew");
      assertThat(api.seen).anySatisfy(seen -> {
        assertThat(seen.method()).isEqualTo("POST");
        assertThat(seen.path()).isEqualTo("/apis/certificates.k8s.io/v1/certificatesigningrequests");
        assertThat(seen.caller().via()).isEqualTo("x509 serial " + first.getSerialNumber().toString(16));
      });
      X509Certificate second = cluster.approve(renewal, Duration.ofHours(1));
      Poll.until(DEADLINE, "kubeconfig swapped", () -> second.equals(certificateInKubeconfig()));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kubeconfig()))).isEqualTo("rw-------");
      assertThat(stateFiles()).containsExactlyInAnyOrder("kubeconfig", "hypervisor.yaml", "pki");
      Poll.until(DEADLINE, "registration on the new certificate", () -> api.seen.stream().anyMatch(seen ->
          seen.path().startsWith("/apis/coordination.k8s.io/") && seen.caller().via().equals("x509 serial "
              + second.getSerialNumber().toString(16))));
      assertThat(agent.metrics().meter("registration.certificate.renewals").getCount()).isEqualTo(1);
      Poll.until(DEADLINE, "pending cleared", () -> agent.metrics().getGauges()
          .get("registration.certificate.renewal.pending").getValue().equals(0));
      assertThat((Long) agent.metrics().getGauges().get("registration.certificate.expiry.seconds").getValue())
          .isGreaterThan(3000L);
      assertThat(agent.registration().detail()).doesNotContain("client certificate renewal");
    }
  }

  @Test
  void aDeniedRenewalIsRetriedWithBackoffAndReportedWhileTheProxyKeepsServing() throws Exception {
    joined("hv-retry", Duration.ofSeconds(12));
    try (UnixEchoBackend backend = UnixEchoBackend.start(dir.resolve("echo.sock"));
        Agent agent = startAgent("hv-retry", backend.path())) {
      String first = awaitNewCsr("hypervisor-hv-retry-", List.of());
      cluster.deny(first, "NotNow", "renewals are frozen");
      Poll.until(DEADLINE, "the failure reported", () -> agent.registration().detail()
          .contains("client certificate renewal retrying in"), () -> agent.registration().line());
      assertThat(agent.registration().detail()).contains("was denied (NotNow: renewals are frozen)");
      assertThat(agent.statusLine()).contains("client certificate renewal retrying in");
      assertThat(agent.readiness().details().get("registration")).contains("client certificate renewal retrying");
      assertThat(agent.metrics().meter("registration.certificate.renewal.failures").getCount()).isPositive();
      try (SSLSocket socket = TlsClient.connect(ControllerView.jdkContext(agent.manifest()),
          agent.proxy().localAddress())) {
        assertThat(TlsClient.roundTrip(socket, "serving while renewal fails"))
            .isEqualTo("serving while renewal fails");
      }
      String second = awaitNewCsr("hypervisor-hv-retry-", List.of(first));
      X509Certificate renewed = cluster.approve(second, Duration.ofHours(1));
      Poll.until(DEADLINE, "renewed after the retry", () -> renewed.equals(certificateInKubeconfig()));
      Poll.until(DEADLINE, "the failure cleared", () -> !agent.registration().detail()
          .contains("client certificate renewal"), () -> agent.registration().line());
    }
  }

  private String awaitNewCsr(String prefix, List<String> known) {
    List<String> found = new ArrayList<>();
    Poll.until(DEADLINE, "a new CSR " + prefix + "*", () -> {
      found.clear();
      cluster.csrNames().stream().filter(n -> n.startsWith(prefix) && !known.contains(n)
          && cluster.csr(n).getStatus() == null).forEach(found::add);
      return !found.isEmpty();
    }, () -> String.valueOf(cluster.csrNames()));
    return found.get(0);
  }

  private X509Certificate certificateInKubeconfig() {
    try {
      return JoinedKubeconfig.read(kubeconfig()).orElseThrow().certificate();
    } catch (Exception e) {
      return null;
    }
  }
}
