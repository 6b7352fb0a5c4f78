package io.oneinfra.tests.scale;

import com.sun.net.httpserver.HttpExchange;
import io.oneinfra.tests.registration.ApiInterposer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Authenticates the fleet's agents by their bearer tokens ({@link FleetJvm#token}): each is its own user. */
final class FleetTokens implements ApiInterposer.Authenticator {
  private static final String PREFIX = "Bearer fleet-";
  private final Map<String, ApiInterposer.Caller> callers = new ConcurrentHashMap<>();

  @Override
  public ApiInterposer.Caller authenticate(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header == null || !header.startsWith(PREFIX)) {
      return null;
    }
    return callers.computeIfAbsent(header.substring(PREFIX.length()), name -> new ApiInterposer.Caller(name,
        List.of("system:oneinfra:hypervisors", "system:authenticated"), "token"));
  }
}
