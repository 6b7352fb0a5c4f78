package io.oneinfra.proxy.cri;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CriMethodTest {
  @Test
  void readsAV1alpha2RuntimeCall() {
    CriMethod m = CriMethod.parse("/runtime.v1alpha2.RuntimeService/RunPodSandbox");
    assertThat(m.isCri()).isTrue();
    assertThat(m.isV1alpha2()).isTrue();
    assertThat(m.api()).isEqualTo("v1alpha2");
    assertThat(m.service()).isEqualTo("RuntimeService");
    assertThat(m.name()).isEqualTo("RunPodSandbox");
  }

  @Test
  void bridgesToTheSameMethodInV1() {
    CriMethod v1 = CriMethod.parse("/runtime.v1alpha2.ImageService/PullImage").asV1();
    assertThat(v1.path()).isEqualTo("/runtime.v1.ImageService/PullImage");
    assertThat(v1.api()).isEqualTo("v1");
    assertThat(v1.name()).isEqualTo("PullImage");
  }

  @Test
  void aV1CallStaysAsItIs() {
    CriMethod m = CriMethod.parse("/runtime.v1.RuntimeService/Version");
    assertThat(m.asV1()).isSameAs(m);
    assertThat(m.isV1alpha2()).isFalse();
  }

  @Test
  void pathsOutsideTheCriServicesAreNotCriMethods() {
    for (String path : new String[] {"/grpc.health.v1.Health/Check", "/runtime.v1alpha2.Other/Version",
        "/runtime.v2.RuntimeService/Version", "/runtime.v1.RuntimeService/", "runtime.v1.RuntimeService/Version",
        "/runtime.v1.RuntimeService/Version/extra", ""}) {
      CriMethod m = CriMethod.parse(path);
      assertThat(m.isCri()).as(path).isFalse();
      assertThat(m.name()).isEqualTo(path);
      assertThat(m.asV1()).isSameAs(m);
    }
    assertThat(CriMethod.parse(null).isCri()).isFalse();
  }
}
