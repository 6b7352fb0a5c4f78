package io.oneinfra.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.agent.pki.KeyType;
import io.oneinfra.proxy.AccessPolicy;
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
 * Bug: with two client CAs of the same subject (a CA key rollover bundle), a CRL signed by the second is refused
 * with "bad signature" because verify() stops at the first CA whose name matches.
 */
class AccessPoliciesSameNameCaTest {
  @TempDir
  Path tmp;

  @Test
  void loadsACrlSignedByTheSecondOfTwoSameNamedClientCas() throws Exception {
    Issued oldCa = CertificateIssuer.certificate("client CA").certificateAuthority().issue();
    Issued newCa = CertificateIssuer.certificate("client CA").certificateAuthority().issue();
    X509v2CRLBuilder builder = new X509v2CRLBuilder(
        X500Name.getInstance(newCa.certificate().getSubjectX500Principal().getEncoded()), Date.from(Instant.now()));
    builder.setNextUpdate(Date.from(Instant.now().plusSeconds(3600)));
    X509CRL crl = new JcaX509CRLConverter().getCRL(builder.build(
        new JcaContentSignerBuilder(KeyType.EC_P256.signatureAlgorithm()).build(newCa.privateKey())));
    Path file = tmp.resolve("crl.pem");
    Files.writeString(file, Pem.encode("X509 CRL", crl.getEncoded()));
    // actual: IOException "access.crl: ...: the CRL of CN=client CA has a bad signature: ..."
    AccessPolicy policy = AccessPolicies.load(new AgentConfig.Access(null, file),
        List.of(oldCa.certificate(), newCa.certificate()));
    assertThat(policy.crls()).containsExactly(crl);
  }
}
