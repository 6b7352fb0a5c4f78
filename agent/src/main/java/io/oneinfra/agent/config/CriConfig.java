package io.oneinfra.agent.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.oneinfra.proxy.cri.CriMethods;
import io.oneinfra.proxy.cri.CriSettings;
import io.oneinfra.proxy.cri.MethodPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The {@code cri} section: the CRI gateway ({@code proxy.mode: cri}): bridging, limits, who may call which method,
 * and the audit trail.
 *
 * @param bridge {@code auto} (default: rewrite v1alpha2 calls to v1 while the runtime serves only v1), {@code never},
 *     {@code always}
 * @param maxConcurrentStreams calls one connection may have open at once (1000)
 * @param maxHeaderListSize header bytes per call (16KiB)
 * @param maxMessageSize the largest request message (16MiB, containerd's own limit)
 * @param maxPingsPerMinute PING and SETTINGS frames a client may send per minute beyond those its responses earn (120)
 * @param authorization which client may call which method; reloadable
 * @param audit the audit trail
 */
public record CriConfig(CriSettings.Bridge bridge, Integer maxConcurrentStreams, DataSize maxHeaderListSize,
    DataSize maxMessageSize, Integer maxPingsPerMinute, Authorization authorization, Audit audit) {

  public CriConfig {
    bridge = Objects.requireNonNullElse(bridge, CriSettings.DEFAULTS.bridge());
    maxConcurrentStreams = Objects.requireNonNullElse(maxConcurrentStreams,
        CriSettings.DEFAULTS.maxConcurrentStreams());
    maxHeaderListSize = Objects.requireNonNullElse(maxHeaderListSize,
        new DataSize(CriSettings.DEFAULTS.maxHeaderListSize()));
    maxMessageSize = Objects.requireNonNullElse(maxMessageSize, new DataSize(CriSettings.DEFAULTS.maxMessageSize()));
    maxPingsPerMinute = Objects.requireNonNullElse(maxPingsPerMinute, CriSettings.DEFAULTS.maxPingsPerMinute());
    authorization = Objects.requireNonNullElse(authorization, new Authorization(null, null, null));
    audit = Objects.requireNonNullElse(audit, new Audit(null, null, null, null, null));
    // validate now (the fields are assigned only after this constructor body)
    new CriSettings(bridge, maxConcurrentStreams, maxHeaderListSize.toInt("cri.maxHeaderListSize"),
        maxMessageSize.toInt("cri.maxMessageSize"), maxPingsPerMinute);
  }

  /** Every default. */
  public static CriConfig defaults() {
    return new CriConfig(null, null, null, null, null, null, null);
  }

  /** The gateway's limits, validated. */
  public CriSettings settings() {
    return new CriSettings(bridge, maxConcurrentStreams, maxHeaderListSize.toInt("cri.maxHeaderListSize"),
        maxMessageSize.toInt("cri.maxMessageSize"), maxPingsPerMinute);
  }

  /**
   * {@code cri.authorization}: deny rules first, then allow rules, then the profile.
   *
   * @param profile {@code controller} (default), {@code read-only}, {@code all} (every method but the dangerous ones)
   *     or {@code none}
   * @param allow rules granting methods, optionally to some clients only
   * @param deny rules taking methods away, optionally from some clients only
   */
  public record Authorization(CriMethods.Profile profile, List<MethodRule> allow, List<MethodRule> deny) {
    public Authorization {
      profile = Objects.requireNonNullElse(profile, CriMethods.Profile.CONTROLLER);
      allow = allow == null ? List.of() : List.copyOf(allow);
      deny = deny == null ? List.of() : List.copyOf(deny);
      check("cri.authorization.allow", allow);
      check("cri.authorization.deny", deny);
    }

    private static void check(String field, List<MethodRule> rules) {
      for (int i = 0; i < rules.size(); i++) {
        for (String method : rules.get(i).methods()) {
          if (!method.equals("*") && !CriMethods.KNOWN.contains(method)) {
            throw new IllegalArgumentException(field + "[" + i + "].methods: '" + method + "' is not a CRI method"
                + " (known: " + String.join(", ", new TreeSet<>(CriMethods.KNOWN)) + ", or *)");
          }
        }
      }
    }

    /** The proxy's policy. */
    public MethodPolicy policy() {
      return new MethodPolicy(profile, rules("cri.authorization.allow", allow), rules("cri.authorization.deny", deny));
    }

    private static List<MethodPolicy.Rule> rules(String field, List<MethodRule> rules) {
      List<MethodPolicy.Rule> out = new ArrayList<>();
      for (int i = 0; i < rules.size(); i++) {
        MethodRule rule = rules.get(i);
        out.add(new MethodPolicy.Rule(field + "[" + i + "]", new TreeSet<>(rule.methods()),
            rule.clients().toPolicy()));
      }
      return out;
    }
  }

  /**
   * One rule.
   *
   * @param methods CRI method names ({@code ExecSync}, {@code RemoveImage}, ...) or {@code *}
   * @param clients the clients it applies to, as {@code access.allow} matches them (CN, OU, DNS/URI SAN, SPKI pin);
   *     absent: every client
   */
  public record MethodRule(List<String> methods, AgentConfig.Allow clients) {
    public MethodRule {
      if (methods == null || methods.isEmpty()) {
        throw new IllegalArgumentException("cri.authorization: a rule needs methods (CRI method names or *)");
      }
      methods = List.copyOf(methods);
      clients = Objects.requireNonNullElse(clients, new AgentConfig.Allow(null, null, null, null, null));
    }
  }

  /** What the audit trail records. */
  public enum AuditMode {
    /** Nothing. */
    @JsonProperty("off") OFF,
    /** Only calls the method policy denied. */
    @JsonProperty("denied-only") DENIED_ONLY,
    /** Every call. */
    @JsonProperty("all") ALL
  }

  /**
   * {@code cri.audit}: one JSON line per call (see docs/GATEWAY.md for the record).
   *
   * @param mode {@code all} (default), {@code denied-only} or {@code off}; reloadable
   * @param file the JSON-lines file (default {@code stateDir/audit/cri-audit.log}; its directory is made 0700)
   * @param maxFileSize the file is rotated when it would grow past this (default 10MiB)
   * @param maxFiles rotated files kept, {@code FILE.1} the newest (default 5)
   * @param journald also send each record to journald as structured fields (default false)
   */
  public record Audit(AuditMode mode, Path file, DataSize maxFileSize, Integer maxFiles, Boolean journald) {
    public Audit {
      mode = Objects.requireNonNullElse(mode, AuditMode.ALL);
      maxFileSize = Objects.requireNonNullElse(maxFileSize, new DataSize(10 << 20));
      maxFiles = Objects.requireNonNullElse(maxFiles, 5);
      journald = Objects.requireNonNullElse(journald, false);
      if (maxFileSize.bytes() < 4096) {
        throw new IllegalArgumentException("cri.audit.maxFileSize: " + maxFileSize + " is below the 4KiB minimum");
      }
      if (maxFiles < 1) {
        throw new IllegalArgumentException("cri.audit.maxFiles: " + maxFiles + " must be at least 1");
      }
    }

    /** The audit file for a state directory. */
    public Path fileIn(Path stateDir) {
      return file != null ? file : stateDir.resolve("audit").resolve("cri-audit.log");
    }
  }
}
