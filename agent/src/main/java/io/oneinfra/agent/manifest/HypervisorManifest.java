package io.oneinfra.agent.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.oneinfra.agent.identity.HypervisorIdentity;

/**
 * A {@code Hypervisor} object as oneinfra's controller reads it. Only the spec: the status belongs to the controller.
 *
 * @param apiVersion always {@value #API_VERSION}
 * @param kind always {@value #KIND}
 * @param metadata the object's name
 * @param spec where and how the controller reaches this hypervisor
 */
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec"})
public record HypervisorManifest(@JsonProperty("apiVersion") String apiVersion, @JsonProperty("kind") String kind,
    @JsonProperty("metadata") Metadata metadata, @JsonProperty("spec") Spec spec) {
  public static final String API_VERSION = "infra.oneinfra.ereslibre.es/v1alpha1";
  public static final String KIND = "Hypervisor";

  /** The object's metadata; the agent sets only the name. */
  public record Metadata(@JsonProperty("name") String name) {}

  /** The Hypervisor spec. */
  @JsonPropertyOrder({"remoteCRIEndpoint", "public", "ipAddress", "portRange"})
  public record Spec(@JsonProperty("remoteCRIEndpoint") RemoteCriEndpoint remoteCriEndpoint,
      @JsonProperty("public") boolean isPublic, @JsonProperty("ipAddress") String ipAddress,
      @JsonProperty("portRange") PortRange portRange) {}

  /** How the controller dials the CRI endpoint: through this agent's proxy. */
  @JsonPropertyOrder({"criEndpointURI", "caCertificate", "clientCertificate"})
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RemoteCriEndpoint(@JsonProperty("criEndpointURI") String criEndpointUri,
      @JsonProperty("caCertificate") String caCertificate,
      @JsonProperty("clientCertificate") ClientCertificate clientCertificate) {}

  /** The certificate and key the controller presents. */
  @JsonPropertyOrder({"certificate", "privateKey"})
  public record ClientCertificate(@JsonProperty("certificate") String certificate,
      @JsonProperty("privateKey") String privateKey) {}

  /** Ports the controller may allocate. */
  @JsonPropertyOrder({"low", "high"})
  public record PortRange(@JsonProperty("low") int low, @JsonProperty("high") int high) {}

  /**
   * The manifest for this host.
   *
   * @param port the proxy's listen port
   * @param caCertificatePem the CA the controller must trust for the proxy's server certificate
   * @param client the controller's client certificate, or null when the operator distributes it otherwise
   */
  public static HypervisorManifest of(HypervisorIdentity identity, int port, String caCertificatePem,
      ClientCertificate client) {
    return new HypervisorManifest(API_VERSION, KIND, new Metadata(identity.name()),
        new Spec(new RemoteCriEndpoint(identity.endpoint(port), caCertificatePem, client), identity.isPublic(),
            identity.ip(), new PortRange(identity.portRange().low(), identity.portRange().high())));
  }
}
