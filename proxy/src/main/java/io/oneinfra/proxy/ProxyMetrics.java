package io.oneinfra.proxy;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The proxy's metrics under fixed names, registered in a registry the caller owns.
 *
 * <ul>
 *   <li>{@code proxy.connections.open} (gauge): authenticated client connections open now
 *   <li>{@code proxy.connections.max} (gauge): the limit, {@code proxy.maxConnections}
 *   <li>{@code proxy.connections.total} (meter): client connections accepted
 *   <li>{@code proxy.connections.refused} (meter): connections closed because every authenticated slot was taken,
 *       or the proxy was stopping
 *   <li>{@code proxy.connections.relayed} (meter): connections authenticated and joined to the backend
 *   <li>{@code proxy.connections.timeouts.idle}, {@code proxy.connections.timeouts.lifetime} (meters)
 *   <li>{@code proxy.handshake.failures.<reason>} (meters): one per {@link HandshakeFailure}
 *   <li>{@code proxy.handshake.time} (timer): accepted to handshake done
 *   <li>{@code proxy.backend.unavailable} (meter): authenticated clients closed because the backend refused
 *   <li>{@code proxy.backend.connect} (timer): time to connect to the backend
 *   <li>{@code proxy.bytes.in} (counter): bytes from clients to the backend
 *   <li>{@code proxy.bytes.out} (counter): bytes from the backend to clients
 *   <li>{@code proxy.preauth.pending} (gauge): connections whose handshake is in progress
 *   <li>{@code proxy.preauth.sources} (gauge): sources with a handshake in progress
 *   <li>{@code proxy.preauth.limits.handshakes}, {@code proxy.preauth.limits.per_source} (gauges): the budget in force
 *   <li>{@code proxy.preauth.evictions.source} (meter): pending handshakes closed for a newer one from the same source
 *   <li>{@code proxy.preauth.evictions.global} (meter): pending handshakes closed for a newer one from anywhere
 *   <li>{@code proxy.preauth.timeouts.first_byte} (meter): connections closed having sent nothing in time
 *   <li>{@code proxy.preauth.timeouts.handshake} (meter): handshakes closed unfinished at the handshake timeout
 * </ul>
 */
public final class ProxyMetrics {
  final Meter accepted;
  final Meter refused;
  final Meter relayed;
  final Meter idleTimeouts;
  final Meter lifetimeTimeouts;
  final Timer handshakeTime;
  final Meter backendUnavailable;
  final Timer backendConnect;
  final Counter bytesIn;
  final Counter bytesOut;
  final Meter sourceEvictions;
  final Meter globalEvictions;
  final Meter firstByteTimeouts;
  final Meter handshakeTimeouts;
  private final Map<HandshakeFailure, Meter> handshakeFailures = new EnumMap<>(HandshakeFailure.class);
  private final MetricRegistry registry;

  public ProxyMetrics(MetricRegistry registry) {
    this.registry = registry;
    accepted = registry.meter("proxy.connections.total");
    refused = registry.meter("proxy.connections.refused");
    relayed = registry.meter("proxy.connections.relayed");
    idleTimeouts = registry.meter("proxy.connections.timeouts.idle");
    lifetimeTimeouts = registry.meter("proxy.connections.timeouts.lifetime");
    handshakeTime = registry.timer("proxy.handshake.time");
    backendUnavailable = registry.meter("proxy.backend.unavailable");
    backendConnect = registry.timer("proxy.backend.connect");
    bytesIn = registry.counter("proxy.bytes.in");
    bytesOut = registry.counter("proxy.bytes.out");
    sourceEvictions = registry.meter("proxy.preauth.evictions.source");
    globalEvictions = registry.meter("proxy.preauth.evictions.global");
    firstByteTimeouts = registry.meter("proxy.preauth.timeouts.first_byte");
    handshakeTimeouts = registry.meter("proxy.preauth.timeouts.handshake");
    for (HandshakeFailure reason : HandshakeFailure.values()) {
      handshakeFailures.put(reason, registry.meter("proxy.handshake.failures." + reason.metricName()));
    }
  }

  void registerGauges(Admission admission, int maxConnections) {
    gauge("proxy.connections.open", admission::authenticated);
    gauge("proxy.connections.max", () -> maxConnections); // alerts compare open with it
    PreAuthBudget budget = admission.budget();
    gauge("proxy.preauth.pending", budget::pending);
    gauge("proxy.preauth.sources", budget::sources);
    gauge("proxy.preauth.limits.handshakes", () -> budget.limits().maxHandshakes());
    gauge("proxy.preauth.limits.per_source", () -> budget.limits().maxHandshakesPerSource());
  }

  private void gauge(String name, IntSupplier value) {
    registry.gauge(name, () -> (Gauge<Integer>) value::getAsInt);
  }

  Meter handshakeFailure(HandshakeFailure reason) {
    return handshakeFailures.get(reason);
  }

  /** The registry these metrics live in. */
  public MetricRegistry registry() {
    return registry;
  }
}
