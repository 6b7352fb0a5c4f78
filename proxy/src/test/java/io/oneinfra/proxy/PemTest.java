package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
  private static final KeyPair EC = TestCerts.keyPair("EC");
  private static final X509Certificate FIRST = TestCerts.selfSigned("first", EC);
  private static final X509Certificate SECOND = TestCerts.selfSigned("second", EC);

  @TempDir
  Path dir;

  private static String pem(X509Certificate cert) {
    try {
      return Pem.encode("CERTIFICATE", cert.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  private Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.US_ASCII);
  }

  /** The first base64 line of a key's PEM, which no error message may repeat. */
  private static String firstBase64Line(String pem) {
    return pem.lines().skip(1).findFirst().orElseThrow();
  }

  @Test
  void readsCertificateChainInFileOrder() throws Exception {
    Path file = write("chain.pem", pem(FIRST) + pem(SECOND));

    assertThat(Pem.readCertificates(file)).containsExactly(FIRST, SECOND);
  }

  @Test
  void readsCertificatesAmongOtherBlocksAndText() throws Exception {
    String text = "subject=CN=first\n" + Pem.encode("PRIVATE KEY", EC.getPrivate().getEncoded()) + pem(FIRST)
        + "trailing comment\n";

    assertThat(Pem.parseCertificates("bundle", text)).containsExactly(FIRST);
  }

  @Test
  void readsCrlfLineEndings() throws Exception {
    assertThat(Pem.parseCertificates("crlf", pem(FIRST).replace("\n", "\r\n"))).containsExactly(FIRST);
  }

  @Test
  void readsPkcs8EcKey() throws Exception {
    Path file = write("ec.key", Pem.encode("PRIVATE KEY", EC.getPrivate().getEncoded()));

    PrivateKey key = Pem.readPrivateKey(file);

    assertThat(key.getAlgorithm()).isEqualTo("EC");
    assertThat(key.getEncoded()).isEqualTo(EC.getPrivate().getEncoded());
  }

  @Test
  void readsPkcs8RsaKey() throws Exception {
    KeyPair rsa = TestCerts.keyPair("RSA");
    Path file = write("rsa.key", Pem.encode("PRIVATE KEY", rsa.getPrivate().getEncoded()));

    PrivateKey key = Pem.readPrivateKey(file);

    assertThat(key.getAlgorithm()).isEqualTo("RSA");
    assertThat(key.getEncoded()).isEqualTo(rsa.getPrivate().getEncoded());
  }

  @Test
  void readsPkcs8Ed25519Key() throws Exception {
    KeyPair ed = TestCerts.keyPair("Ed25519");

    PrivateKey key = Pem.parsePrivateKey("ed", Pem.encode("PRIVATE KEY", ed.getPrivate().getEncoded()));

    assertThat(key.getAlgorithm()).isIn("Ed25519", "EdDSA");
    assertThat(key.getEncoded()).isEqualTo(ed.getPrivate().getEncoded());
  }

  @Test
  void readsKeyAfterCertificateInSameFile() throws Exception {
    String text = pem(FIRST) + Pem.encode("PRIVATE KEY", EC.getPrivate().getEncoded());

    assertThat(Pem.parsePrivateKey("combined", text).getEncoded()).isEqualTo(EC.getPrivate().getEncoded());
  }

  @Test
  void rejectsTextWithoutCertificateBlockNamingSource() throws Exception {
    Path file = write("key-only.pem", Pem.encode("PRIVATE KEY", EC.getPrivate().getEncoded()));

    assertThatIOException().isThrownBy(() -> Pem.readCertificates(file))
        .withMessage(file + ": no PEM 'CERTIFICATE' block found");
  }

  @Test
  void rejectsEmptyText() {
    assertThatIOException().isThrownBy(() -> Pem.parseCertificates("empty.pem", ""))
        .withMessage("empty.pem: no PEM 'CERTIFICATE' block found");
  }

  @Test
  void rejectsCertificateBlockThatIsNotDer() {
    String text = Pem.encode("CERTIFICATE", "this is not DER at all".getBytes(StandardCharsets.US_ASCII));

    assertThatIOException().isThrownBy(() -> Pem.parseCertificates("bad.crt", text))
        .withMessageStartingWith("bad.crt: not a valid X.509 certificate");
  }

  @Test
  void rejectsPkcs1RsaKeyWithConversionHint() throws Exception {
    String pem = Pem.encode("RSA PRIVATE KEY", TestCerts.keyPair("RSA").getPrivate().getEncoded());
    Path file = write("rsa1.key", pem);

    assertThatIOException().isThrownBy(() -> Pem.readPrivateKey(file))
        .withMessageStartingWith(file + ": 'RSA PRIVATE KEY'")
        .withMessageContaining("openssl pkcs8 -topk8 -nocrypt")
        .withMessageNotContaining(firstBase64Line(pem));
  }

  @Test
  void rejectsSec1EcKeyWithConversionHint() throws Exception {
    String pem = Pem.encode("EC PRIVATE KEY", EC.getPrivate().getEncoded());
    Path file = write("sec1.key", pem);

    assertThatIOException().isThrownBy(() -> Pem.readPrivateKey(file))
        .withMessageStartingWith(file + ": 'EC PRIVATE KEY'")
        .withMessageContaining("openssl pkcs8 -topk8 -nocrypt")
        .withMessageNotContaining(firstBase64Line(pem));
  }

  @Test
  void rejectsEncryptedKey() throws Exception {
    String pem = Pem.encode("ENCRYPTED PRIVATE KEY", EC.getPrivate().getEncoded());
    Path file = write("enc.key", pem);

    assertThatIOException().isThrownBy(() -> Pem.readPrivateKey(file))
        .withMessageStartingWith(file + ": the private key is encrypted")
        .withMessageNotContaining(firstBase64Line(pem));
  }

  @Test
  void rejectsCorruptPkcs8KeyWithoutEchoingIt() {
    byte[] junk = new byte[96];
    for (int i = 0; i < junk.length; i++) {
      junk[i] = (byte) (i * 37);
    }
    String pem = Pem.encode("PRIVATE KEY", junk);

    assertThatIOException().isThrownBy(() -> Pem.parsePrivateKey("junk.key", pem))
        .withMessage("junk.key: the PKCS#8 private key is neither EC, RSA nor Ed25519, or is corrupt")
        .satisfies(e -> assertThat(e.getCause()).isNull());
  }

  @Test
  void rejectsTextWithoutPrivateKey() {
    assertThatIOException().isThrownBy(() -> Pem.parsePrivateKey("cert.pem", pem(FIRST)))
        .withMessage("cert.pem: no PEM 'PRIVATE KEY' block found");
  }

  @Test
  void rejectsMissingFileNamingIt() {
    Path missing = dir.resolve("nope.pem");

    assertThatIOException().isThrownBy(() -> Pem.readCertificates(missing))
        .withMessageStartingWith(missing + ": cannot read");
  }

  @Test
  void rejectsMissingKeyFileNamingIt() {
    Path missing = dir.resolve("nope.key");

    assertThatIOException().isThrownBy(() -> Pem.readPrivateKey(missing))
        .withMessageStartingWith(missing + ": cannot read");
  }

  @Test
  void encodeWrapsBase64At64Characters() {
    String text = Pem.encode("CERTIFICATE", new byte[200]);
    List<String> lines = text.lines().toList();

    assertThat(lines.get(0)).isEqualTo("-----BEGIN CERTIFICATE-----");
    assertThat(lines.get(lines.size() - 1)).isEqualTo("-----END CERTIFICATE-----");
    assertThat(lines.subList(1, lines.size() - 1)).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(64))
        .first().satisfies(line -> assertThat(line).hasSize(64));
    assertThat(text).endsWith("\n");
  }

  @Test
  void encodeThenBlocksRoundTrips() throws Exception {
    byte[] one = {1, 2, 3, 4, 5};
    byte[] two = new byte[300];
    two[299] = 42;

    List<Pem.Block> blocks = Pem.blocks("test", Pem.encode("CERTIFICATE", one) + Pem.encode("X509 CRL", two));

    assertThat(blocks).hasSize(2);
    assertThat(blocks.get(0).label()).isEqualTo("CERTIFICATE");
    assertThat(blocks.get(0).der()).isEqualTo(one);
    assertThat(blocks.get(1).label()).isEqualTo("X509 CRL");
    assertThat(blocks.get(1).der()).isEqualTo(two);
  }

  @Test
  void blocksIgnoresMismatchedEndLabel() throws Exception {
    String text = "-----BEGIN CERTIFICATE-----\n" + Base64.getEncoder().encodeToString(new byte[] {1})
        + "\n-----END PRIVATE KEY-----\n";

    assertThat(Pem.blocks("test", text)).isEmpty();
  }
}
