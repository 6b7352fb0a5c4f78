package io.oneinfra.agent.tls;

import static org.assertj.core.api.Assertions.assertThatIOException;

import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.agent.pki.KeyType;
import io.oneinfra.proxy.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bug: verify()'s IOException is caught by readCrls' catch (IOException) and re-wrapped, so a readable CRL from the
 * wrong CA is reported as "access.crl: F: cannot read: access.crl: F: the CRL issuer ... is not one of the client CAs".
 */
class AccessPoliciesDoubleWrappedMessageTest {
  @TempDir
  Path tmp;

  private Path crlFile(Issued issuer) throws Exception {
    X509v2CRLBuilder builder = new X509v2CRLBuilder(
        X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded()), Date.from(Instant.now()));
    builder.setNextUpdate(Date.from(Instant.now().plusSeconds(3600)));
    X509CRL crl = new JcaX509CRLConverter().getCRL(builder.build(
        new JcaContentSignerBuilder(KeyType.EC_P256.signatureAlgorithm()).build(issuer.privateKey())));
    Path file = tmp.resolve("crl.pem");
    Files.writeString(file, Pem.encode("X509 CRL", crl.getEncoded()));
    return file;
  }

  @Test
  void aCrlFromAnotherCaIsNotReportedAsUnreadable() throws Exception {
    Issued clientCa = CertificateIssuer.certificate("client CA").certificateAuthority().issue();
    Issued otherCa = CertificateIssuer.certificate("other CA").certificateAuthority().issue();
    Path file = crlFile(otherCa);
    assertThatIOException()
        .isThrownBy(() -> AccessPolicies.load(new AgentConfig.Access(null, file), List.of(clientCa.certificate())))
        .withMessage("access.crl: " + file + ": the CRL issuer CN=other CA is not one of the client CAs");
  }
}
