package io.oneinfra.packaging.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped ValidatingAdmissionPolicy (admission.yaml) compiled and run by cel-java against admission requests as
 * kube-apiserver builds them: a hypervisor writes its own Hypervisor and Lease, and nothing of anyone else's.
 */
class AdmissionPolicyCelTest {
  private static final String HV1 = "system:oneinfra:hypervisor:hv-1";
  private static final List<String> HYPERVISOR_GROUPS = List.of("system:oneinfra:hypervisors", "system:authenticated");
  private static AdmissionPolicy policy;

  @BeforeAll
  static void compile() throws IOException {
    policy = new AdmissionPolicy(Manifests.one("ValidatingAdmissionPolicy", "oneinfra-hypervisor-restriction"));
  }

  private static Map<String, Object> request(String operation, String group, String resource, String subResource,
      String name, String user, List<String> groups) {
    Map<String, Object> request = new HashMap<>();
    request.put("operation", operation);
    request.put("resource", Map.of("group", group, "version", group.isEmpty() ? "v1" : "v1", "resource", resource));
    request.put("subResource", subResource);
    request.put("name", name);
    request.put("namespace", resource.equals("leases") ? "oneinfra-system" : "");
    request.put("userInfo", Map.of("username", user, "groups", groups));
    return request;
  }

  private static Map<String, Object> hypervisor(String name, Map<String, Object> status) {
    Map<String, Object> object = new HashMap<>();
    object.put("apiVersion", "infra.oneinfra.ereslibre.es/v1alpha1");
    object.put("kind", "Hypervisor");
    object.put("metadata", Map.of("name", name));
    object.put("spec", Map.of("ipAddress", "10.0.0.1"));
    if (status != null) {
      object.put("status", status);
    }
    return object;
  }

  private static Map<String, Object> lease(String name) {
    return Map.of("metadata", Map.of("name", name, "namespace", "oneinfra-system"),
        "spec", Map.of("holderIdentity", "host_1_abc"));
  }

  private static AdmissionPolicy.Decision hypervisorWrite(String operation, String subResource, String user,
      Map<String, Object> object, Map<String, Object> old) {
    String name = String.valueOf(((Map<?, ?>) (object != null ? object : old).get("metadata")).get("name"));
    return policy.admit(request(operation, "infra.oneinfra.ereslibre.es", "hypervisors", subResource, name, user,
        HYPERVISOR_GROUPS), object, old);
  }

  @Test
  void aHypervisorCreatesAndUpdatesItsOwnHypervisor() {
    assertThat(hypervisorWrite("CREATE", "", HV1, hypervisor("hv-1", null), null).allowed()).isTrue();
    Map<String, Object> status = Map.of("ready", true);
    AdmissionPolicy.Decision update = hypervisorWrite("UPDATE", "", HV1, hypervisor("hv-1", status),
        hypervisor("hv-1", status));
    assertThat(update.allowed()).as(update.message()).isTrue();
  }

  @Test
  void aHypervisorMayNotCreateOrUpdateAnotherHypervisorsObject() {
    AdmissionPolicy.Decision create = hypervisorWrite("CREATE", "", HV1, hypervisor("hv-2", null), null);
    assertThat(create.allowed()).isFalse();
    assertThat(create.message()).isEqualTo(HV1 + " may write only the Hypervisor and the Lease named after itself, "
        + "not hypervisors hv-2");
    assertThat(hypervisorWrite("UPDATE", "", HV1, hypervisor("hv-2", null), hypervisor("hv-2", null)).allowed())
        .isFalse();
  }

  @Test
  void aHypervisorNeverWritesStatusNotEvenItsOwn() {
    Map<String, Object> old = hypervisor("hv-1", Map.of("ready", false));
    AdmissionPolicy.Decision subresource = hypervisorWrite("UPDATE", "status", HV1,
        hypervisor("hv-1", Map.of("ready", true)), old);
    assertThat(subresource.allowed()).isFalse();
    assertThat(subresource.message())
        .isEqualTo("a hypervisor never writes the status subresource: status belongs to the controller");
    // without a status subresource the status travels in the main resource: a change there is refused too
    AdmissionPolicy.Decision inObject = hypervisorWrite("UPDATE", "", HV1, hypervisor("hv-1", Map.of("ready", true)),
        old);
    assertThat(inObject.allowed()).isFalse();
    assertThat(inObject.message())
        .isEqualTo("a hypervisor never sets or changes status in the object: status belongs to the controller");
    assertThat(hypervisorWrite("UPDATE", "", HV1, hypervisor("hv-1", null), old).allowed()).isFalse();
    assertThat(hypervisorWrite("CREATE", "", HV1, hypervisor("hv-1", Map.of("ready", true)), null).allowed())
        .isFalse();
  }

  @Test
  void aHypervisorDeletesNothingNotEvenItsOwn() {
    AdmissionPolicy.Decision delete = hypervisorWrite("DELETE", "", HV1, null, hypervisor("hv-1", null));
    assertThat(delete.allowed()).isFalse();
    assertThat(delete.message()).isEqualTo("a hypervisor deletes neither Hypervisors nor Leases");
  }

  @Test
  void aHypervisorWritesItsOwnLeaseButNoLeaseOfAnotherName() {
    assertThat(policy.admit(request("CREATE", "coordination.k8s.io", "leases", "", "hv-1", HV1, HYPERVISOR_GROUPS),
        lease("hv-1"), null).allowed()).isTrue();
    assertThat(policy.admit(request("UPDATE", "coordination.k8s.io", "leases", "", "hv-1", HV1, HYPERVISOR_GROUPS),
        lease("hv-1"), lease("hv-1")).allowed()).isTrue();
    AdmissionPolicy.Decision other = policy.admit(request("UPDATE", "coordination.k8s.io", "leases", "",
        "oneinfra-controller-leader", HV1, HYPERVISOR_GROUPS), lease("oneinfra-controller-leader"),
        lease("oneinfra-controller-leader"));
    assertThat(other.allowed()).isFalse();
    assertThat(other.message()).endsWith("not leases oneinfra-controller-leader");
  }

  @Test
  void theHypervisorsGroupIsRestrictedWhateverTheUserNameSays() {
    AdmissionPolicy.Decision odd = policy.admit(request("UPDATE", "infra.oneinfra.ereslibre.es", "hypervisors", "",
        "hv-1", "hv-1", HYPERVISOR_GROUPS), hypervisor("hv-1", null), hypervisor("hv-1", null));
    assertThat(odd.allowed()).isFalse();
  }

  @Test
  void otherIdentitiesAndOtherResourcesAreNotThePolicysBusiness() {
    Map<String, Object> status = Map.of("ready", true);
    assertThat(policy.admit(request("UPDATE", "infra.oneinfra.ereslibre.es", "hypervisors", "status", "hv-2",
        "system:serviceaccount:oneinfra-system:oneinfra-controller", List.of("system:serviceaccounts")),
        hypervisor("hv-2", status), hypervisor("hv-2", null)).message()).isEqualTo("not matched by matchConditions");
    assertThat(policy.admit(request("UPDATE", "", "configmaps", "", "other", HV1, HYPERVISOR_GROUPS),
        Map.of("metadata", Map.of("name", "other")), Map.of("metadata", Map.of("name", "other"))).message())
        .isEqualTo("not matched by matchConstraints");
  }
}
