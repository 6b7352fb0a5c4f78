package io.oneinfra.tests.registration;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Kubernetes RBAC, evaluated over the Roles, ClusterRoles and bindings stored in the API double (the shipped manifests
 * and what the test applies as the operator): a request is allowed when a binding whose subject is the caller's user
 * or one of its groups refers to a rule matching the request's API group, resource (or resource/subresource), verb
 * and, when the rule lists names, its name; RoleBindings only in their namespace. Non-resource GETs (/version,
 * discovery) are allowed, as the default discovery roles do. There is no admission here: writes RBAC allows are not
 * narrowed by the shipped admission policy in this double (the packaging tests run that policy's CEL).
 */
final class RbacAuthorizer implements ApiInterposer.Authorizer {
  private final KubernetesClient double_;

  RbacAuthorizer(KubernetesClient double_) {
    this.double_ = double_;
  }

  /** What kube-apiserver derives from a request: verb, API group, resource, subresource, namespace and name. */
  record Attributes(String verb, String group, String resource, String subresource, String namespace, String name) {
    /** Null for a non-resource path. */
    static Attributes of(String method, String path, String query) {
      List<String> parts = new ArrayList<>(Arrays.stream(path.split("/")).filter(p -> !p.isEmpty()).toList());
      String group;
      if (parts.size() >= 3 && parts.get(0).equals("api")) {
        group = "";
        parts = parts.subList(2, parts.size());
      } else if (parts.size() >= 4 && parts.get(0).equals("apis")) {
        group = parts.get(1);
        parts = parts.subList(3, parts.size());
      } else {
        return null;
      }
      String namespace = "";
      if (parts.get(0).equals("namespaces") && parts.size() >= 3) {
        namespace = parts.get(1);
        parts = parts.subList(2, parts.size());
      }
      String name = parts.size() > 1 ? parts.get(1) : "";
      String verb = switch (method) {
        case "GET" -> name.isEmpty() ? (query != null && query.contains("watch=true") ? "watch" : "list") : "get";
        case "POST" -> "create";
        case "PUT" -> "update";
        case "PATCH" -> "patch";
        case "DELETE" -> name.isEmpty() ? "deletecollection" : "delete";
        default -> method.toLowerCase(java.util.Locale.ROOT);
      };
      return new Attributes(verb, group, parts.get(0), parts.size() > 2 ? parts.get(2) : "", namespace, name);
    }

    boolean matches(PolicyRule rule) {
      String full = subresource.isEmpty() ? resource : resource + "/" + subresource;
      return has(rule.getApiGroups(), group) && has(rule.getResources(), full) && has(rule.getVerbs(), verb)
          && (rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
              || (!name.isEmpty() && rule.getResourceNames().contains(name)));
    }

    private static boolean has(List<String> values, String value) {
      return values != null && (values.contains(value) || values.contains("*"));
    }
  }

  @Override
  public String refusal(ApiInterposer.Caller caller, String method, String path, String query) {
    Attributes request = Attributes.of(method, path, query);
    if (request == null) {
      return "GET".equals(method) ? null : "non-resource " + method + " " + path + " is not allowed";
    }
    boolean allowed = double_.rbac().clusterRoleBindings().list().getItems().stream()
        .filter(b -> boundTo(b.getSubjects(), caller))
        .anyMatch(b -> rules(b.getRoleRef(), "").stream().anyMatch(request::matches))
        || double_.rbac().roleBindings().inAnyNamespace().list().getItems().stream()
        .filter(b -> b.getMetadata().getNamespace().equals(request.namespace()) && boundTo(b.getSubjects(), caller))
        .anyMatch(b -> rules(b.getRoleRef(), request.namespace()).stream().anyMatch(request::matches));
    return allowed ? null : request.resource() + (request.group().isEmpty() ? "" : "." + request.group())
        + (request.name().isEmpty() ? "" : " \"" + request.name() + "\"") + " is forbidden: User \"" + caller.user()
        + "\" cannot " + request.verb() + " resource \"" + request.resource()
        + (request.subresource().isEmpty() ? "" : "/" + request.subresource()) + "\" in API group \""
        + request.group() + "\"" + (request.namespace().isEmpty() ? " at the cluster scope"
            : " in the namespace \"" + request.namespace() + "\"");
  }

  private static boolean boundTo(List<Subject> subjects, ApiInterposer.Caller caller) {
    return subjects != null && subjects.stream().anyMatch(s -> ("User".equals(s.getKind())
        && s.getName().equals(caller.user())) || ("Group".equals(s.getKind())
        && caller.groups().contains(s.getName())));
  }

  private List<PolicyRule> rules(RoleRef ref, String namespace) {
    List<PolicyRule> rules = null;
    if ("ClusterRole".equals(ref.getKind())) {
      var role = double_.rbac().clusterRoles().withName(ref.getName()).get();
      rules = role == null ? null : role.getRules();
    } else if ("Role".equals(ref.getKind()) && !namespace.isEmpty()) {
      var role = double_.rbac().roles().inNamespace(namespace).withName(ref.getName()).get();
      rules = role == null ? null : role.getRules();
    }
    return rules == null ? List.of() : rules;
  }
}
