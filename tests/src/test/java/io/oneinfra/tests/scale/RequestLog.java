package io.oneinfra.tests.scale;

import io.oneinfra.tests.registration.ApiInterposer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Every request the API double was sent, as it arrived: when, from which agent, verb, resource, the answer. */
final class RequestLog implements ApiInterposer.Observer {
  /**
   * One request; {@code agent} is the agent's index, {@code status} 0 when no answer was sent ({@code failure} says
   * why), {@code connected} whether it was the first on its connection, {@code tookNanos} how long the API took to
   * answer it (or to fail).
   */
  record Request(long atNanos, int agent, String verb, String resource, int status, boolean connected,
      long tookNanos, String failure) {
    /** Verb and resource, e.g. {@code PUT leases}. */
    String kind() {
      return verb + " " + resource;
    }

    boolean ok() {
      return status >= 200 && status < 300;
    }

    /** A Lease written (created or updated) successfully: the agent is registered from here. */
    boolean leaseWritten() {
      return ok() && resource.equals("leases") && !verb.equals("GET");
    }
  }

  private final List<Request> requests = new ArrayList<>();
  private final Map<Integer, Integer> lastPort = new HashMap<>();

  @Override
  public void answered(ApiInterposer.Exchange exchange) {
    int agent = agent(exchange.caller().user());
    synchronized (requests) {
      Integer port = lastPort.put(agent, exchange.clientPort());
      requests.add(new Request(exchange.atNanos(), agent, verb(exchange.method()), resource(exchange.path()),
          exchange.status(), port == null || port != exchange.clientPort(), exchange.tookNanos(),
          exchange.failure()));
    }
  }

  /** The requests that arrived in {@code [fromNanos, toNanos)}, in arrival order. */
  List<Request> between(long fromNanos, long toNanos) {
    List<Request> copy;
    synchronized (requests) {
      copy = new ArrayList<>(requests);
    }
    return copy.stream().filter(r -> r.atNanos() >= fromNanos && r.atNanos() < toNanos)
        .sorted((a, b) -> Long.compare(a.atNanos(), b.atNanos())).toList();
  }

  /** How many distinct agents have written their Lease since {@code fromNanos}. */
  long registeredSince(long fromNanos) {
    synchronized (requests) {
      return requests.stream().filter(r -> r.atNanos() >= fromNanos && r.leaseWritten()).mapToInt(Request::agent)
          .distinct().count();
    }
  }

  private static int agent(String user) {
    return Integer.parseInt(user.substring(user.lastIndexOf('-') + 1));
  }

  private static String verb(String method) {
    return switch (method) {
      case "GET" -> "GET";
      case "PUT" -> "PUT";
      case "POST" -> "POST";
      case "PATCH" -> "PATCH";
      case "DELETE" -> "DELETE";
      default -> method;
    };
  }

  /** The plural of the resource a request path names (its segment before the object's name, or the last one). */
  private static String resource(String path) {
    if (path.contains("/leases")) {
      return "leases";
    }
    if (path.contains("/hypervisors")) {
      return "hypervisors";
    }
    String[] segments = path.split("/");
    return segments.length == 0 ? "/" : segments[segments.length - 1];
  }
}
