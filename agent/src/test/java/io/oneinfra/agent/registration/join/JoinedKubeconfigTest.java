package io.oneinfra.agent.registration.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.Issued;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JoinedKubeconfigTest {
  private static final Issued CA = CertificateIssuer.certificate("cluster CA").certificateAuthority().issue();
  private static final Issued CLIENT = CertificateIssuer.certificate("system:oneinfra:hypervisor:hv-1").clientAuth()
      .signedBy(CA).issue();

  @TempDir
  Path dir;

  @Test
  void writesAPrivateFileInAPrivateDirectoryAndReadsItBack() throws Exception {
    JoinedKubeconfig written = new JoinedKubeconfig("https://10.0.0.1:6443", "kubernetes", CA.certificatePem(),
        CLIENT.certificatePem(), CLIENT.privateKeyPem());
    Path file = dir.resolve("state/kubeconfig");
    written.write(file);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
    assertThat(Files.readString(file)).contains("current-context: \"system:oneinfra:hypervisor:hv-1@kubernetes\"")
        .doesNotContain("BEGIN");
    assertThat(JoinedKubeconfig.read(file)).contains(written);
    assertThat(written.userName()).isEqualTo("system:oneinfra:hypervisor:hv-1");
    assertThat(written).hasToString("JoinedKubeconfig[https://10.0.0.1:6443]");
  }

  @Test
  void anOperatorsKubeconfigWithoutEmbeddedCredentialsIsNotOurs() throws Exception {
    Path file = Files.writeString(dir.resolve("kubeconfig"), """
        clusters:
        - name: c
          cluster: {server: "https://10.0.0.1:6443"}
        users:
        - name: u
          user: {token: abc}
        contexts:
        - name: x
          context: {cluster: c, user: u}
        current-context: x
        """);
    assertThat(JoinedKubeconfig.read(file)).isEmpty();
    assertThat(JoinedKubeconfig.read(dir.resolve("missing"))).isEmpty();
    assertThatThrownBy(() -> JoinedKubeconfig.read(Files.writeString(dir.resolve("bad"), "- [")))
        .hasMessageContaining("bad: not a kubeconfig");
  }
}
