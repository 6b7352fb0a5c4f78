package io.oneinfra.agent.registration.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.proxy.Pem;
import java.io.StringReader;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

class HypervisorCsrTest {
  private static final Issued CA = CertificateIssuer.certificate("cluster CA").certificateAuthority().issue();

  private static PKCS10CertificationRequest request(HypervisorCsr csr) throws Exception {
    return new PKCS10CertificationRequest(Pem.blocks("csr", csr.requestPem()).get(0).der());
  }

  private static KeyPair keys(HypervisorCsr csr) throws Exception {
    try (PEMParser pem = new PEMParser(new StringReader(csr.privateKeyPem()))) {
      return new JcaPEMKeyConverter().getKeyPair((PEMKeyPair) pem.readObject());
    }
  }

  private static String issue(String subject, java.security.PublicKey key, KeyPurposeId usage) throws Exception {
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(CA.certificate(), BigInteger.TEN,
        Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)), new X500Name(subject),
        key);
    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(usage));
    X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(CA.privateKey())));
    return Pem.encode("CERTIFICATE", certificate.getEncoded());
  }

  @Test
  void asksForTheHypervisorIdentityWithAKeyThatStaysInTheKubeconfig() throws Exception {
    HypervisorCsr csr = HypervisorCsr.generate("hv-1");
    PKCS10CertificationRequest request = request(csr);
    assertThat(request.getSubject()).hasToString("O=system:oneinfra:hypervisors,CN=system:oneinfra:hypervisor:hv-1");
    assertThat(csr.requestPem()).startsWith("-----BEGIN CERTIFICATE REQUEST-----").doesNotContain("PRIVATE KEY");
    assertThat(csr.privateKeyPem()).startsWith("-----BEGIN EC PRIVATE KEY-----");
    assertThat(request.getSubjectPublicKeyInfo().getEncoded()).isEqualTo(keys(csr).getPublic().getEncoded());
    assertThat(csr.objectName()).matches("hypervisor-hv-1-[0-9a-f]{10}");
    assertThat(HypervisorCsr.generate("hv-1").objectName()).as("a new key, a new name").isNotEqualTo(csr.objectName());
  }

  @Test
  void acceptsOnlyACertificateForItsKeyItsSubjectAndClientAuth() throws Exception {
    HypervisorCsr csr = HypervisorCsr.generate("hv-1");
    String subject = "O=system:oneinfra:hypervisors,CN=system:oneinfra:hypervisor:hv-1";
    assertThat(csr.checkIssued("c", issue(subject, keys(csr).getPublic(), KeyPurposeId.id_kp_clientAuth))
        .getPublicKey()).isEqualTo(keys(csr).getPublic());
    KeyPair other = keys(HypervisorCsr.generate("hv-1"));
    assertThatThrownBy(() -> csr.checkIssued("c", issue(subject, other.getPublic(), KeyPurposeId.id_kp_clientAuth)))
        .hasMessageContaining("certifies another public key");
    assertThatThrownBy(() -> csr.checkIssued("c", issue("O=system:masters,CN=admin", keys(csr).getPublic(),
        KeyPurposeId.id_kp_clientAuth))).hasMessageContaining("its subject is 'CN=admin,O=system:masters'");
    assertThatThrownBy(() -> csr.checkIssued("c", issue(subject, keys(csr).getPublic(),
        KeyPurposeId.id_kp_serverAuth))).hasMessageContaining("not valid for client authentication");
    assertThatThrownBy(() -> csr.checkIssued("c", "garbage")).isInstanceOf(JoinException.class)
        .hasMessageContaining("the certificate issued for CSR c is unusable");
  }
}
