package io.oneinfra.packaging.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The manifests parsed and checked field by field (no kube-apiserver or kubectl can be installed here to validate
 * them against the real schemas): required fields, the exact grants of each role, bindings that resolve.
 */
class ManifestsTest {
  private static final Set<String> NAMESPACED = Set.of("Role", "RoleBinding");

  @Test
  void everyObjectHasApiVersionKindNameAndOurLabel() throws IOException {
    for (Manifests.Item item : Manifests.all()) {
      JsonNode object = item.object();
      assertThat(object.path("apiVersion").asText()).as("apiVersion in %s", item.file()).isNotEmpty();
      assertThat(item.kind()).as("kind in %s", item.file()).isNotEmpty();
      assertThat(item.name()).as("metadata.name of a %s in %s", item.kind(), item.file()).isNotEmpty();
      assertThat(object.path("metadata").path("labels").path("app.kubernetes.io/part-of").asText())
          .as("part-of label of %s %s", item.kind(), item.name()).isEqualTo("oneinfra-agent");
      assertThat(object.path("metadata").has("namespace")).as("namespace of %s %s", item.kind(), item.name())
          .isEqualTo(NAMESPACED.contains(item.kind()));
    }
  }

  @Test
  void theBootstrapGroupMayOnlyCreateAndReadCsrs() throws IOException {
    assertThat(rules(Manifests.one("ClusterRole", "oneinfra:hypervisor-bootstrapper")))
        .containsExactly("certificates.k8s.io certificatesigningrequests [create, get]");
    JsonNode binding = Manifests.one("ClusterRoleBinding", "oneinfra:hypervisor-bootstrappers");
    assertThat(roleRef(binding)).isEqualTo("ClusterRole oneinfra:hypervisor-bootstrapper");
    assertThat(subjects(binding)).containsExactly("Group system:bootstrappers:oneinfra:hypervisors");
  }

  @Test
  void hypervisorsMayWriteHypervisorsRenewCertificatesAndKeepLeasesInTheirNamespaceOnly() throws IOException {
    assertThat(rules(Manifests.one("ClusterRole", "oneinfra:hypervisor"))).containsExactly(
        "infra.oneinfra.ereslibre.es hypervisors [create, update]",
        "certificates.k8s.io certificatesigningrequests [create, get]");
    JsonNode clusterBinding = Manifests.one("ClusterRoleBinding", "oneinfra:hypervisors");
    assertThat(roleRef(clusterBinding)).isEqualTo("ClusterRole oneinfra:hypervisor");
    assertThat(subjects(clusterBinding)).containsExactly("Group system:oneinfra:hypervisors");
    JsonNode leaseRole = Manifests.one("Role", "oneinfra:hypervisor-lease");
    assertThat(leaseRole.path("metadata").path("namespace").asText()).isEqualTo("oneinfra-system");
    assertThat(rules(leaseRole)).containsExactly("coordination.k8s.io leases [get, create, update]");
    JsonNode binding = Manifests.one("RoleBinding", "oneinfra:hypervisors");
    assertThat(binding.path("metadata").path("namespace").asText()).isEqualTo("oneinfra-system");
    assertThat(roleRef(binding)).isEqualTo("Role oneinfra:hypervisor-lease");
    assertThat(subjects(binding)).containsExactly("Group system:oneinfra:hypervisors");
    assertThat(Manifests.one("Namespace", "oneinfra-system").path("apiVersion").asText()).isEqualTo("v1");
  }

  @Test
  void anonymousMayReadOnlyTheClusterInfoConfigMap() throws IOException {
    JsonNode role = Manifests.one("Role", "oneinfra:cluster-info-reader");
    assertThat(role.path("metadata").path("namespace").asText()).isEqualTo("kube-public");
    assertThat(rules(role)).containsExactly(" configmaps [get] names [cluster-info]");
    JsonNode binding = Manifests.one("RoleBinding", "oneinfra:cluster-info-reader");
    assertThat(subjects(binding)).containsExactly("User system:anonymous");
  }

  @Test
  void noRuleUsesWildcardsSubresourcesSecretsOrVerbsBeyondGetCreateUpdate() throws IOException {
    for (Manifests.Item item : Manifests.all()) {
      for (JsonNode rule : item.object().path("rules")) {
        assertThat(strings(rule.path("verbs"))).as("verbs of %s %s", item.kind(), item.name())
            .isSubsetOf("get", "create", "update");
        assertThat(strings(rule.path("resources"))).as("resources of %s %s", item.kind(), item.name())
            .doesNotContain("*", "secrets").allSatisfy(resource -> assertThat(resource).doesNotContain("/"));
        assertThat(strings(rule.path("apiGroups"))).as("groups of %s %s", item.kind(), item.name())
            .doesNotContain("*");
      }
    }
  }

