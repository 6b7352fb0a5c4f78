package io.oneinfra.agent.registration;

import io.oneinfra.agent.manifest.HypervisorManifest;

/** Kubernetes registration with the joined client certificate kept renewed beside it; renewal adds to its state. */
final class RenewingRegistrar implements Registrar {
  private final KubernetesRegistrar registrar;
  private final ClientCertificateRenewer renewer;

  RenewingRegistrar(KubernetesRegistrar registrar, ClientCertificateRenewer renewer) {
    this.registrar = registrar;
    this.renewer = renewer;
  }

  @Override
  public void start(HypervisorManifest manifest) {
    registrar.start(manifest);
    renewer.start();
  }

  @Override
  public void manifestChanged(HypervisorManifest manifest) {
    registrar.manifestChanged(manifest);
  }

  @Override
  public State state() {
    State state = registrar.state();
    String renewal = renewer.detail();
    return renewal.isEmpty() ? state
        : new State(state.mode(), state.registered(), state.detail() + "; " + renewal);
  }

  @Override
  public void close() {
    renewer.close();
    registrar.close();
  }
}
