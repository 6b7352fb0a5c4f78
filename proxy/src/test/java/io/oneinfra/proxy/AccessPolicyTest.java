package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
  private static final String LEAF_SUBJECT = "CN=client-1,OU=controllers,O=oneinfra";

  private static KeyPair caKeys;
  private static X509Certificate ca;
  private static KeyPair otherCaKeys;
  private static X509Certificate otherCa;
  private static X509Certificate leaf;

  @BeforeAll
  static void issue() throws Exception {
    caKeys = TestCerts.keyPair("EC");
    ca = TestCerts.selfSigned("policy test CA", caKeys);
    otherCaKeys = TestCerts.keyPair("EC");
    otherCa = TestCerts.selfSigned("policy test other CA", otherCaKeys);
    leaf = issueLeaf(BigInteger.valueOf(0x1234abcdL));
  }

  private static X509Certificate issueLeaf(BigInteger serial)
      throws GeneralSecurityException, CertIOException, OperatorCreationException {
    KeyPair keys = TestCerts.keyPair("EC");
    Instant now = Instant.now();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
        X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()), serial, Date.from(now.minusSeconds(60)),
        Date.from(now.plusSeconds(3600)), new X500Name(LEAF_SUBJECT), keys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.dNSName, "Controller.Example"),
        new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://example/controller"),
        new GeneralName(GeneralName.iPAddress, "10.0.0.9")}));
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
  }

  private static X509CRL crl(X509Certificate issuer, KeyPair issuerKeys, BigInteger... revoked) throws Exception {
    Instant now = Instant.now();
    X509v2CRLBuilder builder = new X509v2CRLBuilder(
        X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()), Date.from(now.minusSeconds(60)));
    builder.setNextUpdate(Date.from(now.plusSeconds(3600)));
    for (BigInteger serial : revoked) {
      builder.addCRLEntry(serial, Date.from(now.minusSeconds(30)), CRLReason.keyCompromise);
    }
    return new JcaX509CRLConverter().getCRL(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
  }

  private static AccessPolicy policy(Set<String> cns, Set<String> ous, Set<String> dns, Set<String> uris,
      Set<String> pins) {
    return new AccessPolicy(cns, ous, dns, uris, pins, List.of());
  }

  private static AccessPolicy revoking(X509CRL crl) {
    return new AccessPolicy(Set.of(), Set.of(), Set.of(), Set.of(), Set.of(), List.of(crl));
  }

  @Test
  void allowsAnyWhenEveryListIsEmpty() {
    assertThat(policy(Set.of(), Set.of(), Set.of(), Set.of(), Set.of()).allowsAny()).isTrue();
  }

  @Test
  void allowAnyAdmitsAnyCertificate() {
    assertThat(AccessPolicy.ALLOW_ANY.allowsAny()).isTrue();
    assertThat(AccessPolicy.ALLOW_ANY.refusal(leaf)).isEmpty();
  }

  @Test
  void doesNotAllowAnyWhenOneListIsSet() {
    assertThat(policy(Set.of(), Set.of(), Set.of(), Set.of(), Set.of("00")).allowsAny()).isFalse();
  }

  @Test
  void admitsAMatchingCommonName() {
    assertThat(policy(Set.of("client-1"), Set.of(), Set.of(), Set.of(), Set.of()).refusal(leaf)).isEmpty();
  }

  @Test
  void commonNameMatchIsExact() {
    assertThat(policy(Set.of("Client-1"), Set.of(), Set.of(), Set.of(), Set.of()).refusal(leaf)).isPresent();
  }

  @Test
  void admitsAMatchingOrganizationalUnit() {
    assertThat(policy(Set.of(), Set.of("controllers"), Set.of(), Set.of(), Set.of()).refusal(leaf)).isEmpty();
  }

  @Test
  void doesNotTakeTheOrganizationForAnOrganizationalUnit() {
    assertThat(policy(Set.of(), Set.of("oneinfra"), Set.of(), Set.of(), Set.of()).refusal(leaf)).isPresent();
  }

  @Test
  void admitsAMatchingDnsNameIgnoringCase() {
    assertThat(policy(Set.of(), Set.of(), Set.of("CONTROLLER.example"), Set.of(), Set.of()).refusal(leaf))
        .isEmpty();
  }

  @Test
  void doesNotTakeAnIpSanForADnsName() {
    assertThat(policy(Set.of(), Set.of(), Set.of("10.0.0.9"), Set.of(), Set.of()).refusal(leaf)).isPresent();
  }

  @Test
  void admitsAMatchingUri() {
    assertThat(policy(Set.of(), Set.of(), Set.of(), Set.of("spiffe://example/controller"), Set.of()).refusal(leaf))
        .isEmpty();
  }

  @Test
  void spkiPinIsLowerCaseHexSha256() {
    assertThat(AccessPolicy.spkiPin(leaf)).matches("[0-9a-f]{64}");
  }

  @Test
  void admitsAMatchingSpkiPin() {
    assertThat(policy(Set.of(), Set.of(), Set.of(), Set.of(), Set.of(AccessPolicy.spkiPin(leaf))).refusal(leaf))
        .isEmpty();
  }

  @Test
  void admitsAMatchingSpkiPinWrittenUpperCaseWithColons() {
    byte[] digest = HexFormat.of().parseHex(AccessPolicy.spkiPin(leaf));
    String colons = HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    assertThat(policy(Set.of(), Set.of(), Set.of(), Set.of(), Set.of(colons)).refusal(leaf)).isEmpty();
  }

  @Test
  void storesSpkiPinsNormalised() {
    AccessPolicy policy = policy(Set.of(), Set.of(), Set.of(), Set.of(), Set.of("AB:CD:EF"));
    assertThat(policy.spkiSha256()).containsExactly("abcdef");
  }

  @Test
  void refusesACertificateThatMatchesNothingNamingTheSubject() {
    AccessPolicy policy = policy(Set.of("someone-else"), Set.of("ops"), Set.of("other.example"),
        Set.of("spiffe://example/other"), Set.of("00".repeat(32)));
    assertThat(policy.refusal(leaf)).hasValueSatisfying(refusal -> assertThat(refusal)
        .contains("denied by the access policy").contains(leaf.getSubjectX500Principal().getName())
        .contains("CN=client-1"));
  }

  @Test
  void refusesARevokedSerial() throws Exception {
    AccessPolicy policy = revoking(crl(ca, caKeys, leaf.getSerialNumber()));
    assertThat(policy.refusal(leaf)).hasValueSatisfying(refusal -> assertThat(refusal)
        .startsWith("revoked: serial " + leaf.getSerialNumber().toString(16).toLowerCase(Locale.ROOT))
        .contains(ca.getSubjectX500Principal().getName()));
  }

  @Test
  void revocationWinsOverAnAllowListMatch() throws Exception {
    AccessPolicy policy = new AccessPolicy(Set.of("client-1"), Set.of(), Set.of(), Set.of(), Set.of(),
        List.of(crl(ca, caKeys, leaf.getSerialNumber())));
    assertThat(policy.refusal(leaf)).hasValueSatisfying(refusal -> assertThat(refusal).startsWith("revoked:"));
  }

  @Test
  void admitsACertificateWhoseSerialIsNotListed() throws Exception {
    AccessPolicy policy = revoking(crl(ca, caKeys, leaf.getSerialNumber().add(BigInteger.ONE)));
    assertThat(policy.refusal(leaf)).isEmpty();
  }

  @Test
  void aCrlFromAnotherIssuerDoesNotRevoke() throws Exception {
    AccessPolicy policy = revoking(crl(otherCa, otherCaKeys, leaf.getSerialNumber()));
    assertThat(policy.refusal(leaf)).isEmpty();
  }
}
