package io.oneinfra.proxy.cri;

import io.oneinfra.proxy.AccessPolicy;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which client may call which CRI method: deny rules first, then allow rules, then the profile; anything else is
 * denied. Immutable; the gateway swaps a whole new policy in on reload.
 *
 * @param profile the methods every authenticated client may call
 * @param allow rules granting more, each optionally bound to some clients
 * @param deny rules taking away, each optionally bound to some clients
 */
public record MethodPolicy(CriMethods.Profile profile, List<Rule> allow, List<Rule> deny) {
  /** The default: the {@code controller} profile and no rules. */
  public static final MethodPolicy CONTROLLER = new MethodPolicy(CriMethods.Profile.CONTROLLER, List.of(), List.of());

  public MethodPolicy {
    Objects.requireNonNull(profile, "profile");
    allow = List.copyOf(allow);
    deny = List.copyOf(deny);
  }

  /**
   * One allow or deny rule.
   *
   * @param name where it was configured, e.g. {@code cri.authorization.allow[0]}, for messages
   * @param methods CRI method names; {@code *} is every method (for allow rules: every one but the dangerous ones)
   * @param clients the clients it applies to, matched as {@code access.allow} is; {@link AccessPolicy#ALLOW_ANY} for
   *     every client
   */
  public record Rule(String name, Set<String> methods, AccessPolicy clients) {
    public Rule {
      methods = Set.copyOf(methods);
      clients = Objects.requireNonNullElse(clients, AccessPolicy.ALLOW_ANY);
      if (!clients.crls().isEmpty()) {
        throw new IllegalArgumentException(name + ".clients: revocation lists belong in access.crl");
      }
    }

    boolean names(String method) {
      return methods.contains(method);
    }

    boolean appliesTo(ClientIdentity client) {
      return clients.allowsAny() || clients.refusal(client.certificate()).isEmpty();
    }
  }

  /**
   * The outcome for one method and client.
   *
   * @param allowed whether the call may reach the runtime
   * @param reason why, for the audit record and the PERMISSION_DENIED message
   */
  public record Decision(boolean allowed, String reason) {}

  /** Decides whether {@code client} may call {@code method}. */
  public Decision decide(CriMethod method, ClientIdentity client) {
    if (!method.isCri()) {
      return new Decision(false, "not a method of the CRI's RuntimeService or ImageService");
    }
    String name = method.name();
    for (Rule rule : deny) {
      if ((rule.names(name) || rule.names("*")) && rule.appliesTo(client)) {
        return new Decision(false, "denied by " + rule.name());
      }
    }
    boolean dangerous = CriMethods.DANGEROUS.contains(name);
    for (Rule rule : allow) {
      if ((rule.names(name) || (rule.names("*") && !dangerous)) && rule.appliesTo(client)) {
        return new Decision(true, "allowed by " + rule.name());
      }
    }
    if (profile.grants(name)) {
      return new Decision(true, "profile " + profile.configName());
    }
    return new Decision(false, dangerous
        ? name + " is granted by no profile; only an allow rule naming it lets a client call it"
        : "not in profile " + profile.configName() + " and allowed by no rule");
  }
}
