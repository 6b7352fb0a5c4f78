package io.oneinfra.agent.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The per-host overrides {@code run} and {@code join} share, so both see the same state directory and name. */
final class IdentityOverrides {
  @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:ONEINFRA_AGENT_STATE_DIR}",
      description = "Overrides stateDir (env ONEINFRA_AGENT_STATE_DIR).")
  Path stateDir;

  @Option(names = "--name", paramLabel = "NAME", defaultValue = "${env:ONEINFRA_AGENT_NAME}",
      description = "Overrides hypervisor.name (env ONEINFRA_AGENT_NAME).")
  String name;
}
