package io.oneinfra.agent.registration.join;

/** Why a join stopped; the outcome says which exit code {@code oneinfra-agent join} gives. */
public final class JoinException extends Exception {
  private static final long serialVersionUID = 1L;

  /** How a join ended without a new identity. */
  public enum Outcome {
    /** The API server could not be reached, the token was refused, the CSR was denied or never signed. */
    FAILED(1),
    /** Bad flags or configuration. */
    USAGE(2),
    /** Discovery could not be trusted: the cluster-info signature or the CA pin did not match. */
    REFUSED(3),
    /** This host has a kubeconfig already and {@code --force} was not given. */
    ALREADY_JOINED(4);

    private final int exitCode;

    Outcome(int exitCode) {
      this.exitCode = exitCode;
    }

    /** The process exit code documented in docs/COMMANDS.md. */
    public int exitCode() {
      return exitCode;
    }
  }

  private final Outcome outcome;

  public JoinException(Outcome outcome, String message) {
    super(message);
    this.outcome = outcome;
  }

  public JoinException(Outcome outcome, String message, Throwable cause) {
    super(message, cause);
    this.outcome = outcome;
  }

  public Outcome outcome() {
    return outcome;
  }
}
