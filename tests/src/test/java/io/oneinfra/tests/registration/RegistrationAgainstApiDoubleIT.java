package io.oneinfra.tests.registration;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.oneinfra.agent.Agent;
import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.proxy.ProxySettings;
import io.oneinfra.tests.support.ControllerView;
import io.oneinfra.tests.support.TestAgents;
import io.oneinfra.tests.support.TlsClient;
import io.oneinfra.tests.support.UnixEchoBackend;
import io.oneinfra.tests.testbed.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registration in {@code kubernetes} mode with the real agent code ({@link Agent#start} in-process), against
 * <b>fabric8's in-process Kubernetes API double</b> ({@code KubernetesMockServer} in CRUD mode), because no real
 * kube-apiserver can be installed on these machines.
 *
 * <p>What the double enforces, checked here: resourceVersion conflicts on PUT (409), AlreadyExists on create (409),
 * 404 for missing objects, and, once the Hypervisor CRD with a status subresource is registered in it, a main
 * resource that ignores {@code status} (on create and update) and a {@code /status} subresource that ignores
 * {@code spec}; Lease objects. What it does not do, and {@link ApiInterposer} (a small forwarder in front of it) or
 * the test does instead: authentication (the interposer answers 401 to a bad token), an outage (the interposer's
 * port goes away), a controller write between the agent's read and update (the interposer runs it just before the
 * agent's PUT, so the double's own check answers 409), garbage collection of the Lease with its owner (the test
 * deletes both), and namespace existence (not checked by the double: not tested).
 */
class RegistrationAgainstApiDoubleIT {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final String TOKEN = "good-token";
  private static final ResourceDefinitionContext HYPERVISORS = ApiDouble.HYPERVISORS;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static ApiDouble double_;
  private static KubernetesClient controller;
  private static ApiInterposer api;

  @TempDir
  Path dir;

  @BeforeAll
  static void startTheDouble() throws Exception {
    double_ = new ApiDouble();
    controller = double_.controller();
    api = new ApiInterposer(double_.url(), TOKEN);
  }

  @AfterAll
  static void stopTheDouble() {
    api.close();
    double_.close();
  }

  private Path kubeconfig(String token) throws Exception {
    Path file = dir.resolve("kubeconfig-" + token);
    Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: double
          cluster:
            server: %s
        users:
        - name: agent
          user:
            token: %s
        contexts:
        - name: agent@double
          context:
            cluster: double
            user: agent
        current-context: agent@double
        """.formatted(api.url(), token));
    return file;
  }

  private Agent start(String name, String ip, Path kubeconfig, Path backend) throws Exception {
    return TestAgents.start(TestAgents.config(dir.resolve("state"),
        backend == null ? dir.resolve("no-cri.sock") : backend, name, ip, """
        registration:
          mode: kubernetes
          kubeconfig: %s
          renewInterval: 300ms
          resyncInterval: 1m
          firstSyncDelay: 0
          backoffInitial: 50ms
          backoffMax: 1s""".formatted(kubeconfig), ProxySettings.Mode.L4)); // the backend is an echo server
  }


  private static GenericKubernetesResource hypervisor(String name) {
    return controller.genericKubernetesResources(HYPERVISORS).withName(name).get();
  }

  private static Lease lease(String name) {
    return controller.leases().inNamespace("oneinfra-system").withName(name).get();
  }

  private static Map<String, Object> specOf(HypervisorManifest manifest) {
    return JSON.convertValue(manifest.spec(), new TypeReference<Map<String, Object>>() {});
  }

  private static void awaitRegistered(Agent agent) {
    Poll.until(DEADLINE, "registered", () -> agent.registration().registered(), () -> agent.registration().line());
  }

  @Test
  void firstRegistrationWritesTheSpecOurMetadataAndNoStatus() throws Exception {
    try (Agent agent = start("hv-first", "127.0.0.1", kubeconfig(TOKEN), null)) {
      awaitRegistered(agent);
      GenericKubernetesResource object = hypervisor("hv-first");
      assertThat(object).isNotNull();
      assertThat(object.getAdditionalProperties().get("spec")).isEqualTo(specOf(agent.manifest()));
      assertThat(object.getAdditionalProperties()).doesNotContainKey("status");
      assertThat(object.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "oneinfra-agent");
      assertThat(object.getMetadata().getAnnotations()).containsKey("oneinfra-agent.oneinfra.io/version");
      assertThat(agent.statusLine()).contains("registration kubernetes: registered hv-first (lease renewed");
      assertThat(agent.readiness().details().get("registration")).startsWith("kubernetes: registered hv-first");
      assertThat(agent.metrics().getGauges().get("registration.state").getValue()).isEqualTo(1);
      assertThat(Files.exists(agent.manifestFile())).as("local copy of the manifest").isTrue();
    }
  }

  @Test
  void anIpChangeUpdatesTheSameObject() throws Exception {
    String uid;
    try (Agent agent = start("hv-ip", "127.0.0.1", kubeconfig(TOKEN), null)) {
      awaitRegistered(agent);
      uid = hypervisor("hv-ip").getMetadata().getUid();
    }
    try (Agent agent = start("hv-ip", "127.0.0.2", kubeconfig(TOKEN), null)) {
      Map<String, Object> wanted = specOf(agent.manifest());
      assertThat(wanted.get("ipAddress")).isEqualTo("127.0.0.2");
      Poll.until(DEADLINE, "spec follows the new address",
          () -> wanted.equals(hypervisor("hv-ip").getAdditionalProperties().get("spec")),
          () -> String.valueOf(hypervisor("hv-ip")));
      assertThat(hypervisor("hv-ip").getMetadata().getUid()).as("updated, not recreated").isEqualTo(uid);
    }
  }

  @Test
  void aControllerStatusWriteSurvivesTheAgentsSyncAndAConflictIsRetried() throws Exception {
    try (Agent agent = start("hv-status", "127.0.0.1", kubeconfig(TOKEN), null)) {
      awaitRegistered(agent);
      writeStatus("hv-status", Map.of("ready", false, "observedBy", "controller-1"));
      // someone edits the spec by hand; the agent puts it back on its next sync...
      GenericKubernetesResource edited = hypervisor("hv-status");
      @SuppressWarnings("unchecked")
      Map<String, Object> spec = new HashMap<>((Map<String, Object>) edited.getAdditionalProperties().get("spec"));
      spec.put("portRange", Map.of("low", 1, "high", 2));
      edited.setAdditionalProperty("spec", spec);
      controller.genericKubernetesResources(HYPERVISORS).resource(edited).update();
      // ...and the controller writes status again just between the agent's read and its update: a real 409
      Map<String, Object> finalStatus = Map.of("ready", true, "observedBy", "controller-2");
      api.beforeNextPut("/apis/infra.oneinfra.ereslibre.es/v1alpha1/hypervisors/hv-status",
          () -> writeStatus("hv-status", finalStatus));
      long conflictsBefore = agent.metrics().meter("registration.conflicts").getCount();
      agent.manifestChanged();
      Poll.until(DEADLINE, "spec restored", () -> specOf(agent.manifest())
          .equals(hypervisor("hv-status").getAdditionalProperties().get("spec")),
          () -> String.valueOf(hypervisor("hv-status")));
      assertThat(api.armedActionRan()).isTrue();
      assertThat(agent.metrics().meter("registration.conflicts").getCount()).isGreaterThan(conflictsBefore);
      assertThat(hypervisor("hv-status").getAdditionalProperties().get("status")).isEqualTo(finalStatus);
      assertThat(agent.registration().registered()).isTrue();
    }
  }

  private static void writeStatus(String name, Map<String, Object> status) {
    GenericKubernetesResource current = hypervisor(name);
    current.setAdditionalProperty("status", status);
    controller.genericKubernetesResources(HYPERVISORS).resource(current).updateStatus();
  }

  @Test
  void aDeletedHypervisorIsRecreated() throws Exception {
    try (Agent agent = start("hv-deleted", "127.0.0.1", kubeconfig(TOKEN), null)) {
      awaitRegistered(agent);
      Poll.until(DEADLINE, "lease", () -> lease("hv-deleted") != null);
      String before = hypervisor("hv-deleted").getMetadata().getUid();
      controller.genericKubernetesResources(HYPERVISORS).withName("hv-deleted").delete();
      controller.leases().inNamespace("oneinfra-system").withName("hv-deleted").delete(); // the GC's part
      Poll.until(DEADLINE, "recreated", () -> {
        GenericKubernetesResource now = hypervisor("hv-deleted");
        return now != null && !now.getMetadata().getUid().equals(before);
      });
      String after = hypervisor("hv-deleted").getMetadata().getUid();
      assertThat(hypervisor("hv-deleted").getAdditionalProperties().get("spec")).isEqualTo(specOf(agent.manifest()));
      Poll.until(DEADLINE, "lease owned by the new object", () -> {
        Lease lease = lease("hv-deleted");
        return lease != null && lease.getMetadata().getOwnerReferences().size() == 1
            && after.equals(lease.getMetadata().getOwnerReferences().get(0).getUid());
      });
    }
  }

  @Test
  void theLeaseIsRenewedAtTheConfiguredCadence() throws Exception {
    try (Agent agent = start("hv-lease", "127.0.0.1", kubeconfig(TOKEN), null)) {
      awaitRegistered(agent);
      List<ZonedDateTime> renewals = new ArrayList<>();
      Poll.until(Duration.ofSeconds(15), "six renewals", () -> {
        Lease lease = lease("hv-lease");
        ZonedDateTime renewTime = lease == null ? null : lease.getSpec().getRenewTime();
        if (renewTime != null && (renewals.isEmpty() || !renewals.get(renewals.size() - 1).equals(renewTime))) {
          renewals.add(renewTime);
        }
        return renewals.size() >= 6;
      });
      for (int i = 1; i < renewals.size(); i++) {
        // renewInterval 300ms +-10% jitter, plus the request itself; the poll may miss one renewal at most rarely,
        // so the bound is generous on the high side
        assertThat(Duration.between(renewals.get(i - 1), renewals.get(i)).toMillis())
            .as("interval %d of %s", i, renewals).isBetween(250L, 800L);
      }
      Lease lease = lease("hv-lease");
      GenericKubernetesResource object = hypervisor("hv-lease");
      assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(40);
      assertThat(lease.getSpec().getHolderIdentity()).contains("_" + ProcessHandle.current().pid() + "_");
      assertThat(lease.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
        assertThat(owner.getApiVersion()).isEqualTo("infra.oneinfra.ereslibre.es/v1alpha1");
        assertThat(owner.getKind()).isEqualTo("Hypervisor");
        assertThat(owner.getName()).isEqualTo("hv-lease");
        assertThat(owner.getUid()).isEqualTo(object.getMetadata().getUid());
      });
      // the 6th may be counted just after the poll saw it in the double
      assertThat(agent.metrics().meter("registration.lease.renewals").getCount()).isGreaterThanOrEqualTo(5);
    }
  }

  @Test
  void anApiOutageLeavesTheProxyServingAndRegistrationConvergesWithinTheBackoffCap() throws Exception {
    try (UnixEchoBackend backend = UnixEchoBackend.start(dir.resolve("echo.sock"));
        Agent agent = start("hv-outage", "127.0.0.1", kubeconfig(TOKEN), backend.path())) {
      awaitRegistered(agent);
      api.down();
      try {
        Poll.until(DEADLINE, "registration notices the outage", () -> !agent.registration().registered(),
            () -> agent.registration().line());
        Poll.until(DEADLINE, "a few failed retries",
            () -> agent.metrics().meter("registration.failures").getCount() >= 3);
        assertThat(agent.registration().detail()).startsWith("retrying in ").contains("cannot reach");
        assertThat(agent.metrics().getGauges().get("registration.state").getValue()).isEqualTo(0);
        assertThat(agent.readiness().details().get("registration")).contains("retrying in");
        try (SSLSocket socket = TlsClient.connect(ControllerView.jdkContext(agent.manifest()), agent.proxy().localAddress())) {
          assertThat(TlsClient.roundTrip(socket, "through the proxy while the API is down"))
              .isEqualTo("through the proxy while the API is down");
        }
      } finally {
        api.up();
      }
      long back = System.nanoTime();
      Poll.until(DEADLINE, "registered again", () -> agent.registration().registered(),
          () -> agent.registration().line());
      // backoffMax is 1s: the next try comes at most 1s after the API returns, plus the sync itself
      assertThat(Duration.ofNanos(System.nanoTime() - back)).isLessThan(Duration.ofMillis(2500));
    }
  }

  @Test
  void aBadTokenGivesAClearErrorAndKeepsRetryingUntilTheKubeconfigIsFixed() throws Exception {
    Path kubeconfig = kubeconfig("bad-token");
    try (Agent agent = start("hv-badtoken", "127.0.0.1", kubeconfig, null)) {
      Poll.until(DEADLINE, "three refused tries",
          () -> agent.metrics().meter("registration.failures").getCount() >= 3, () -> agent.registration().line());
      String detail = agent.registration().detail();
      assertThat(detail).contains("HTTP 401 Unauthorized").contains("kubeconfig " + kubeconfig)
          .startsWith("retrying in ");
      assertThat(agent.statusLine()).contains("registration kubernetes: retrying in");
      assertThat(hypervisor("hv-badtoken")).isNull();
      // the kubeconfig is re-read on every retry: fixing it needs no restart
      Files.writeString(kubeconfig, Files.readString(kubeconfig).replace("bad-token", TOKEN));
      awaitRegistered(agent);
      assertThat(hypervisor("hv-badtoken")).isNotNull();
    }
  }

  @Test
  void aMissingKubeconfigIsNamedAndRetried() throws Exception {
    Path missing = dir.resolve("no-such-kubeconfig");
    try (Agent agent = start("hv-nokubeconfig", "127.0.0.1", missing, null)) {
      Poll.until(DEADLINE, "two failed tries",
          () -> agent.metrics().meter("registration.failures").getCount() >= 2, () -> agent.registration().line());
      assertThat(agent.registration().detail()).contains("kubeconfig " + missing + " does not exist");
    }
  }

}
