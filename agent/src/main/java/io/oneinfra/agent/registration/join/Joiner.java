package io.oneinfra.agent.registration.join;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code oneinfra-agent join}: token discovery, then a CSR authenticated by the bootstrap token, then, once an approver
 * approved it and the signer signed it, the kubeconfig with this host's own identity. Nothing is written before the
 * certificate is in hand, and then in one atomic rename: an interrupted join leaves the host as it was.
 */
public final class Joiner {
  private static final Logger LOG = LoggerFactory.getLogger(Joiner.class);

  /**
   * What to join with.
   *
   * @param apiServer {@code https://HOST:PORT} of the management cluster's API server
   * @param token the bootstrap token
   * @param pins the accepted CA pins; empty only when {@code unsafeSkipCaVerification}
   * @param unsafeSkipCaVerification trust the CA on the token's signature alone
   * @param force join again even when {@code kubeconfig} exists (replaced only once the new certificate is issued)
   * @param timeout for the whole join, discovery and approval included
   * @param hypervisorName this hypervisor's name (hypervisor.name), the identity asked for
   * @param kubeconfig where the kubeconfig goes
   */
  public record Request(URI apiServer, BootstrapToken token, List<CaPin> pins, boolean unsafeSkipCaVerification,
      boolean force, Duration timeout, String hypervisorName, Path kubeconfig) {
    public Request {
      pins = List.copyOf(pins);
    }
  }

  private final Request request;
  private final PrintWriter out;
  private final Duration pollInterval;

  /**
   * @param out where the approval command and the result are printed (stdout)
   * @param pollInterval how often discovery and the CSR are re-read while waiting
   */
  public Joiner(Request request, PrintWriter out, Duration pollInterval) {
    this.request = request;
    this.out = out;
    this.pollInterval = pollInterval;
  }

  /**
   * Joins; returns once the kubeconfig is written.
   *
   * @throws JoinException saying why nothing was written
   */
  public void join() throws JoinException, InterruptedException {
    if (request.pins().isEmpty() && !request.unsafeSkipCaVerification()) {
      throw new JoinException(JoinException.Outcome.USAGE, "--discovery-token-ca-cert-hash: required (the cluster "
          + "CA's public key hash, as 'kubeadm token create --print-join-command' prints it); without it, "
          + "--discovery-token-unsafe-skip-ca-verification trusts whoever answers at --api-server with the token");
    }
    Path target = request.kubeconfig();
    if (Files.exists(target) && !request.force()) {
      throw new JoinException(JoinException.Outcome.ALREADY_JOINED, "already joined: " + target + " exists ("
          + describe(target) + "); nothing changed. Run join with --force to get a new identity");
    }
    Instant deadline = Instant.now().plus(request.timeout());
    ClusterInfo cluster = new ClusterInfoDiscovery(request.apiServer(), request.token(), request.pins(),
        pollInterval).discover(deadline);
    HypervisorCsr csr = HypervisorCsr.generate(request.hypervisorName());
    String certificatePem;
    try (KubernetesClient api = bootstrapClient(cluster)) {
      CsrClient csrs = new CsrClient(api);
      String name = create(csrs, csr, cluster);
      LOG.info("join: created CertificateSigningRequest {} for {} (signer {}); waiting up to {} for approval", name,
          csr.userName(), HypervisorCsr.SIGNER, text(request.timeout()));
      String hypervisor = request.hypervisorName();
      out.println("CertificateSigningRequest " + name + " asks for the identity " + csr.userName() + ".");
      out.println("On the management cluster, check its requestor (system:bootstrap:" + request.token().id()
          + ") and approve it with:");
      out.println("kubectl certificate approve " + name);
      out.println("then let the host read its own Hypervisor object, and no other (each holds its host's "
          + "controller key):");
      out.println("kubectl create clusterrole oneinfra:hypervisor:" + hypervisor + " --verb=get "
          + "--resource=hypervisors.infra.oneinfra.ereslibre.es --resource-name=" + hypervisor);
      out.println("kubectl create clusterrolebinding oneinfra:hypervisor:" + hypervisor + " --clusterrole="
          + "oneinfra:hypervisor:" + hypervisor + " --user=" + csr.userName());
      out.flush();
      certificatePem = await(csrs, name, deadline);
      X509Certificate leaf = csr.checkIssued(name, certificatePem);
      JoinedKubeconfig joined = new JoinedKubeconfig(cluster.server().toString(), cluster.clusterName(),
          cluster.caPem(), certificatePem, csr.privateKeyPem());
      try {
        joined.write(target);
      } catch (IOException e) {
        throw new JoinException(JoinException.Outcome.FAILED, e.getMessage() + "; nothing written", e);
      }
      out.println("joined: " + target + " holds the identity " + csr.userName() + " (certificate valid until "
          + leaf.getNotAfter().toInstant() + ", API server " + cluster.server() + ")");
      out.flush();
    }
  }

