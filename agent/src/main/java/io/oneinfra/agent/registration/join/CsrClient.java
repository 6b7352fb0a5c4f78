package io.oneinfra.agent.registration.join;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * Files a hypervisor's {@code certificates.k8s.io/v1} CertificateSigningRequest and reads back what became of it,
 * with whatever identity the client authenticates as (the bootstrap token at join, the current certificate later).
 */
public final class CsrClient {
  private final KubernetesClient api;

  public CsrClient(KubernetesClient api) {
    this.api = api;
  }

  /** What became of a request. */
  public sealed interface Outcome {
    /** Neither approved and signed nor denied yet. */
    record Pending(boolean approved) implements Outcome {}

    /** Signed: the certificate chain (PEM). */
    record Issued(String certificatePem) implements Outcome {}

    /** Denied or failed, with the condition's reason and message. */
    record Refused(String condition, String reason, String message) implements Outcome {}

    /** The object is gone (deleted, or garbage-collected after a day pending). */
    record Gone() implements Outcome {}
  }

  /**
   * Creates the CSR object for {@code csr}: signer {@code kubernetes.io/kube-apiserver-client}, usages digital
   * signature and client auth, no requested lifetime (the signer's default).
   *
   * @return its name
   * @throws KubernetesClientException as the API server answered
   */
  public String create(HypervisorCsr csr) {
    CertificateSigningRequest request = new CertificateSigningRequestBuilder()
        .withNewMetadata().withName(csr.objectName()).endMetadata()
        .withNewSpec()
        .withRequest(Base64.getEncoder().encodeToString(csr.requestPem().getBytes(StandardCharsets.US_ASCII)))
        .withSignerName(HypervisorCsr.SIGNER)
        .withUsages(HypervisorCsr.USAGES)
        .endSpec().build();
    return api.certificates().v1().certificateSigningRequests().resource(request).create().getMetadata().getName();
  }

  /**
   * Reads the CSR named {@code name} once.
   *
   * @throws KubernetesClientException as the API server answered (404 is {@link Outcome.Gone})
   */
  public Outcome read(String name) {
    CertificateSigningRequest current = api.certificates().v1().certificateSigningRequests().withName(name).get();
    if (current == null) {
      return new Outcome.Gone();
    }
    boolean approved = false;
    if (current.getStatus() != null && current.getStatus().getConditions() != null) {
      for (CertificateSigningRequestCondition condition : current.getStatus().getConditions()) {
        if (!"False".equals(condition.getStatus())
            && ("Denied".equals(condition.getType()) || "Failed".equals(condition.getType()))) {
          return new Outcome.Refused(condition.getType(), Objects.requireNonNullElse(condition.getReason(), ""),
              Objects.requireNonNullElse(condition.getMessage(), ""));
        }
        approved |= "Approved".equals(condition.getType()) && !"False".equals(condition.getStatus());
      }
    }
    String certificate = current.getStatus() == null ? null : current.getStatus().getCertificate();
    if (approved && certificate != null && !certificate.isEmpty()) {
      return new Outcome.Issued(new String(Base64.getDecoder().decode(certificate), StandardCharsets.US_ASCII));
    }
    return new Outcome.Pending(approved);
  }
}
