package io.oneinfra.tests.registration;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;

/**
 * fabric8's in-process Kubernetes API double ({@code KubernetesMockServer} in CRUD mode, plain HTTP on loopback) with
 * the Hypervisor CRD (status subresource) registered, and a client with full access: the controller's and the
 * operator's view. Not a kube-apiserver: see docs/TESTS.md for what it does and does not enforce.
 */
public final class ApiDouble implements AutoCloseable {
  static final ResourceDefinitionContext HYPERVISORS = new ResourceDefinitionContext.Builder()
      .withGroup("infra.oneinfra.ereslibre.es").withVersion("v1alpha1").withPlural("hypervisors")
      .withKind("Hypervisor").withNamespaced(false).build();

  private final KubernetesMockServer server;
  private final KubernetesClient controller;

  public ApiDouble() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesMixedDispatcher(new HashMap<>()), false);
    server.init();
    controller = server.createClient();
    controller.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName("hypervisors.infra.oneinfra.ereslibre.es").endMetadata()
        .withNewSpec().withGroup("infra.oneinfra.ereslibre.es").withScope("Cluster")
        .withNewNames().withKind("Hypervisor").withPlural("hypervisors").withSingular("hypervisor")
        .withListKind("HypervisorList").endNames()
        .addNewVersion().withName("v1alpha1").withServed(true).withStorage(true)
        .withNewSubresources().withNewStatus().endStatus().endSubresources()
        .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema().endSchema().endVersion().endSpec().build()).create();
  }

  /** The double's own (plain HTTP) URL, for an {@link ApiInterposer} to forward to. */
  public String url() {
    return server.url("/");
  }

  /** A client with every right, straight to the double. */
  public KubernetesClient controller() {
    return controller;
  }

  @Override
  public void close() {
    controller.close();
    server.destroy();
  }
}
