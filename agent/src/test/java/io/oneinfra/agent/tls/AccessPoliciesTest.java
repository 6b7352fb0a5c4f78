package io.oneinfra.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

import io.oneinfra.agent.config.AgentConfig;
import io.oneinfra.agent.pki.CertificateIssuer;
import io.oneinfra.agent.pki.Issued;
import io.oneinfra.agent.pki.KeyType;
import io.oneinfra.proxy.AccessPolicy;
import io.oneinfra.proxy.Pem;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessPoliciesTest {
  private static Issued clientCa;
  private static Issued otherCa;
  private static Issued impostorCa; // same subject as clientCa, different key
  private static Issued client;

  @TempDir
  Path tmp;

  @BeforeAll
  static void issue() {
    clientCa = CertificateIssuer.certificate("access test client CA").certificateAuthority().issue();
    otherCa = CertificateIssuer.certificate("access test other CA").certificateAuthority().issue();
    impostorCa = CertificateIssuer.certificate("access test client CA").certificateAuthority().issue();
    client = CertificateIssuer.certificate("oneinfra-client").clientAuth().signedBy(clientCa).issue();
  }

  private static X509CRL crl(X509Certificate issuer, PrivateKey signingKey, Instant nextUpdate,
      BigInteger... revoked) throws Exception {
    Instant now = Instant.now();
    X509v2CRLBuilder builder = new X509v2CRLBuilder(
        X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()), Date.from(now.minusSeconds(60)));
    builder.setNextUpdate(Date.from(nextUpdate));
    for (BigInteger serial : revoked) {
      builder.addCRLEntry(serial, Date.from(now.minusSeconds(30)), CRLReason.keyCompromise);
    }
    return new JcaX509CRLConverter().getCRL(builder.build(
        new JcaContentSignerBuilder(KeyType.of(signingKey).signatureAlgorithm()).build(signingKey)));
  }

  private static X509CRL crl(Issued issuer, BigInteger... revoked) throws Exception {
    return crl(issuer.certificate(), issuer.privateKey(), Instant.now().plus(Duration.ofDays(7)), revoked);
  }

  private Path crlFile(X509CRL... crls) throws Exception {
    StringBuilder pem = new StringBuilder();
    for (X509CRL crl : crls) {
      pem.append(Pem.encode("X509 CRL", crl.getEncoded()));
    }
    Path file = tmp.resolve("crl.pem");
    Files.writeString(file, pem);
    return file;
  }

  private static AgentConfig.Access access(Path crl) {
    return new AgentConfig.Access(null, crl);
  }

  @Test
  void loadsACrlSignedByTheClientCa() throws Exception {
    X509CRL crl = crl(clientCa, BigInteger.valueOf(7));
    AccessPolicy policy = AccessPolicies.load(access(crlFile(crl)), List.of(clientCa.certificate()));
    assertThat(policy.crls()).containsExactly(crl);
  }

  @Test
  void theLoadedCrlRevokesTheListedClient() throws Exception {
    Path file = crlFile(crl(clientCa, client.certificate().getSerialNumber()));
    AccessPolicy policy = AccessPolicies.load(access(file), List.of(clientCa.certificate()));
    assertThat(policy.refusal(client.certificate())).hasValueSatisfying(r -> assertThat(r).startsWith("revoked:"));
  }

  @Test
  void loadsOneCrlPerClientCaFromOneFile() throws Exception {
    X509CRL first = crl(clientCa, BigInteger.ONE);
    X509CRL second = crl(otherCa, BigInteger.TWO);
    AccessPolicy policy = AccessPolicies.load(access(crlFile(first, second)),
        List.of(clientCa.certificate(), otherCa.certificate()));
    assertThat(policy.crls()).containsExactly(first, second);
  }

  @Test
  void loadsACrlPastItsNextUpdate() throws Exception {
    X509CRL stale = crl(clientCa.certificate(), clientCa.privateKey(), Instant.now().minusSeconds(10),
        BigInteger.ONE);
    AccessPolicy policy = AccessPolicies.load(access(crlFile(stale)), List.of(clientCa.certificate()));
    assertThat(policy.crls()).containsExactly(stale);
  }

  @Test
  void refusesACrlFromAnotherCaNamingTheKeyAndTheFile() throws Exception {
    Path file = crlFile(crl(otherCa, BigInteger.ONE));
    assertThatIOException()
        .isThrownBy(() -> AccessPolicies.load(access(file), List.of(clientCa.certificate())))
        .withMessageStartingWith("access.crl: " + file).withMessageContaining("not one of the client CAs");
  }

  @Test
  void refusesAFileWhereOnlyOneOfTheCrlsIsFromAClientCa() throws Exception {
    Path file = crlFile(crl(clientCa, BigInteger.ONE), crl(otherCa, BigInteger.TWO));
    assertThatIOException()
        .isThrownBy(() -> AccessPolicies.load(access(file), List.of(clientCa.certificate())))
        .withMessageContaining("not one of the client CAs");
  }

  @Test
  void refusesACrlNamingTheClientCaButSignedByAnotherKey() throws Exception {
    assertThat(impostorCa.certificate().getSubjectX500Principal())
        .isEqualTo(clientCa.certificate().getSubjectX500Principal());
    Path file = crlFile(crl(impostorCa, BigInteger.ONE));
    assertThatIOException()
        .isThrownBy(() -> AccessPolicies.load(access(file), List.of(clientCa.certificate())))
        .withMessageStartingWith("access.crl: " + file).withMessageContaining("bad signature");
  }

  @Test
  void refusesAFileWithNoCrl() throws Exception {
    Path file = tmp.resolve("empty.pem");
    Files.writeString(file, "");
    assertThatIOException()
        .isThrownBy(() -> AccessPolicies.load(access(file), List.of(clientCa.certificate())))
        .withMessage("access.crl: " + file + ": holds no CRL");
  }

  @Test
  void refusesAMissingFileSayingItCannotBeRead() {
    Path file = tmp.resolve("missing.pem");
    assertThatIOException()
        .isThrownBy(() -> AccessPolicies.load(access(file), List.of(clientCa.certificate())))
        .withMessageStartingWith("access.crl: " + file).withMessageContaining("cannot read");
  }

  @Test
  void refusesACorruptCrlNamingTheFile() throws Exception {
    Path file = tmp.resolve("corrupt.pem");
    Files.writeString(file, Pem.encode("X509 CRL", new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}));
    assertThatIOException()
        .isThrownBy(() -> AccessPolicies.load(access(file), List.of(clientCa.certificate())))
        .withMessageStartingWith("access.crl: " + file);
  }

  @Test
  void withoutACrlFileThePolicyHasNoCrls() throws Exception {
    AccessPolicy policy = AccessPolicies.load(access(null), List.of(clientCa.certificate()));
    assertThat(policy.crls()).isEmpty();
  }

  @Test
  void withoutAllowListsThePolicyAllowsAny() throws Exception {
    AccessPolicy policy = AccessPolicies.load(access(null), List.of(clientCa.certificate()));
    assertThat(policy.allowsAny()).isTrue();
  }

  @Test
  void copiesTheAllowLists() throws Exception {
    AgentConfig.Allow allow = new AgentConfig.Allow(List.of("oneinfra-client"), List.of("controllers"),
        List.of("controller.example"), List.of("spiffe://example/controller"), List.of("ab01"));
    AccessPolicy policy = AccessPolicies.load(new AgentConfig.Access(allow, null), List.of(clientCa.certificate()));
    assertThat(policy.commonNames()).containsExactly("oneinfra-client");
    assertThat(policy.organizationalUnits()).containsExactly("controllers");
    assertThat(policy.dnsNames()).containsExactly("controller.example");
    assertThat(policy.uris()).containsExactly("spiffe://example/controller");
    assertThat(policy.spkiSha256()).containsExactly("ab01");
    assertThat(policy.allowsAny()).isFalse();
  }
}
