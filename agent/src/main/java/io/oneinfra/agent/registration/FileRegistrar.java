package io.oneinfra.agent.registration;

import io.oneinfra.agent.manifest.HypervisorManifest;
import io.oneinfra.agent.manifest.ManifestCodec;
import io.oneinfra.agent.pki.SecureFiles;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code registration.mode: file}, the default: the manifest in {@code stateDir/hypervisor.yaml} (mode 0600: it
 * holds the controller's client key), rewritten atomically on every change, for the operator to apply.
 */
final class FileRegistrar implements Registrar {
  private static final Logger LOG = LoggerFactory.getLogger(FileRegistrar.class);

  private final Path file;
  private volatile String error;

  FileRegistrar(Path file) {
    this.file = file;
  }

  @Override
  public void start(HypervisorManifest manifest) {
    write(manifest);
  }

  @Override
  public void manifestChanged(HypervisorManifest manifest) {
    write(manifest);
  }

  /** Writes {@code manifest}; a failure is logged and reported in the state, never thrown. */
  synchronized void write(HypervisorManifest manifest) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      if (dir != null) {
        SecureFiles.createPrivateDirectory(dir);
      }
      SecureFiles.writeAtomically(file, ManifestCodec.toYaml(manifest), true);
      error = null;
    } catch (IOException e) {
      error = "cannot write " + file + ": " + e.getMessage();
      LOG.error("cannot write the manifest {}: {}", file, e.getMessage());
    }
  }

  /** The last write's error, or null. */
  String error() {
    return error;
  }

  @Override
  public State state() {
    String failure = error;
    return failure == null ? new State("file", true, "") : new State("file", false, failure);
  }

  @Override
  public void close() {
    // nothing held
  }
}
