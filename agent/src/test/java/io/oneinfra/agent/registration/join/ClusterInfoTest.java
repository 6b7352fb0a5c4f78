package io.oneinfra.agent.registration.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.Issued;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ClusterInfoTest {
  private static final Issued CA = CertificateIssuer.certificate("cluster CA").certificateAuthority().issue();
  private static final String CA_DATA = Base64.getEncoder().encodeToString(
      CA.certificatePem().getBytes(StandardCharsets.US_ASCII));

  @Test
  void readsKubeadmsClusterInfoWithItsUnnamedCluster() throws IOException {
    ClusterInfo info = ClusterInfo.parse("""
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: %s
            server: https://10.0.0.1:6443
          name: ""
        contexts: null
        current-context: ""
        kind: Config
        users: null
        """.formatted(CA_DATA));
    assertThat(info.server()).hasToString("https://10.0.0.1:6443");
    assertThat(info.clusterName()).isEqualTo("kubernetes");
    assertThat(info.cas()).containsExactly(CA.certificate());
  }

  @Test
  void followsTheCurrentContextToItsCluster() throws IOException {
    ClusterInfo info = ClusterInfo.parse("""
        clusters:
        - name: other
          cluster: {server: "https://10.9.9.9:6443", certificate-authority-data: %s}
        - name: main
          cluster: {server: "https://api.example:6443", certificate-authority-data: %s}
        contexts:
        - name: ctx
          context: {cluster: main}
        current-context: ctx
        """.formatted(CA_DATA, CA_DATA));
    assertThat(info.server()).hasToString("https://api.example:6443");
    assertThat(info.clusterName()).isEqualTo("main");
  }

  @Test
  void namesWhatIsMissingOrWrong() {
    assertThatThrownBy(() -> ClusterInfo.parse("kind: Config\n")).hasMessage("the kubeconfig has no clusters");
    assertThatThrownBy(() -> ClusterInfo.parse("clusters:\n- cluster: {server: 'http://x:1', "
        + "certificate-authority-data: " + CA_DATA + "}\n")).hasMessageContaining("is not an https:// URL");
    assertThatThrownBy(() -> ClusterInfo.parse("clusters:\n- cluster: {server: 'https://x:1'}\n"))
        .hasMessage("the kubeconfig's cluster has no certificate-authority-data");
    assertThatThrownBy(() -> ClusterInfo.parse("clusters:\n- cluster: {server: 'https://x:1', "
        + "certificate-authority-data: '!!'}\n")).hasMessage("certificate-authority-data is not base64");
  }
}
