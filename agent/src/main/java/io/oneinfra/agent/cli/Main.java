package io.oneinfra.agent.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code oneinfra-agent} command. Exit codes: 0 success, 1 failure while running, 2 bad usage or config (the unit's
 * RestartPreventExitStatus=: restarting cannot fix it), 75 cannot start now (restarted: the port is taken, the
 * network not up yet).
 */
@Command(name = "oneinfra-agent", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    subcommands = {RunCommand.class, JoinCommand.class, ManifestCommand.class, CheckCommand.class,
        CertsCommand.class, VersionCommand.class},
    description = "Runs a oneinfra hypervisor: an mTLS proxy in front of the local CRI socket.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeOnInvalidInput = Main.EXIT_CONFIG,
    exitCodeList = {"0:success", "1:failed while running", "2:bad usage or configuration (not worth a restart)",
        "75:cannot start now: listen port taken, no network address yet (worth a restart)"})
public final class Main {
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_CONFIG = 2;
  /** BSD sysexits' EX_TEMPFAIL: systemd shows it as {@code status=75/TEMPFAIL}. */
  public static final int EXIT_UNAVAILABLE = 75;

  private Main() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
