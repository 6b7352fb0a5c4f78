package io.oneinfra.agent.registration;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.manifest.HypervisorManifest;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code registration.mode: kubernetes}: creates or updates the cluster-scoped {@code Hypervisor} object and renews a
 * {@code coordination.k8s.io/v1} Lease for it, kubelet-style, on its own daemon thread.
 *
 * <p>Only {@code spec} and the agent's own labels and annotations are written, never {@code status} (the
 * controller's): an update re-reads the object, keeps its resourceVersion and status, sets the spec, and on 409
 * re-reads and tries again. A renewal is one PUT of the Lease as the API last returned it (its resourceVersion makes
 * it safe); only a 409, a 404 or a renewal that timed out makes it read the Lease again. Failures back off with
 * jitter (100 ms doubling to 30 s by default), never sooner than a Retry-After, and at the renew pace while the API
 * sheds load (429, 5xx) or does not answer within the request timeout; they never touch the proxy. The kubeconfig is
 * re-read after every failure but those, so fixing it needs no restart.
 */
final class KubernetesRegistrar implements Registrar {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesRegistrar.class);

  /** The Hypervisor custom resource: cluster-scoped. */
  static final ResourceDefinitionContext HYPERVISORS = new ResourceDefinitionContext.Builder()
      .withGroup("infra.oneinfra.ereslibre.es").withVersion("v1alpha1").withPlural("hypervisors")
      .withKind(HypervisorManifest.KIND).withNamespaced(false).build();
  /** The agent's version on the objects it writes. */
  static final String VERSION_ANNOTATION = "oneinfra-agent.oneinfra.io/version";
  /** The agent instance that last wrote the object. */
  static final String HOLDER_ANNOTATION = "oneinfra-agent.oneinfra.io/instance";
  static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  static final String MANAGED_BY = "oneinfra-agent";
  private static final int MAX_CONFLICT_ATTEMPTS = 5;
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final DoubleSupplier RANDOM = () -> ThreadLocalRandom.current().nextDouble();

  private final AgentConfig.Registration config;
  private final FileRegistrar localCopy;
  private final Runnable onChange;
  private final Backoff backoff;
  private final String holderIdentity;
  private final String version;
  private final Meter failures;
  private final Meter renewals;
  private final Meter conflicts;
  private final RetryAfterRecorder retryAfter = new RetryAfterRecorder(Clock.systemUTC());
  private final ResyncSchedule resyncs;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean triggered = new AtomicBoolean();
  private final Object scheduling = new Object();
  private ScheduledFuture<?> next;

  private volatile HypervisorManifest manifest;
  private volatile boolean dirty = true;
  private volatile boolean registered;
  private volatile String error;
  private volatile Instant nextAttempt;
  private volatile Instant lastRenewal;
  private volatile boolean closed;

  // only touched on the registration thread
  private KubernetesClient client;
  private String hypervisorUid;
  private boolean leaseSeen;
  private Lease held; // the Lease as the API returned it after our last write: the next renewal's base
  private int consecutiveFailures;
  private int consecutiveTimeouts;

  KubernetesRegistrar(AgentConfig.Registration config, FileRegistrar localCopy, MetricRegistry metrics,
      Runnable onChange) {
    this.config = config;
    this.localCopy = localCopy;
    this.onChange = onChange;
    this.backoff = new Backoff(config.backoffInitial(), config.backoffMax(), RANDOM);
    this.resyncs = new ResyncSchedule(config.resyncInterval(), Clock.systemUTC(), RANDOM);
    this.holderIdentity = hostName() + "_" + ProcessHandle.current().pid() + "_"
        + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
            (byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt()});
    String implementation = KubernetesRegistrar.class.getPackage().getImplementationVersion();
    this.version = implementation == null ? "development" : implementation;
    this.failures = metrics.meter("registration.failures");
    this.renewals = metrics.meter("registration.lease.renewals");
    this.conflicts = metrics.meter("registration.conflicts");
    metrics.gauge("registration.lease.duration.seconds", () -> (Gauge<Integer>) config::leaseDurationSeconds);
    metrics.gauge("registration.lease.age.seconds", () -> (Gauge<Long>) () -> lastRenewal == null ? null
        : Duration.between(lastRenewal, Instant.now()).toSeconds()); // absent until the first renewal
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "registration");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** This agent instance as the Lease's holderIdentity: host name, pid and a random suffix. */
  String holderIdentity() {
    return holderIdentity;
  }

  @Override
  public void start(HypervisorManifest initial) {
    manifest = initial;
    localCopy.write(initial);
    long maxDelay = config.firstSyncDelay().toMillis();
    Duration first = Duration.ofMillis(maxDelay == 0 ? 0 : ThreadLocalRandom.current().nextLong(maxDelay + 1));
    nextAttempt = Instant.now().plus(first);
    LOG.info("registration kubernetes: Hypervisor {} and Lease {}/{} via kubeconfig {}; first sync in {}ms",
        initial.metadata().name(), config.namespace(), initial.metadata().name(), config.kubeconfig(),
        first.toMillis());
    schedule(first);
  }

  @Override
  public void manifestChanged(HypervisorManifest changed) {
    localCopy.write(changed);
    manifest = changed;
    dirty = true;
    triggered.set(true);
    schedule(Duration.ZERO);
  }

  private void schedule(Duration delay) {
    synchronized (scheduling) {
      if (closed) {
        return;
      }
      if (next != null) {
        next.cancel(false);
      }
      next = executor.schedule(this::tick, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** The kubeconfig's credentials were renewed: the next sync connects with them. */
  void credentialsChanged() {
    synchronized (scheduling) {
      if (!closed) {
        executor.execute(this::closeClient);
      }
    }
  }

  @Override
  public State state() {
    HypervisorManifest current = manifest;
    String name = current == null ? "?" : current.metadata().name();
    if (registered) {
      Instant renewed = lastRenewal;
      long ago = renewed == null ? 0 : Math.max(0, Duration.between(renewed, Instant.now()).toSeconds());
      return new State("kubernetes", true, "registered " + name + " (lease renewed " + ago + "s ago)");
    }
    Instant at = nextAttempt;
    String in = at == null ? "" : seconds(Duration.between(Instant.now(), at));
    String reason = error;
    return reason == null
        ? new State("kubernetes", false, "first sync in " + in)
        : new State("kubernetes", false, "retrying in " + in + ": " + reason);
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1fs", Math.max(0, duration.toMillis()) / 1000.0);
  }

  private void tick() {
    if (closed) {
      return;
    }
    triggered.set(false);
    retryAfter.clear();
    boolean publish = dirty || hypervisorUid == null;
    // back after failures, likely with the whole fleet: a resync then due is spread over the next interval
    boolean resync = !publish && resyncs.due(consecutiveFailures > 0);
    String step = "connecting";
    try {
      KubernetesClient api = client();
      HypervisorManifest current = manifest;
      if (publish || resync) {
        dirty = false;
        step = "Hypervisor " + current.metadata().name();
        syncHypervisor(api, current);
        resyncs.synced();
      }
      step = "Lease " + config.namespace() + "/" + current.metadata().name();
      renewLease(api, current);
      succeeded();
      schedule(triggered.get() ? Duration.ZERO : Backoff.jittered(config.renewInterval(), RANDOM));
    } catch (RuntimeException e) {
      if (publish) {
        dirty = true;
      }
      failed(step, e);
    }
  }

  private void succeeded() {
    boolean was = registered;
    consecutiveFailures = 0;
    consecutiveTimeouts = 0;
    error = null;
    registered = true;
    if (!was) {
      LOG.info("registration kubernetes: registered Hypervisor {} (uid {}) at {}; Lease {}/{} held by {}",
          manifest.metadata().name(), hypervisorUid, client.getMasterUrl(), config.namespace(),
          manifest.metadata().name(), holderIdentity);
      onChange.run();
    }
  }

  private void failed(String step, RuntimeException e) {
    if (closed) {
      closeClient(); // stopping: an interrupted request is not a registration failure
      return;
    }
    failures.mark();
    consecutiveFailures++;
    String reason = step + ": " + describe(e);
    boolean changed = registered || !reason.equals(error);
    registered = false;
    error = reason;
    // fabric8 gives a failure without an answer a code of 0 or less
    int status = e instanceof KubernetesClientException k ? Math.max(0, k.getCode()) : 0;
    boolean timedOut = status == 0 && timedOut(e);
    consecutiveTimeouts = timedOut ? consecutiveTimeouts + 1 : 0;
    if (timedOut) {
      // the API server goes on with a request whose client has gone: a renewal that timed out may have been written
      // yet, and a PUT of the Lease held would then get a 409 and a read after it; read it first instead
      held = null;
    }
    // an API that takes longer than the timeout to answer is overloaded as surely as one answering 429: a request
    // retried sooner joins the queue the last one timed out in (and the API still serves that one)
    Duration delay = backoff.delay(consecutiveFailures, Backoff.shedding(status) || timedOut, retryAfter.take(),
        config.renewInterval());
    nextAttempt = Instant.now().plus(delay);
    if (changed || Integer.bitCount(consecutiveFailures) == 1) {
      LOG.warn("registration kubernetes: {} (failure {}, retrying in {})", reason, consecutiveFailures,
          seconds(delay));
    }
    LOG.debug("registration failure", e);
    // the client, and its connection, stay when the API answered shedding load (a new connection, a TLS handshake,
    // would only add to it) and after one timeout (the HTTP client closed that request's connection itself);
    // otherwise the kubeconfig is re-read next time (the operator may have fixed it), and after timeouts in a row
    // whatever connection the client holds is dropped, as kubelet does after repeated heartbeat failures
    if (!(Backoff.shedding(status) || consecutiveTimeouts == 1)) {
      closeClient();
    }
    if (changed) {
      onChange.run();
    }
    schedule(delay);
  }

  private KubernetesClient client() {
    if (client != null) {
      return client;
    }
    Path kubeconfig = config.kubeconfig();
    if (!Files.isRegularFile(kubeconfig)) {
      throw new IllegalStateException("kubeconfig " + kubeconfig + " does not exist");
    }
    if (!Files.isReadable(kubeconfig)) {
      throw new IllegalStateException("kubeconfig " + kubeconfig + " is not readable");
    }
    Config kube;
    try {
      // fabric8 reads it: tokens, token files, client certificates, exec credential plugins; relative paths
      // resolve against the kubeconfig's directory
      kube = Config.fromKubeconfig(null, kubeconfig.toFile());
    } catch (RuntimeException e) {
      throw new IllegalStateException("kubeconfig " + kubeconfig + ": " + rootMessage(e), e);
    }
    // the registrar's own backoff decides when to try again: fabric8 would otherwise retry every 429 and 5xx itself,
    // up to 10 times from 100 ms, on its own schedule whatever the Retry-After (docs/SCALE.md)
    kube.setRequestRetryBackoffLimit(0);
    Duration timeout = config.requestTimeout();
    kube.setConnectionTimeout((int) Math.min(5_000, timeout.toMillis()));
    kube.setRequestTimeout((int) timeout.toMillis());
    client = new KubernetesClientBuilder().withConfig(kube)
        .withHttpClientBuilderConsumer(http -> http.addOrReplaceInterceptor("retry-after", retryAfter)).build();
    return client;
  }

  /** Whether {@code e} is a request the API did not answer in time (not a connection that could not be made). */
  static boolean timedOut(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause instanceof HttpConnectTimeoutException) {
        return false;
      }
      if (cause instanceof HttpTimeoutException || cause instanceof SocketTimeoutException
          || cause instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private void closeClient() {
    if (client != null) {
      try {
        client.close();
      } catch (RuntimeException e) {
        LOG.debug("closing the Kubernetes client", e);
      }
      client = null;
    }
  }

  private Map<String, Object> desiredSpec(HypervisorManifest current) {
    return JSON.convertValue(current.spec(), new TypeReference<Map<String, Object>>() {});
  }

  private void syncHypervisor(KubernetesClient api, HypervisorManifest current) {
    NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
        Resource<GenericKubernetesResource>> hypervisors = api.genericKubernetesResources(HYPERVISORS);
    String name = current.metadata().name();
    Map<String, Object> spec = desiredSpec(current);
    for (int attempt = 1; attempt <= MAX_CONFLICT_ATTEMPTS; attempt++) {
      GenericKubernetesResource existing = hypervisors.withName(name).get();
      if (existing == null) {
        if (hypervisorUid != null) {
          if (!config.recreate()) {
            throw new IllegalStateException("was deleted from the cluster and registration.recreate is false: "
                + "not recreating it");
          }
          LOG.warn("registration kubernetes: Hypervisor {} (uid {}) was DELETED from the cluster by someone else: "
              + "RECREATING it (registration.recreate is true)", name, hypervisorUid);
        }
        GenericKubernetesResource fresh = new GenericKubernetesResource();
        fresh.setApiVersion(HypervisorManifest.API_VERSION);
        fresh.setKind(HypervisorManifest.KIND);
        ObjectMeta metadata = new ObjectMeta();
        metadata.setName(name);
        fresh.setMetadata(metadata);
        ours(metadata);
        fresh.setAdditionalProperty("spec", spec);
        try {
          GenericKubernetesResource created = hypervisors.resource(fresh).create();
          adopt(created, "created");
          return;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw e;
          }
          LOG.info("registration kubernetes: Hypervisor {} appeared while creating it; re-reading", name);
          continue;
        }
      }
      if (spec.equals(existing.getAdditionalProperties().get("spec")) && isOurs(existing.getMetadata())) {
        adopt(existing, null);
        return;
      }
      // the object as read: its resourceVersion and status stay as they are; only spec and our metadata change
      existing.setAdditionalProperty("spec", spec);
      ours(existing.getMetadata());
      try {
        GenericKubernetesResource updated = hypervisors.resource(existing).update();
        adopt(updated, "updated");
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        conflicts.mark();
        LOG.info("registration kubernetes: Hypervisor {} changed while updating it (409, attempt {} of {}); "
            + "re-reading", name, attempt, MAX_CONFLICT_ATTEMPTS);
      }
    }
    throw new IllegalStateException("still conflicting (409) after " + MAX_CONFLICT_ATTEMPTS + " attempts");
  }

  private void adopt(GenericKubernetesResource object, String what) {
    String uid = object.getMetadata().getUid();
    if (what != null) {
      LOG.info("registration kubernetes: {} Hypervisor {} (uid {}, resourceVersion {})", what,
          object.getMetadata().getName(), uid, object.getMetadata().getResourceVersion());
    }
    if (hypervisorUid != null && !hypervisorUid.equals(uid)) {
      leaseSeen = false; // a new object: the old Lease went (or will go) with the old one
      held = null;
    }
    hypervisorUid = uid;
  }

  private boolean isOurs(ObjectMeta metadata) {
    return metadata.getLabels() != null && MANAGED_BY.equals(metadata.getLabels().get(MANAGED_BY_LABEL))
        && metadata.getAnnotations() != null && version.equals(metadata.getAnnotations().get(VERSION_ANNOTATION));
  }

  private void ours(ObjectMeta metadata) {
    Map<String, String> labels = metadata.getLabels() == null ? new HashMap<>() : new HashMap<>(
        metadata.getLabels());
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    metadata.setLabels(labels);
    Map<String, String> annotations = metadata.getAnnotations() == null ? new HashMap<>()
        : new HashMap<>(metadata.getAnnotations());
    annotations.put(VERSION_ANNOTATION, version);
    annotations.put(HOLDER_ANNOTATION, holderIdentity);
    metadata.setAnnotations(annotations);
  }

  private void renewLease(KubernetesClient api, HypervisorManifest current) {
    String name = current.metadata().name();
    Lease base = held;
    for (int attempt = 1; attempt <= MAX_CONFLICT_ATTEMPTS; attempt++) {
      ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
      if (base == null) {
        base = api.leases().inNamespace(config.namespace()).withName(name).get();
        if (base == null) {
          Lease created = createLease(api, current, now);
          if (created != null) {
            held = created;
            renewed();
            return;
          }
          continue; // someone created it in between: read it
        }
      }
      Lease lease = new LeaseBuilder(base).build();
      if (lease.getSpec() == null) {
        lease.setSpec(new LeaseSpec());
      }
      if (!holderIdentity.equals(lease.getSpec().getHolderIdentity())) {
        lease.getSpec().setAcquireTime(now);
        lease.getSpec().setLeaseTransitions(
            Objects.requireNonNullElse(lease.getSpec().getLeaseTransitions(), 0) + 1);
      }
      fill(lease, now);
      try {
        // one PUT with the resourceVersion the API gave us: it fails with 409 if anyone wrote the Lease since
        held = api.leases().inNamespace(config.namespace()).resource(lease).update();
        renewed();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          conflicts.mark();
        } else if (e.getCode() != 404) {
          throw e; // the Lease we hold stays the base: nobody has written it as far as we know
        }
        held = null;
        base = null; // changed or gone: read it again
      }
    }
    throw new IllegalStateException("still conflicting (409) after " + MAX_CONFLICT_ATTEMPTS + " attempts");
  }

  /** Creates the Lease; null when someone else created it first (409). */
  private Lease createLease(KubernetesClient api, HypervisorManifest current, ZonedDateTime now) {
    String name = current.metadata().name();
    if (leaseSeen) {
      // the garbage collector removes the Lease with its Hypervisor: someone deleted that, look again
      LOG.warn("registration kubernetes: Lease {}/{} disappeared; checking the Hypervisor", config.namespace(),
          name);
      leaseSeen = false;
      syncHypervisor(api, current);
      resyncs.synced();
    }
    Lease fresh = new Lease();
    ObjectMeta metadata = new ObjectMeta();
    metadata.setName(name);
    metadata.setNamespace(config.namespace());
    fresh.setMetadata(metadata);
    fresh.setSpec(new LeaseSpec());
    fresh.getSpec().setAcquireTime(now);
    fresh.getSpec().setLeaseTransitions(0);
    fill(fresh, now);
    try {
      return api.leases().inNamespace(config.namespace()).resource(fresh).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        throw new IllegalStateException("namespace " + config.namespace() + " does not exist (the operator "
            + "creates it; registration.namespace): " + describe(e), e);
      }
      if (e.getCode() != 409) {
        throw e;
      }
      return null;
    }
  }

  private void fill(Lease lease, ZonedDateTime now) {
    lease.getSpec().setHolderIdentity(holderIdentity);
    lease.getSpec().setLeaseDurationSeconds(config.leaseDurationSeconds());
    lease.getSpec().setRenewTime(now);
    OwnerReference owner = new OwnerReferenceBuilder().withApiVersion(HypervisorManifest.API_VERSION)
        .withKind(HypervisorManifest.KIND).withName(manifest.metadata().name()).withUid(hypervisorUid).build();
    List<OwnerReference> owners = new ArrayList<>();
    if (lease.getMetadata().getOwnerReferences() != null) {
      lease.getMetadata().getOwnerReferences().stream()
          .filter(o -> !(HypervisorManifest.KIND.equals(o.getKind())
              && HypervisorManifest.API_VERSION.equals(o.getApiVersion())))
          .forEach(owners::add);
    }
    owners.add(owner);
    lease.getMetadata().setOwnerReferences(owners);
  }

  private void renewed() {
    leaseSeen = true;
    lastRenewal = Instant.now();
    renewals.mark();
  }

  /** A failure as an operator reads it: the HTTP status and reason, or why the server could not be reached. */
  private String describe(RuntimeException e) {
    if (e instanceof KubernetesClientException k && k.getCode() > 0) {
      String reason = k.getStatus() != null && k.getStatus().getReason() != null ? k.getStatus().getReason() : "";
      String message = k.getStatus() != null && k.getStatus().getMessage() != null ? k.getStatus().getMessage() : "";
      String text = "HTTP " + k.getCode() + (reason.isEmpty() ? "" : " " + reason)
          + (message.isEmpty() || message.equals(reason) ? "" : ": " + message);
      if (k.getCode() == 401) {
        return text + " from " + masterUrl() + ": the credentials in kubeconfig " + config.kubeconfig()
            + " were refused";
      }
      if (k.getCode() == 403) {
        return text + " (the identity in kubeconfig " + config.kubeconfig() + " lacks permission)";
      }
      return text;
    }
    if (timedOut(e)) {
      return "no answer from " + masterUrl() + " within the request timeout of " + seconds(config.requestTimeout())
          + " (the API server is overloaded, or the network is losing packets)";
    }
    if (e instanceof KubernetesClientException) {
      return "cannot reach " + masterUrl() + " (kubeconfig " + config.kubeconfig() + "): " + rootMessage(e);
    }
    return rootMessage(e);
  }

  private String masterUrl() {
    return client == null ? "the API server" : client.getMasterUrl().toString();
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    String name = root.getClass().getSimpleName();
    if (root == e) {
      return message == null ? name : message;
    }
    return message == null ? name : name + ": " + message;
  }

  private static String hostName() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException | RuntimeException e) {
      return Objects.requireNonNullElse(System.getenv("HOSTNAME"), "unknown-host");
    }
  }

  @Override
  public void close() {
    synchronized (scheduling) {
      closed = true;
      if (next != null) {
        next.cancel(false);
      }
    }
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeClient();
  }
}
