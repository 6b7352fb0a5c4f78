package io.oneinfra.agent.cri;

import io.grpc.StatusRuntimeException;
import io.oneinfra.agent.cri.proto.VersionResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Asks the local CRI socket who it is (a {@code Version} call per API version), as the controller will. */
public final class CriHealth implements AutoCloseable {
  private static final Duration DEADLINE = Duration.ofSeconds(2);

  private final Path socket;
  private CriChannel channel;

  /**
   * The outcome of one check.
   *
   * @param up whether the runtime answered
   * @param runtime runtime name and version, e.g. {@code containerd 1.6.20}
   * @param apis CRI API versions it answered on, e.g. {@code [v1, v1alpha2]}
   * @param reason why it is down, or empty
   */
  public record Result(boolean up, String runtime, List<String> apis, String reason) {
    /** A one-line summary for STATUS= and logs. */
    public String summary() {
      return up ? "cri " + runtime + " (" + String.join(", ", apis) + ")" : "cri unavailable: " + reason;
    }
  }

  public CriHealth(Path socket) {
    this.socket = socket;
  }

  /** Checks now; never throws. */
  public synchronized Result check() {
    if (!Files.exists(socket)) {
      return new Result(false, "", List.of(), "no CRI socket at " + socket
          + " (is the runtime running? set proxy.backend to its socket, e.g. unix:/run/crio/crio.sock)");
    }
    if (channel == null) {
      channel = CriChannel.unix(socket);
    }
    channel.channel().resetConnectBackoff(); // a runtime that just came back should be seen at once
    List<String> apis = new ArrayList<>();
    String runtime = "";
    String reason = "";
    for (CriApiVersion api : CriApiVersion.values()) {
      try {
        VersionResponse version = new CriClient(channel.channel(), api, DEADLINE).version();
        apis.add(api.apiVersion());
        runtime = version.getRuntimeName() + " " + version.getRuntimeVersion();
      } catch (StatusRuntimeException e) {
        reason = api.apiVersion() + ": " + e.getStatus().getCode() + " " + e.getStatus().getDescription();
      }
    }
    return apis.isEmpty() ? new Result(false, "", List.of(), reason) : new Result(true, runtime, apis, "");
  }

  @Override
  public synchronized void close() {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }
}
