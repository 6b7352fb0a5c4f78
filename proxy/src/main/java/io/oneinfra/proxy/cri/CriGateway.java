package io.oneinfra.proxy.cri;

import com.codahale.metrics.MetricRegistry;
import io.netty.channel.ChannelHandler;
import io.oneinfra.proxy.RateLimitedLog;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every gateway connection of one proxy shares: the limits and bridging rule, the method policy (swappable at
 * run time, like the TLS material), what the runtime is known to serve, and where call records go.
 *
 * <p>Log switches: {@code io.oneinfra.proxy.cri.denied} (denied calls, rate-limited) and
 * {@code io.oneinfra.proxy.cri.refused} (clients cut off for HTTP/2 abuse, rate-limited).
 */
public final class CriGateway {
  /** A user event that asks every gateway connection to stop taking calls and close once they are done. */
  public static final Object DRAIN = new Object() {
    @Override
    public String toString() {
      return "DRAIN";
    }
  };

  private static final Logger DENIED = LoggerFactory.getLogger("io.oneinfra.proxy.cri.denied");
  private static final Logger REFUSED = LoggerFactory.getLogger("io.oneinfra.proxy.cri.refused");

  private final CriSettings settings;
  private final AtomicReference<MethodPolicy> policy;
  private final CallListener listener;
  private volatile boolean auditing;
  private final RateLimitedLog deniedLog = new RateLimitedLog(DENIED, 1, TimeUnit.SECONDS);
  private final RateLimitedLog refusedLog = new RateLimitedLog(REFUSED, 1, TimeUnit.SECONDS);
  private volatile List<String> runtimeApis = List.of();
  private volatile boolean bridging;
  private volatile GatewayMetrics metrics;

  /**
   * @param settings limits and bridging rule
   * @param policy the first method policy
   * @param listener told of every call (metrics, audit)
   * @param auditing whether audit fields are read from the calls' messages
   */
  public CriGateway(CriSettings settings, MethodPolicy policy, CallListener listener, boolean auditing) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.policy = new AtomicReference<>(Objects.requireNonNull(policy, "policy"));
    this.listener = Objects.requireNonNull(listener, "listener");
    this.auditing = auditing;
    this.bridging = settings.bridge() == CriSettings.Bridge.ALWAYS;
  }

  /** Registers the gateway's meters ({@code proxy.cri.refused.<reason>}); the proxy calls this when it binds. */
  public void register(MetricRegistry registry) {
    metrics = new GatewayMetrics(registry);
  }

  /** The limits. */
  public CriSettings settings() {
    return settings;
  }

  /** The policy in force. */
  public MethodPolicy policy() {
    return policy.get();
  }

  /** Swaps in a new policy: calls from then on are decided by it (open connections included). */
  public void policy(MethodPolicy newPolicy) {
    policy.set(Objects.requireNonNull(newPolicy, "policy"));
  }

  /**
   * What the runtime serves, from its last CRI check ({@code v1}, {@code v1alpha2}); re-decides bridging under
   * {@code bridge: auto}. An empty list (runtime down, not checked yet) leaves the last decision in place.
   */
  public void runtimeApis(Collection<String> apis) {
    if (apis.isEmpty()) {
      return;
    }
    runtimeApis = List.copyOf(apis);
    bridging = switch (settings.bridge()) {
      case ALWAYS -> true;
      case NEVER -> false;
      case AUTO -> !apis.contains("v1alpha2") && apis.contains("v1");
    };
  }

  /** The API versions last reported by the runtime. */
  public List<String> runtimeApis() {
    return runtimeApis;
  }

  /** Whether v1alpha2 calls are being rewritten to v1 now. */
  public boolean bridging() {
    return bridging;
  }

  /** The two handlers joining one authenticated client to its runtime connection. */
  public Pair newPair(ClientIdentity client, Traffic traffic, long drainMillis) {
    GatewayLink link = new GatewayLink(this, client, traffic);
    return new Pair(ClientFacingHandler.create(link, drainMillis), RuntimeFacingHandler.create(link));
  }

  /**
   * The handlers of one gateway connection.
   *
   * @param clientSide goes into the client's pipeline, after TLS
   * @param runtimeSide the runtime connection's handler
   */
  public record Pair(ChannelHandler clientSide, ChannelHandler runtimeSide) {}

  boolean auditing() {
    return auditing;
  }

  /** Whether calls' messages are read for audit fields (off when the audit trail records nothing). */
  public void auditing(boolean on) {
    auditing = on;
  }

  CallListener listener() {
    return listener;
  }

  GatewayMetrics metrics() {
    return metrics;
  }

  void ended(CallRecord record) {
    listener.ended(record);
  }

  void denied(Call call, ClientIdentity client) {
    deniedLog.warn("denied {} for {} from {}: {}", call.method.path(), client.label(), client.source(),
        call.decision.reason());
  }

  void refused(GatewayRefusal reason, ClientIdentity client, String detail) {
    metrics.refused(reason);
    refusedLog.warn("cut off {} from {}: {} ({})", client.label(), client.source(), reason.metricName(), detail);
  }
}
