package io.oneinfra.agent.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code oneinfra-agent} command. Exit codes: 0 success, 1 failure while running, 2 bad usage or config.
 */
@Command(name = "oneinfra-agent", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    subcommands = {RunCommand.class, JoinCommand.class, ManifestCommand.class, CheckCommand.class,
        CertsCommand.class, VersionCommand.class},
    description = "Runs a oneinfra hypervisor: an mTLS proxy in front of the local CRI socket.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeOnInvalidInput = Main.EXIT_CONFIG,
    exitCodeList = {"0:success", "1:failed while running", "2:bad usage or configuration"})
public final class Main {
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_CONFIG = 2;

  private Main() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
