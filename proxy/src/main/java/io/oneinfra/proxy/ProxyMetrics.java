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
 *   <li>{@code proxy.connections.open} (gauge): client connections open now
 *   <li>{@code proxy.connections.max} (gauge): the limit, {@code proxy.maxConnections}
 *   <li>{@code proxy.connections.total} (meter): client connections accepted
 *   <li>{@code proxy.connections.refused} (meter): connections closed at once because the limit was reached
 *   <li>{@code proxy.connections.relayed} (meter): connections authenticated and joined to the backend
 *   <li>{@code proxy.connections.timeouts.idle}, {@code proxy.connections.timeouts.lifetime} (meters)
 *   <li>{@code proxy.handshake.failures.<reason>} (meters): one per {@link HandshakeFailure}
 *   <li>{@code proxy.handshake.time} (timer): accepted to handshake done
 *   <li>{@code proxy.backend.unavailable} (meter): authenticated clients closed because the backend refused
 *   <li>{@code proxy.backend.connect} (timer): time to connect to the backend
 *   <li>{@code proxy.bytes.in} (counter): bytes from clients to the backend
 *   <li>{@code proxy.bytes.out} (counter): bytes from the backend to clients
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
    for (HandshakeFailure reason : HandshakeFailure.values()) {
      handshakeFailures.put(reason, registry.meter("proxy.handshake.failures." + reason.metricName()));
    }
  }

  void registerOpen(IntSupplier open, int max) {
    registry.gauge("proxy.connections.open", () -> (Gauge<Integer>) open::getAsInt);
    registry.gauge("proxy.connections.max", () -> (Gauge<Integer>) () -> max); // alerts compare open with it
  }

  Meter handshakeFailure(HandshakeFailure reason) {
    return handshakeFailures.get(reason);
  }

  /** The registry these metrics live in. */
  public MetricRegistry registry() {
    return registry;
  }
}
