package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsMaterialTest {
  private static final KeyPair KEYS = TestCerts.keyPair("EC");
  private static final X509Certificate SERVER = TestCerts.selfSigned("server", KEYS);
  private static final X509Certificate CLIENT_CA = TestCerts.selfSigned("client CA", TestCerts.keyPair("EC"));

  @TempDir
  Path dir;

  @Test
  void loadsPemFiles() throws Exception {
    Path cert = Files.writeString(dir.resolve("server.crt"), Pem.encode("CERTIFICATE", SERVER.getEncoded()));
    Path key = Files.writeString(dir.resolve("server.key"), Pem.encode("PRIVATE KEY", KEYS.getPrivate().getEncoded()));
    Path cas = Files.writeString(dir.resolve("ca.crt"), Pem.encode("CERTIFICATE", CLIENT_CA.getEncoded()));

    TlsMaterial material = TlsMaterial.load(cert, key, cas);

    assertThat(material.serverCertificate()).isEqualTo(SERVER);
    assertThat(material.privateKey().getEncoded()).isEqualTo(KEYS.getPrivate().getEncoded());
    assertThat(material.clientCas()).containsExactly(CLIENT_CA);
  }

  @Test
  void rejectsEmptyChain() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new TlsMaterial(List.of(), KEYS.getPrivate(), List.of(CLIENT_CA)))
        .withMessageContaining("chain is empty");
  }

  @Test
  void rejectsNoClientCa() {
    assertThatIllegalArgumentException().isThrownBy(() -> new TlsMaterial(List.of(SERVER), KEYS.getPrivate(),
        List.of())).withMessageContaining("no client CA certificate");
  }

  @Test
  void copiesListsDefensively() {
    List<X509Certificate> chain = new ArrayList<>(List.of(SERVER));
    TlsMaterial material = new TlsMaterial(chain, KEYS.getPrivate(), List.of(CLIENT_CA));

    chain.clear();

    assertThat(material.certificateChain()).containsExactly(SERVER);
  }

  @Test
  void toStringNamesServerButNotKey() {
    String text = new TlsMaterial(List.of(SERVER), KEYS.getPrivate(), List.of(CLIENT_CA)).toString();

    assertThat(text).contains("CN=server").contains("clientCas=1")
        .doesNotContain(Base64.getEncoder().encodeToString(KEYS.getPrivate().getEncoded()).substring(0, 40))
        .doesNotContainIgnoringCase("private");
  }
}
