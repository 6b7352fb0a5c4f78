package io.oneinfra.agent.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SignatureException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateIssuerTest {
  private static final Issued CA = CertificateIssuer.certificate("test CA").certificateAuthority().issue();
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final int DNS = 2;
  private static final int URI = 6;
  private static final int IP = 7;

  private static List<Object> san(int type, String value) {
    return List.of(type, value);
  }

  @Test
  void caHasBasicConstraintsCaTrue() {
    assertThat(CA.certificate().getBasicConstraints()).isNotNegative();
  }

  @Test
  void caMayOnlySignCertificatesAndCrls() {
    boolean[] usage = CA.certificate().getKeyUsage();

    assertThat(usage[5]).as("keyCertSign").isTrue();
    assertThat(usage[6]).as("cRLSign").isTrue();
    assertThat(CA.certificate().getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
  }

  @Test
  void leafIsNotACa() {
    Issued leaf = CertificateIssuer.certificate("leaf").signedBy(CA).issue();

    assertThat(leaf.certificate().getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.certificate().getKeyUsage()[5]).as("keyCertSign").isFalse();
  }

  @Test
  void caIsSelfSigned() {
    X509Certificate ca = CA.certificate();

    assertThat(ca.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
    assertThatCode(() -> ca.verify(ca.getPublicKey())).doesNotThrowAnyException();
  }

  @Test
  void leafSignedByCaVerifiesWithCaPublicKey() {
    X509Certificate leaf = CertificateIssuer.certificate("leaf").signedBy(CA).issue().certificate();

    assertThat(leaf.getIssuerX500Principal()).isEqualTo(CA.certificate().getSubjectX500Principal());
    assertThatCode(() -> leaf.verify(CA.certificate().getPublicKey())).doesNotThrowAnyException();
  }

  @Test
  void leafDoesNotVerifyWithAnotherKey() {
    Issued other = CertificateIssuer.certificate("other CA").certificateAuthority().issue();
    X509Certificate leaf = CertificateIssuer.certificate("leaf").signedBy(CA).issue().certificate();

    assertThatThrownBy(() -> leaf.verify(other.certificate().getPublicKey())).isInstanceOf(SignatureException.class);
  }

  @Test
  void leafKeyIsItsOwnNotTheCas() {
    Issued leaf = CertificateIssuer.certificate("leaf").signedBy(CA).issue();

    assertThat(leaf.certificate().getPublicKey()).isEqualTo(leaf.keyPair().getPublic())
        .isNotEqualTo(CA.keyPair().getPublic());
  }

  @Test
  void defaultKeyIsEcP256() {
    Issued leaf = CertificateIssuer.certificate("leaf").issue();

    assertThat(leaf.certificate().getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(leaf.certificate().getSigAlgName()).isEqualTo("SHA256withECDSA");
  }

  @Test
  void rsaKeyTypeProducesRsaKeyAndSignature() {
    Issued rsa = CertificateIssuer.certificate("rsa").keyType(KeyType.RSA_2048).certificateAuthority().issue();

    assertThat(rsa.certificate().getPublicKey().getAlgorithm()).isEqualTo("RSA");
    assertThat(rsa.certificate().getSigAlgName()).isEqualTo("SHA256withRSA");
    assertThatCode(() -> rsa.certificate().verify(rsa.certificate().getPublicKey())).doesNotThrowAnyException();
  }

  @Test
  void rsaCaSignsEcLeafWithRsa() {
    Issued rsaCa = CertificateIssuer.certificate("rsa CA").keyType(KeyType.RSA_2048).certificateAuthority().issue();

    X509Certificate leaf = CertificateIssuer.certificate("leaf").signedBy(rsaCa).issue().certificate();

    assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(leaf.getSigAlgName()).isEqualTo("SHA256withRSA");
    assertThatCode(() -> leaf.verify(rsaCa.certificate().getPublicKey())).doesNotThrowAnyException();
  }

  @Test
  void validityWindowIsHonoured() {
    Instant from = Instant.parse("2030-01-02T03:04:05Z");
    Instant until = Instant.parse("2031-06-07T08:09:10Z");

    X509Certificate cert = CertificateIssuer.certificate("x").validity(from, until).issue().certificate();

    assertThat(cert.getNotBefore().toInstant()).isEqualTo(from);
    assertThat(cert.getNotAfter().toInstant()).isEqualTo(until);
  }

  @Test
  void defaultValidityStartsAnHourAgoAndLastsTwoDays() {
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    X509Certificate cert = CertificateIssuer.certificate("x").issue().certificate();

    Instant notBefore = cert.getNotBefore().toInstant();
    assertThat(notBefore).isBetween(before.minus(Duration.ofMinutes(61)), before.minus(Duration.ofMinutes(59)));
    assertThat(Duration.between(notBefore, cert.getNotAfter().toInstant())).isEqualTo(Duration.ofDays(2));
  }

  @Test
  void ipLiteralsBecomeIpSansAndNamesBecomeDnsSans() throws Exception {
    X509Certificate cert = CertificateIssuer.certificate("x").subjectAltName("10.1.2.3").subjectAltName("::1")
        .subjectAltName("example.com").subjectAltName("123.example").subjectAltName("localhost").issue()
        .certificate();

    Collection<List<?>> sans = cert.getSubjectAlternativeNames();

    assertThat(sans).containsExactly(san(IP, "10.1.2.3"), san(IP, "0:0:0:0:0:0:0:1"),
        san(DNS, "example.com"), san(DNS, "123.example"), san(DNS, "localhost"));
  }

  @Test
  void uriSanIsTypedAsUri() throws Exception {
    X509Certificate cert = CertificateIssuer.certificate("x").uriSubjectAltName("spiffe://oneinfra/agent").issue()
        .certificate();

    assertThat(cert.getSubjectAlternativeNames()).containsExactly(san(URI, "spiffe://oneinfra/agent"));
  }

  @Test
  void noSanExtensionWithoutNames() throws Exception {
    assertThat(CertificateIssuer.certificate("x").issue().certificate().getSubjectAlternativeNames()).isNull();
  }

  @Test
  void serverAuthSetsServerAuthEku() throws Exception {
    assertThat(CertificateIssuer.certificate("s").serverAuth().issue().certificate().getExtendedKeyUsage())
        .containsExactly(SERVER_AUTH);
  }

  @Test
  void clientAuthSetsClientAuthEku() throws Exception {
    assertThat(CertificateIssuer.certificate("c").clientAuth().issue().certificate().getExtendedKeyUsage())
        .containsExactly(CLIENT_AUTH);
  }

  @Test
  void subjectCarriesOrganizationalUnitsAndCommonName() {
    X509Certificate cert = CertificateIssuer.certificate("node-1").organizationalUnit("workers").issue()
        .certificate();

    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=node-1,OU=workers");
  }

  @Test
  void serialNumbersArePositiveAndDistinct() {
    X509Certificate a = CertificateIssuer.certificate("a").issue().certificate();
    X509Certificate b = CertificateIssuer.certificate("a").issue().certificate();

    assertThat(a.getSerialNumber().signum()).isPositive();
    assertThat(a.getSerialNumber()).isNotEqualTo(b.getSerialNumber());
  }
}
