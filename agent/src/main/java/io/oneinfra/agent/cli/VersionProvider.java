package io.oneinfra.agent.cli;

import picocli.CommandLine.IVersionProvider;

/** The agent's version, from the jar manifest. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = Main.class.getPackage().getImplementationVersion();
    return new String[] {"oneinfra-agent " + (version == null ? "development" : version)};
  }
}
