package io.oneinfra.agent;

import java.io.IOException;

/**
 * Start-up failed on a condition of the host that may clear by itself (the listen port taken, no network address
 * yet), unlike a configuration error: worth a restart.
 */
public final class UnavailableException extends IOException {
  private static final long serialVersionUID = 1L;

  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
