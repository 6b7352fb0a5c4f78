package io.oneinfra.proxy.cri;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.proxy.AccessPolicy;
import io.oneinfra.proxy.TestCerts;
import java.security.KeyPair;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MethodPolicyTest {
  private static final KeyPair KEYS = TestCerts.keyPair("EC");
  private static final ClientIdentity CONTROLLER = client("oneinfra-client");
  private static final ClientIdentity DEBUGGER = client("oneinfra-debug");

  private static ClientIdentity client(String cn) {
    return ClientIdentity.of(TestCerts.selfSigned(cn, KEYS), cn, "10.0.0.2:5000");
  }

  private static CriMethod v1alpha2(String name) {
    return CriMethod.parse("/runtime.v1alpha2.RuntimeService/" + name);
  }

  private static AccessPolicy commonNames(String... names) {
    return new AccessPolicy(Set.of(names), Set.of(), Set.of(), Set.of(), Set.of(), List.of());
  }

  @Test
  void theControllerProfileGrantsWhatTheControllerCallsAndNothingDangerous() {
    MethodPolicy policy = MethodPolicy.CONTROLLER;
    for (String name : CriMethods.CONTROLLER) {
      assertThat(policy.decide(v1alpha2(name), CONTROLLER).allowed()).as(name).isTrue();
    }
    for (String name : CriMethods.DANGEROUS) {
      MethodPolicy.Decision d = policy.decide(v1alpha2(name), CONTROLLER);
      assertThat(d.allowed()).as(name).isFalse();
      assertThat(d.reason()).contains(name + " is granted by no profile");
    }
    assertThat(policy.decide(v1alpha2("ContainerStats"), CONTROLLER).reason())
        .isEqualTo("not in profile controller and allowed by no rule");
  }

  @Test
  void noProfileGrantsADangerousMethod() {
    for (CriMethods.Profile profile : CriMethods.Profile.values()) {
      for (String name : CriMethods.DANGEROUS) {
        assertThat(profile.grants(name)).as(profile + " " + name).isFalse();
      }
    }
    assertThat(CriMethods.Profile.ALL.grants("SomethingNewer")).isTrue();
    assertThat(CriMethods.Profile.READ_ONLY.grants("RunPodSandbox")).isFalse();
    assertThat(CriMethods.Profile.NONE.grants("Version")).isFalse();
    assertThat(CriMethods.Profile.READ_ONLY.configName()).isEqualTo("read-only");
  }

  @Test
  void anAllowRuleNamingADangerousMethodGrantsItToItsClientsOnly() {
    MethodPolicy policy = new MethodPolicy(CriMethods.Profile.CONTROLLER,
        List.of(new MethodPolicy.Rule("cri.authorization.allow[0]", Set.of("ExecSync"), commonNames("oneinfra-debug"))),
        List.of());
    MethodPolicy.Decision debug = policy.decide(v1alpha2("ExecSync"), DEBUGGER);
    assertThat(debug.allowed()).isTrue();
    assertThat(debug.reason()).isEqualTo("allowed by cri.authorization.allow[0]");
    assertThat(policy.decide(v1alpha2("ExecSync"), CONTROLLER).allowed()).isFalse();
  }

  @Test
  void aWildcardAllowRuleNeverCoversADangerousMethod() {
    MethodPolicy policy = new MethodPolicy(CriMethods.Profile.NONE,
        List.of(new MethodPolicy.Rule("cri.authorization.allow[0]", Set.of("*"), null)), List.of());
    assertThat(policy.decide(v1alpha2("ListContainerStats"), CONTROLLER).allowed()).isTrue();
    assertThat(policy.decide(v1alpha2("Exec"), CONTROLLER).allowed()).isFalse();
  }

  @Test
  void denyRulesComeFirst() {
    MethodPolicy policy = new MethodPolicy(CriMethods.Profile.CONTROLLER,
        List.of(new MethodPolicy.Rule("cri.authorization.allow[0]", Set.of("RemovePodSandbox"), null)),
        List.of(new MethodPolicy.Rule("cri.authorization.deny[0]", Set.of("RemovePodSandbox"), null),
            new MethodPolicy.Rule("cri.authorization.deny[1]", Set.of("*"), commonNames("oneinfra-debug"))));
    MethodPolicy.Decision d = policy.decide(v1alpha2("RemovePodSandbox"), CONTROLLER);
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).isEqualTo("denied by cri.authorization.deny[0]");
    assertThat(policy.decide(v1alpha2("Version"), DEBUGGER).reason()).isEqualTo("denied by cri.authorization.deny[1]");
    assertThat(policy.decide(v1alpha2("Version"), CONTROLLER).allowed()).isTrue();
  }

  @Test
  void pathsOutsideTheCriAreAlwaysDenied() {
    MethodPolicy policy = new MethodPolicy(CriMethods.Profile.ALL,
        List.of(new MethodPolicy.Rule("cri.authorization.allow[0]", Set.of("*"), null)), List.of());
    MethodPolicy.Decision d = policy.decide(CriMethod.parse("/grpc.health.v1.Health/Check"), CONTROLLER);
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).contains("not a method of the CRI");
  }
}
