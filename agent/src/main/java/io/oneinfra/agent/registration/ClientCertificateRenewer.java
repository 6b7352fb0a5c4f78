package io.oneinfra.agent.registration;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.registration.join.CsrClient;
import io.oneinfra.agent.registration.join.HypervisorCsr;
import io.oneinfra.agent.registration.join.JoinException;
import io.oneinfra.agent.registration.join.JoinedKubeconfig;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the hypervisor client certificate in the joined kubeconfig, kubelet-style, on its own daemon thread: at a
 * random point between 1/2 and 2/3 of its life it files a new CSR (new key) authenticated by the current
 * certificate, waits for it to be approved and signed, and swaps the kubeconfig atomically. Failures are retried with
 * backoff and reported; they never touch the proxy, and the current certificate stays in use until then.
 */
final class ClientCertificateRenewer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClientCertificateRenewer.class);
  /** The kubeconfig is re-read this often at most, so a re-join (--force) is noticed. */
  static final Duration RECHECK = Duration.ofMinutes(1);

  private final Path kubeconfig;
  private final Duration pollInterval;
  private final Backoff backoff;
  private final DoubleSupplier random;
  private final Runnable onRenewed;
  private final Runnable onChange;
  private final Meter renewals;
  private final Meter failures;
  private final ScheduledExecutorService executor;

  private volatile X509Certificate current;
  private volatile String pendingCsr;
  private volatile String error;
  private volatile Instant nextAttempt;
  private volatile boolean closed;

  // only touched on the renewal thread
  private Instant deadline;
  private HypervisorCsr pending;
  private int consecutiveFailures;

  /**
   * @param onRenewed called after a new certificate is in the kubeconfig (the registrar reconnects with it)
   * @param onChange called when what {@link #detail} says changes
   */
  ClientCertificateRenewer(Path kubeconfig, AgentConfig.Registration config, MetricRegistry metrics,
      DoubleSupplier random, Runnable onRenewed, Runnable onChange) {
    this.kubeconfig = kubeconfig;
    this.pollInterval = config.renewInterval();
    this.backoff = new Backoff(config.backoffInitial(), config.renewalBackoffMax(), random);
    this.random = random;
    this.onRenewed = onRenewed;
    this.onChange = onChange;
    this.renewals = metrics.meter("registration.certificate.renewals");
    this.failures = metrics.meter("registration.certificate.renewal.failures");
    metrics.gauge("registration.certificate.expiry.seconds", () -> (Gauge<Long>) () -> {
      X509Certificate certificate = current;
      return certificate == null ? null
          : Duration.between(Instant.now(), certificate.getNotAfter().toInstant()).toSeconds();
    });
    metrics.gauge("registration.certificate.renewal.pending", () -> (Gauge<Integer>) () ->
        pendingCsr == null ? 0 : 1);
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "certificate-renewal");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * When to renew a certificate: a random point between 1/2 and 2/3 of its life. Not kubelet's 70-90%: here a renewal
   * waits for an approver (often a person), so at least a third of the life is left for approval and retries, and a
   * fleet joined the same day spreads its requests over a sixth of the lifetime.
   */
  static Instant renewalTime(X509Certificate certificate, double random) {
    Instant from = certificate.getNotBefore().toInstant();
    long life = Duration.between(from, certificate.getNotAfter().toInstant()).toMillis();
    return from.plusMillis((long) (life * (0.5 + random / 6)));
  }

  void start() {
    schedule(Duration.ZERO);
  }

  /** What STATUS= and /readyz add about renewal: empty while nothing needs attention. */
  String detail() {
    String csr = pendingCsr;
    String reason = error;
    if (reason != null) {
      Instant at = nextAttempt;
      long millis = at == null ? 0 : Math.max(0, Duration.between(Instant.now(), at).toMillis());
      return String.format(Locale.ROOT, "client certificate renewal retrying in %.1fs: %s", millis / 1000.0, reason);
    }
    return csr == null ? "" : "client certificate renewal waiting for approval: kubectl certificate approve " + csr;
  }

  private void schedule(Duration delay) {
    if (!closed) {
      executor.schedule(this::tick, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    }
  }

  private void tick() {
    if (closed) {
      return;
    }
    try {
      Duration next = step();
      if (error != null) {
        error = null;
        consecutiveFailures = 0;
        onChange.run();
      }
      schedule(next);
    } catch (IOException | JoinException | RuntimeException e) {
      failed(e);
    }
  }

  /** One step: notice a new certificate, file a CSR when due, read a pending one; returns the wait until the next. */
  private Duration step() throws IOException, JoinException {
    Optional<JoinedKubeconfig> joined = JoinedKubeconfig.read(kubeconfig);
    X509Certificate certificate = joined.isPresent() && joined.get().userName().startsWith(HypervisorCsr.USER_PREFIX)
        ? joined.get().certificate() : null;
    if (certificate == null) {
      current = null; // not joined (yet), or an operator's kubeconfig: nothing of ours to renew
      return RECHECK;
    }
    if (!certificate.equals(current)) {
      current = certificate;
      deadline = renewalTime(certificate, random.getAsDouble());
      LOG.info("registration: client certificate {} valid until {}; renewal at {}", joined.get().userName(),
          certificate.getNotAfter().toInstant(), deadline);
    }
    if (pending == null && Instant.now().isBefore(deadline)) {
      Duration wait = Duration.between(Instant.now(), deadline);
      return wait.compareTo(RECHECK) < 0 ? wait : RECHECK;
    }
    try (KubernetesClient api = client()) {
      CsrClient csrs = new CsrClient(api);
      if (pending == null) {
        HypervisorCsr csr = HypervisorCsr.generate(joined.get().userName().substring(HypervisorCsr.USER_PREFIX
            .length()));
        String name = csrs.create(csr);
        pending = csr;
        pendingCsr = name;
        LOG.warn("registration: client certificate expires {}: filed CertificateSigningRequest {}; approve it with: "
            + "kubectl certificate approve {}", certificate.getNotAfter().toInstant(), name, name);
        onChange.run();
      }
      String name = pendingCsr;
      CsrClient.Outcome outcome = csrs.read(name);
      if (outcome instanceof CsrClient.Outcome.Issued issued) {
        pending.checkIssued(name, issued.certificatePem());
        joined.get().withCredentials(issued.certificatePem(), pending.privateKeyPem()).write(kubeconfig);
        pending = null;
        pendingCsr = null;
        renewals.mark();
        LOG.info("registration: client certificate renewed through CertificateSigningRequest {}; {} rewritten", name,
            kubeconfig);
        onRenewed.run();
        onChange.run();
        return Duration.ZERO; // read the new certificate back and schedule its renewal
      }
      if (outcome instanceof CsrClient.Outcome.Refused refused) {
        pending = null;
        pendingCsr = null;
        throw new IllegalStateException("CertificateSigningRequest " + name + " was "
            + refused.condition().toLowerCase(Locale.ROOT) + " (" + refused.reason() + ": " + refused.message()
            + "); keeping the current certificate");
      }
      if (outcome instanceof CsrClient.Outcome.Gone) {
        pending = null;
        pendingCsr = null;
        throw new IllegalStateException("CertificateSigningRequest " + name + " was deleted before it was signed");
      }
      return pollInterval;
    }
  }

  private KubernetesClient client() {
    Config config = Config.fromKubeconfig(null, kubeconfig.toFile());
    config.setRequestRetryBackoffLimit(0); // the renewer's own backoff decides when to try again
    config.setConnectionTimeout(5_000);
    config.setRequestTimeout(10_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private void failed(Exception e) {
    if (closed) {
      return;
    }
    failures.mark();
    consecutiveFailures++;
    String reason = e instanceof KubernetesClientException k ? "HTTP " + k.getCode() + " " + describe(k)
        : String.valueOf(e.getMessage());
    boolean changed = !reason.equals(error);
    error = reason;
    Duration delay = backoff.delay(consecutiveFailures);
    nextAttempt = Instant.now().plus(delay);
    if (changed || Integer.bitCount(consecutiveFailures) == 1) {
      LOG.warn("registration: client certificate renewal failed: {} (failure {}, retrying in {}ms)", reason,
          consecutiveFailures, delay.toMillis());
    }
    LOG.debug("renewal failure", e);
    if (changed) {
      onChange.run();
    }
    schedule(delay);
  }

  private static String describe(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage();
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  @Override
  public void close() {
    closed = true;
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
