package io.oneinfra.agent.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.oneinfra.agent.identity.HypervisorIdentity;
import io.oneinfra.agent.identity.PortRange;
import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.proxy.KeyMatch;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {
  private static Issued ca;
  private static Issued client;

  @BeforeAll
  static void issue() {
    ca = CertificateIssuer.certificate("manifest test CA").certificateAuthority().issue();
    client = CertificateIssuer.certificate("oneinfra-client").clientAuth().signedBy(ca).issue();
  }

  private static HypervisorManifest manifest(String name, String ip, boolean isPublic) throws Exception {
    return HypervisorManifest.of(
        new HypervisorIdentity(name, InetAddress.getByName(ip), isPublic, new PortRange(30000, 30100)), 7443,
        ca.certificatePem(), new HypervisorManifest.ClientCertificate(client.certificatePem(), client.privateKeyPem()));
  }

  private static HypervisorManifest manifest() throws Exception {
    return manifest("hv-1", "10.0.0.7", true);
  }

  private static byte[] pemBody(String pem) {
    String body = pem.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }

  @Test
  void writesTheApiVersion() throws Exception {
    assertThat(ManifestCodec.toYaml(manifest())).contains("apiVersion: infra.oneinfra.ereslibre.es/v1alpha1");
  }

  @Test
  void writesTheKind() throws Exception {
    assertThat(ManifestCodec.toYaml(manifest())).contains("kind: Hypervisor");
  }

  @Test
  void writesTheName() throws Exception {
    assertThat(ManifestCodec.toYaml(manifest())).containsPattern("(?m)^metadata:\\n  name: \"?hv-1\"?$");
  }

  @Test
  void writesTheCriEndpointAsIpColonPort() throws Exception {
    assertThat(ManifestCodec.toYaml(manifest())).containsPattern("criEndpointURI: \"?10\\.0\\.0\\.7:7443\"?\\n");
  }

  @Test
  void writesThePublicFlag() throws Exception {
    assertThat(ManifestCodec.toYaml(manifest())).contains("public: true");
  }

  @Test
  void writesAPrivateHypervisorAsPublicFalse() throws Exception {
    assertThat(ManifestCodec.toYaml(manifest("hv-1", "10.0.0.7", false))).contains("public: false");
  }

  @Test
  void writesTheIpAddress() throws Exception {
    assertThat(ManifestCodec.toYaml(manifest())).containsPattern("ipAddress: \"?10\\.0\\.0\\.7\"?\\n");
  }

  @Test
  void writesThePortRange() throws Exception {
    assertThat(ManifestCodec.toYaml(manifest())).contains("portRange:").contains("low: 30000")
        .contains("high: 30100");
  }

  @Test
  void writesNoStatus() throws Exception {
    assertThat(ManifestCodec.toYaml(manifest())).doesNotContain("status");
  }

  @Test
  void writesNoDocumentStartMarker() throws Exception {
    assertThat(ManifestCodec.toYaml(manifest())).doesNotStartWith("---");
  }

  @Test
  void writesPemsAsLiteralBlocks() throws Exception {
    assertThat(ManifestCodec.toYaml(manifest())).contains("caCertificate: |").contains("certificate: |")
        .contains("privateKey: |");
  }

  @Test
  void leavesOutTheClientCertificateWhenThereIsNone() throws Exception {
    HypervisorManifest withoutClient = HypervisorManifest.of(
        new HypervisorIdentity("hv-1", InetAddress.getByName("10.0.0.7"), true, new PortRange(30000, 30100)), 7443,
        ca.certificatePem(), null);
    String yaml = ManifestCodec.toYaml(withoutClient);
    assertThat(yaml).doesNotContain("clientCertificate").doesNotContain("privateKey");
    assertThat(ManifestCodec.parse(yaml)).isEqualTo(withoutClient);
  }

  @Test
  void parsesWhatItWrites() throws Exception {
    HypervisorManifest manifest = manifest();
    assertThat(ManifestCodec.parse(ManifestCodec.toYaml(manifest))).isEqualTo(manifest);
  }

  @Test
  void parsedPemsAreTheOriginalsByteForByte() throws Exception {
    HypervisorManifest parsed = ManifestCodec.parse(ManifestCodec.toYaml(manifest()));
    assertThat(parsed.spec().remoteCriEndpoint().caCertificate()).isEqualTo(ca.certificatePem());
    assertThat(parsed.spec().remoteCriEndpoint().clientCertificate().certificate())
        .isEqualTo(client.certificatePem());
    assertThat(parsed.spec().remoteCriEndpoint().clientCertificate().privateKey()).isEqualTo(client.privateKeyPem());
  }

  @Test
  void parsedPemsLoadWithTheJdk() throws Exception {
    HypervisorManifest.RemoteCriEndpoint endpoint =
        ManifestCodec.parse(ManifestCodec.toYaml(manifest())).spec().remoteCriEndpoint();
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    X509Certificate caCertificate = (X509Certificate) factory.generateCertificate(
        new ByteArrayInputStream(endpoint.caCertificate().getBytes(StandardCharsets.US_ASCII)));
    X509Certificate clientCertificate = (X509Certificate) factory.generateCertificate(
        new ByteArrayInputStream(endpoint.clientCertificate().certificate().getBytes(StandardCharsets.US_ASCII)));
    PrivateKey key = KeyFactory.getInstance(client.privateKey().getAlgorithm())
        .generatePrivate(new PKCS8EncodedKeySpec(pemBody(endpoint.clientCertificate().privateKey())));
    assertThat(caCertificate).isEqualTo(ca.certificate());
    assertThat(clientCertificate).isEqualTo(client.certificate());
    clientCertificate.verify(caCertificate.getPublicKey());
    assertThat(KeyMatch.matches(clientCertificate, key)).isTrue();
  }

  @Test
  void parsedPemsLoadWithBouncyCastle() throws Exception {
    HypervisorManifest.RemoteCriEndpoint endpoint =
        ManifestCodec.parse(ManifestCodec.toYaml(manifest())).spec().remoteCriEndpoint();
    X509Certificate caCertificate;
    X509Certificate clientCertificate;
    PrivateKey key;
    try (PEMParser parser = new PEMParser(new StringReader(endpoint.caCertificate()))) {
      caCertificate = new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) parser.readObject());
    }
    try (PEMParser parser = new PEMParser(new StringReader(endpoint.clientCertificate().certificate()))) {
      clientCertificate =
          new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) parser.readObject());
    }
    try (PEMParser parser = new PEMParser(new StringReader(endpoint.clientCertificate().privateKey()))) {
      key = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) parser.readObject());
    }
    assertThat(caCertificate).isEqualTo(ca.certificate());
    assertThat(clientCertificate).isEqualTo(client.certificate());
    assertThat(key.getEncoded()).isEqualTo(client.privateKey().getEncoded());
  }

  @Test
  void bracketsAnIpv6CriEndpoint() throws Exception {
    String yaml = ManifestCodec.toYaml(manifest("hv-6", "fd00::7", false));
    assertThat(ManifestCodec.parse(yaml).spec().remoteCriEndpoint().criEndpointUri())
        .isEqualTo("[fd00:0:0:0:0:0:0:7]:7443");
  }

  @Test
  void writesAnIpv6AddressWithoutBrackets() throws Exception {
    String yaml = ManifestCodec.toYaml(manifest("hv-6", "fd00::7", false));
    assertThat(ManifestCodec.parse(yaml).spec().ipAddress()).isEqualTo("fd00:0:0:0:0:0:0:7");
  }

  @Test
  void quotesTheBracketedIpv6EndpointSoYamlReadsAString() throws Exception {
    assertThat(ManifestCodec.toYaml(manifest("hv-6", "fd00::7", false)))
        .containsPattern("criEndpointURI: [\"']\\[fd00:0:0:0:0:0:0:7]:7443[\"']");
  }

  @Test
  void refusesAnotherKind() {
    String pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers: []\n";
    assertThatIllegalArgumentException().isThrownBy(() -> ManifestCodec.parse(pod))
        .withMessageStartingWith("manifest: not a infra.oneinfra.ereslibre.es/v1alpha1 Hypervisor");
  }

  @Test
  void refusesAHypervisorOfAnotherApiVersion() throws Exception {
    String yaml = ManifestCodec.toYaml(manifest()).replace("v1alpha1", "v1beta1");
    assertThatIllegalArgumentException().isThrownBy(() -> ManifestCodec.parse(yaml))
        .withMessageStartingWith("manifest: not a ");
  }

  @Test
  void refusesAnEmptyDocument() {
    assertThatIllegalArgumentException().isThrownBy(() -> ManifestCodec.parse(""))
        .withMessageStartingWith("manifest:");
  }

  @Test
  void refusesInvalidYaml() {
    assertThatIllegalArgumentException().isThrownBy(() -> ManifestCodec.parse("kind: [Hypervisor\n"))
        .withMessageStartingWith("manifest: not valid YAML:");
  }

  @Test
  void ignoresTheControllersStatusBlock() throws Exception {
    HypervisorManifest manifest = manifest();
    String withStatus = ManifestCodec.toYaml(manifest)
        + "status:\n  allocatedPorts:\n  - cluster: c1\n    port: 30000\n  files:\n    c1: {}\n";
    assertThat(ManifestCodec.parse(withStatus)).isEqualTo(manifest);
  }

  @Test
  void ignoresExtraMetadataFields() throws Exception {
    HypervisorManifest manifest = manifest();
    String yaml = ManifestCodec.toYaml(manifest).replace("metadata:\n",
        "metadata:\n  namespace: default\n  resourceVersion: \"42\"\n  labels:\n    a: b\n");
    assertThat(ManifestCodec.parse(yaml)).isEqualTo(manifest);
  }
}
