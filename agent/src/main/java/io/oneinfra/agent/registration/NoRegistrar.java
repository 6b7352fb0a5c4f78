package io.oneinfra.agent.registration;

import io.oneinfra.agent.manifest.HypervisorManifest;

/** {@code registration.mode: none}: nothing is written or sent; {@code oneinfra-agent manifest} still prints it. */
final class NoRegistrar implements Registrar {
  @Override
  public void start(HypervisorManifest manifest) {
    // nothing to publish
  }

  @Override
  public void manifestChanged(HypervisorManifest manifest) {
    // nothing to publish
  }

  @Override
  public State state() {
    return new State("none", false, "");
  }

  @Override
  public void close() {
    // nothing held
  }
}