  @Test
  void everyBindingRefersToARoleShippedBesideIt() throws IOException {
    List<Manifests.Item> all = Manifests.all();
    for (Manifests.Item item : all) {
      if (!item.kind().endsWith("Binding") || item.kind().startsWith("ValidatingAdmissionPolicy")) {
        continue;
      }
      JsonNode ref = item.object().path("roleRef");
      assertThat(ref.path("apiGroup").asText()).isEqualTo("rbac.authorization.k8s.io");
      String namespace = item.object().path("metadata").path("namespace").asText();
      assertThat(all).as("the %s %s of %s %s", ref.path("kind").asText(), ref.path("name").asText(), item.kind(),
          item.name()).anySatisfy(role -> {
            assertThat(role.kind()).isEqualTo(ref.path("kind").asText());
            assertThat(role.name()).isEqualTo(ref.path("name").asText());
            assertThat(role.object().path("metadata").path("namespace").asText()).isEqualTo(namespace);
          });
    }
  }

  @Test
  void theAdmissionPolicyIsV1FailsClosedCoversHypervisorsStatusAndLeasesAndIsBoundToDeny() throws IOException {
    JsonNode policy = Manifests.one("ValidatingAdmissionPolicy", "oneinfra-hypervisor-restriction");
    assertThat(policy.path("apiVersion").asText()).isEqualTo("admissionregistration.k8s.io/v1");
    JsonNode spec = policy.path("spec");
    assertThat(spec.path("failurePolicy").asText()).isEqualTo("Fail");
    List<String> covered = new ArrayList<>();
    for (JsonNode rule : spec.path("matchConstraints").path("resourceRules")) {
      assertThat(strings(rule.path("operations"))).containsExactly("CREATE", "UPDATE", "DELETE");
      for (JsonNode resource : rule.path("resources")) {
        covered.add(rule.path("apiGroups").get(0).asText() + "/" + resource.asText());
      }
    }
    assertThat(covered).containsExactlyInAnyOrder("infra.oneinfra.ereslibre.es/hypervisors",
        "infra.oneinfra.ereslibre.es/hypervisors/status", "coordination.k8s.io/leases");
    assertThat(spec.path("matchConditions")).isNotEmpty().allSatisfy(condition -> {
      assertThat(condition.path("name").asText()).isNotEmpty();
      assertThat(condition.path("expression").asText()).isNotEmpty();
    });
    assertThat(spec.path("validations")).isNotEmpty().allSatisfy(validation -> {
      assertThat(validation.path("expression").asText()).isNotEmpty();
      assertThat(validation.has("message") || validation.has("messageExpression")).isTrue();
    });
    JsonNode binding = Manifests.one("ValidatingAdmissionPolicyBinding", "oneinfra-hypervisor-restriction");
    assertThat(binding.path("apiVersion").asText()).isEqualTo("admissionregistration.k8s.io/v1");
    assertThat(binding.path("spec").path("policyName").asText()).isEqualTo("oneinfra-hypervisor-restriction");
    assertThat(strings(binding.path("spec").path("validationActions"))).containsExactly("Deny");
  }

  private static List<String> rules(JsonNode role) {
    List<String> out = new ArrayList<>();
    for (JsonNode rule : role.path("rules")) {
      for (JsonNode group : rule.path("apiGroups")) {
        for (JsonNode resource : rule.path("resources")) {
          List<String> names = strings(rule.path("resourceNames"));
          out.add(group.asText() + " " + resource.asText() + " " + strings(rule.path("verbs"))
              + (names.isEmpty() ? "" : " names " + names));
        }
      }
    }
    return out;
  }

  private static String roleRef(JsonNode binding) {
    return binding.path("roleRef").path("kind").asText() + " " + binding.path("roleRef").path("name").asText();
  }

  private static List<String> subjects(JsonNode binding) {
    List<String> out = new ArrayList<>();
    binding.path("subjects").forEach(s -> out.add(s.path("kind").asText() + " " + s.path("name").asText()));
    return out;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(value -> out.add(value.asText()));
    return out;
  }
}
