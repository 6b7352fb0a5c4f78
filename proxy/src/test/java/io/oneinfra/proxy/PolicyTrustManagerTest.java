package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The client-chain check with its memory of chains that passed: what is remembered, and what never is. */
class PolicyTrustManagerTest {
  private static final String AUTH = "ECDHE_ECDSA";

  private static KeyPair caKeys;
  private static X509Certificate ca;
  private static KeyPair otherCaKeys;
  private static X509Certificate otherCa;

  @BeforeAll
  static void issueCas() {
    caKeys = TestCerts.keyPair("EC");
    ca = TestCerts.selfSigned("trust test CA", caKeys, true);
    otherCaKeys = TestCerts.keyPair("EC");
    otherCa = TestCerts.selfSigned("trust test CA", otherCaKeys, true); // same name, other key
  }

  private static X509Certificate leaf(String cn) {
    Instant now = Instant.now();
    return TestCerts.leaf(ca, caKeys, "CN=" + cn, now.minusSeconds(60), now.plusSeconds(3600));
  }

  private static PolicyTrustManager trusting(AccessPolicy policy) throws Exception {
    return new PolicyTrustManager(List.of(ca), policy);
  }

  @Test
  void aChainThatPassedIsRememberedAndPassesAgain() throws Exception {
    PolicyTrustManager manager = trusting(AccessPolicy.ALLOW_ANY);
    X509Certificate[] chain = {leaf("controller")};
    manager.checkClientTrusted(chain, AUTH);
    manager.checkClientTrusted(chain, AUTH);
    manager.checkClientTrusted(new X509Certificate[] {chain[0]}, AUTH);
    assertThat(manager.rememberedChains()).isEqualTo(1);
    manager.checkClientTrusted(new X509Certificate[] {leaf("controller-2")}, AUTH);
    assertThat(manager.rememberedChains()).isEqualTo(2);
  }

  @Test
  void aRefusedChainIsNeverRememberedAndIsRefusedEveryTime() throws Exception {
    PolicyTrustManager manager = trusting(AccessPolicy.ALLOW_ANY);
    Instant now = Instant.now();
    X509Certificate forged = TestCerts.leaf(otherCa, otherCaKeys, "CN=controller", now.minusSeconds(60),
        now.plusSeconds(3600));
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> manager.checkClientTrusted(new X509Certificate[] {forged}, AUTH))
          .isInstanceOf(CertificateException.class);
      assertThatThrownBy(() -> manager.checkClientTrusted(new X509Certificate[] {ca}, AUTH))
          .isInstanceOf(CertificateException.class).hasMessageContaining("is a CA certificate");
    }
    assertThat(manager.rememberedChains()).isZero();
  }

  @Test
  void aPassedChainDoesNotVouchForAnotherWithTheSameNames() throws Exception {
    PolicyTrustManager manager = trusting(AccessPolicy.ALLOW_ANY);
    manager.checkClientTrusted(new X509Certificate[] {leaf("controller")}, AUTH);
    Instant now = Instant.now();
    X509Certificate sameNameOtherSigner = TestCerts.leaf(otherCa, otherCaKeys, "CN=controller", now.minusSeconds(60),
        now.plusSeconds(3600));
    assertThatThrownBy(() -> manager.checkClientTrusted(new X509Certificate[] {sameNameOtherSigner}, AUTH))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void theAccessPolicyStillRefusesOnEveryHandshake() throws Exception {
    X509Certificate revoked = leaf("revoked");
    Instant now = Instant.now();
    X509v2CRLBuilder builder = new X509v2CRLBuilder(X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
        Date.from(now.minusSeconds(60)));
    builder.addCRLEntry(revoked.getSerialNumber(), Date.from(now.minusSeconds(30)), CRLReason.keyCompromise);
    X509CRL crl = new JcaX509CRLConverter().getCRL(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
    PolicyTrustManager manager = trusting(new AccessPolicy(Set.of("allowed"), Set.of(), Set.of(), Set.of(), Set.of(),
        List.of(crl)));
    X509Certificate notListed = leaf("someone-else");
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> manager.checkClientTrusted(new X509Certificate[] {revoked}, AUTH))
          .hasMessageContaining("revoked");
      assertThatThrownBy(() -> manager.checkClientTrusted(new X509Certificate[] {notListed}, AUTH))
          .hasMessageContaining("denied by the access policy");
    }
    manager.checkClientTrusted(new X509Certificate[] {leaf("allowed")}, AUTH);
    assertThat(manager.rememberedChains()).isEqualTo(1);
  }

  @Test
  void aRememberedChainPassesOnlyWithinTheValidityOfEveryCertificate() {
    Instant now = Instant.now();
    X509Certificate client = TestCerts.leaf(ca, caKeys, "CN=short", now.minusSeconds(10), now.plusSeconds(20));
    X509Certificate[] chain = {client, ca};
    VerifiedChains chains = new VerifiedChains(8);
    VerifiedChains.Key key = VerifiedChains.key(chain, AUTH);
    assertThat(chains.passed(key, now.toEpochMilli())).isFalse();
    chains.remember(key, chain);
    assertThat(chains.passed(key, now.toEpochMilli())).isTrue();
    assertThat(chains.passed(VerifiedChains.key(chain, AUTH), now.toEpochMilli())).as("an equal key").isTrue();
    assertThat(chains.passed(VerifiedChains.key(chain, "RSA"), now.toEpochMilli())).as("another auth type")
        .isFalse();
    assertThat(chains.passed(key, client.getNotAfter().getTime() + 1)).as("after the leaf expired").isFalse();
    assertThat(chains.passed(key, client.getNotBefore().getTime() - 1)).as("before the leaf is valid").isFalse();
  }

  @Test
  void theMemoryIsBoundedLeastRecentlyUsedFirst() {
    VerifiedChains chains = new VerifiedChains(2);
    long now = Instant.now().toEpochMilli();
    VerifiedChains.Key[] keys = new VerifiedChains.Key[3];
    for (int i = 0; i < keys.length; i++) {
      X509Certificate[] chain = {leaf("client-" + i)};
      keys[i] = VerifiedChains.key(chain, AUTH);
      chains.remember(keys[i], chain);
      if (i == 1) {
        assertThat(chains.passed(keys[0], now)).isTrue(); // 0 is now the most recently used
      }
    }
    assertThat(chains.size()).isEqualTo(2);
    assertThat(chains.passed(keys[0], now)).isTrue();
    assertThat(chains.passed(keys[1], now)).as("least recently used, dropped").isFalse();
    assertThat(chains.passed(keys[2], now)).isTrue();
  }

  @Test
  void anEmptyChainIsRefusedWithAReason() throws Exception {
    PolicyTrustManager manager = trusting(AccessPolicy.ALLOW_ANY);
    assertThatThrownBy(() -> manager.checkClientTrusted(new X509Certificate[0], AUTH))
        .hasMessageContaining("no client certificate");
  }
}
