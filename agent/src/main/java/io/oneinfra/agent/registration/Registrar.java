package io.oneinfra.agent.registration;

import com.codahale.metrics.MetricRegistry;
import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.manifest.HypervisorManifest;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Publishes this hypervisor to the management cluster and keeps it published. Implementations never block the
 * caller on the network: {@link #start} and {@link #manifestChanged} return at once.
 */
public interface Registrar extends AutoCloseable {

  /** Begins publishing {@code manifest}; returns at once. */
  void start(HypervisorManifest manifest);

  /** The manifest changed (address, certificates, port range, role): publish it as soon as possible. */
  void manifestChanged(HypervisorManifest manifest);

  /** What STATUS=, /readyz and the metrics say about registration now. */
  State state();

  /** Stops; never throws. */
  @Override
  void close();

  /**
   * Registration as reported.
   *
   * @param mode {@code none}, {@code file} or {@code kubernetes}
   * @param registered whether the cluster (or the file) has the current manifest
   * @param detail e.g. {@code registered hv-1 (lease renewed 3s ago)} or {@code retrying in 6.4s: <reason>}
   */
  record State(String mode, boolean registered, String detail) {
    /** One line for STATUS=, e.g. {@code registration kubernetes: registered hv-1 (lease renewed 3s ago)}. */
    public String line() {
      return detail.isEmpty() ? "registration " + mode : "registration " + mode + ": " + detail;
    }

    /** The /readyz detail value: the mode and the detail. */
    public String readyz() {
      return detail.isEmpty() ? mode : mode + ": " + detail;
    }
  }

  /**
   * The registrar for {@code config.mode()}.
   *
   * @param manifestFile where file (and kubernetes, as a local copy) mode write the manifest; its directory is the
   *     state directory, where {@code join} writes the kubeconfig kubernetes mode uses by default
   * @param onChange called (from any thread) when the registration state changes in a way worth a new STATUS=
   */
  static Registrar create(AgentConfig.Registration config, Path manifestFile, MetricRegistry metrics,
      Runnable onChange) {
    return switch (config.mode()) {
      case NONE -> new NoRegistrar();
      case FILE -> new FileRegistrar(manifestFile);
      case KUBERNETES -> {
        AgentConfig.Registration resolved = config.withKubeconfig(
            config.kubeconfigIn(manifestFile.toAbsolutePath().getParent()));
        KubernetesRegistrar registrar = new KubernetesRegistrar(resolved, new FileRegistrar(manifestFile), metrics,
            onChange);
        yield !resolved.certificateRenewal() ? registrar : new RenewingRegistrar(registrar,
            new ClientCertificateRenewer(resolved.kubeconfig(), resolved, metrics,
                () -> ThreadLocalRandom.current().nextDouble(), registrar::credentialsChanged, onChange));
      }
    };
  }
}