  private String create(CsrClient csrs, HypervisorCsr csr, ClusterInfo cluster) throws JoinException {
    try {
      return csrs.create(csr);
    } catch (KubernetesClientException e) {
      String hint = e.getCode() == 401 ? ": the token was refused (expired, deleted, or not usable for "
          + "authentication)"
          : e.getCode() == 403 ? ": the token's groups may not create CSRs (apply the shipped RBAC, bootstrap.yaml)"
          : "";
      throw new JoinException(JoinException.Outcome.FAILED, "creating the CertificateSigningRequest at "
          + cluster.server() + " failed: " + describe(e) + hint, e);
    }
  }

  private String await(CsrClient csrs, String name, Instant deadline) throws JoinException, InterruptedException {
    String lastError = null;
    while (true) {
      try {
        CsrClient.Outcome outcome = csrs.read(name);
        if (outcome instanceof CsrClient.Outcome.Issued issued) {
          return issued.certificatePem();
        }
        if (outcome instanceof CsrClient.Outcome.Refused refused) {
          throw new JoinException(JoinException.Outcome.FAILED, "CertificateSigningRequest " + name + " was "
              + refused.condition().toLowerCase(Locale.ROOT) + (refused.reason().isEmpty() ? ""
                  : " (" + refused.reason() + (refused.message().isEmpty() ? "" : ": " + refused.message()) + ")")
              + "; nothing written");
        }
        if (outcome instanceof CsrClient.Outcome.Gone) {
          throw new JoinException(JoinException.Outcome.FAILED, "CertificateSigningRequest " + name
              + " was deleted before it was signed; nothing written");
        }
        lastError = ((CsrClient.Outcome.Pending) outcome).approved() ? "approved, waiting for the signer"
            : "waiting for approval";
      } catch (KubernetesClientException e) {
        lastError = "reading it failed: " + describe(e);
        LOG.warn("join: CertificateSigningRequest {}: {}", name, lastError);
      }
      Duration left = Duration.between(Instant.now(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw new JoinException(JoinException.Outcome.FAILED, "timed out after " + text(request.timeout())
            + " waiting for CertificateSigningRequest " + name + " (" + lastError + "); approve it with 'kubectl "
            + "certificate approve " + name + "' and run join again within --timeout; nothing written");
      }
      Thread.sleep(Math.min(pollInterval.toMillis(), left.toMillis()));
    }
  }

  private KubernetesClient bootstrapClient(ClusterInfo cluster) {
    Config config = Config.empty();
    config.setMasterUrl(cluster.server().toString());
    config.setCaCertData(Base64.getEncoder().encodeToString(cluster.caPem().getBytes(StandardCharsets.US_ASCII)));
    config.setOauthToken(request.token().bearer());
    config.setRequestRetryBackoffLimit(0);
    config.setConnectionTimeout(5_000);
    config.setRequestTimeout(10_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** What an existing kubeconfig holds, for the "already joined" message. */
  private static String describe(Path kubeconfig) {
    try {
      Optional<JoinedKubeconfig> existing = JoinedKubeconfig.read(kubeconfig);
      if (existing.isEmpty()) {
        return "a kubeconfig without an embedded client certificate";
      }
      X509Certificate leaf = existing.get().certificate();
      return "identity " + existing.get().userName() + ", certificate valid until " + leaf.getNotAfter().toInstant()
          + ", API server " + existing.get().server();
    } catch (IOException e) {
      return "unreadable: " + e.getMessage();
    }
  }

  /** {@code 15m}, {@code 30s}, {@code 1h30m}: a duration as the flag takes it. */
  static String text(Duration duration) {
    return duration.toString().substring(2).toLowerCase(Locale.ROOT);
  }

  /** An API failure as an operator reads it. */
  static String describe(KubernetesClientException e) {
    if (e.getCode() > 0) {
      String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : "";
      return "HTTP " + e.getCode() + (message.isEmpty() ? "" : ": " + message);
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
