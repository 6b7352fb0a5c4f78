package io.oneinfra.proxy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads PEM certificates and PKCS#8 private keys, with errors that name the file and never echo key bytes. */
public final class Pem {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

  private Pem() {}

  /** A decoded PEM block: its label and DER bytes. */
  public record Block(String label, byte[] der) {}

  /**
   * Every block in {@code text}, in order; {@code source} names it in errors.
   *
   * @throws IOException when a block's body is not valid base64
   */
  public static List<Block> blocks(String source, String text) throws IOException {
    List<Block> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      try {
        blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
      } catch (IllegalArgumentException e) {
        throw new IOException(source + ": the '" + m.group(1) + "' PEM block is not valid base64", e);
      }
    }
    return blocks;
  }

  /** All certificates in a PEM file; fails when it has none. */
  public static List<X509Certificate> readCertificates(Path file) throws IOException {
    return parseCertificates(file.toString(), read(file));
  }

  /** All certificates in PEM text; {@code source} names it in errors. */
  public static List<X509Certificate> parseCertificates(String source, String text) throws IOException {
    List<X509Certificate> certs = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Block block : blocks(source, text)) {
        if (block.label().equals("CERTIFICATE")) {
          certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
        }
      }
    } catch (CertificateException e) {
      throw new IOException(source + ": not a valid X.509 certificate: " + e.getMessage(), e);
    }
    if (certs.isEmpty()) {
      throw new IOException(source + ": no PEM 'CERTIFICATE' block found");
    }
    return List.copyOf(certs);
  }

  /** The one PKCS#8 private key in a PEM file (EC or RSA). */
  public static PrivateKey readPrivateKey(Path file) throws IOException {
    return parsePrivateKey(file.toString(), read(file));
  }

  /** The one PKCS#8 private key in PEM text; {@code source} names it in errors. */
  public static PrivateKey parsePrivateKey(String source, String text) throws IOException {
    for (Block block : blocks(source, text)) {
      switch (block.label()) {
        case "PRIVATE KEY" -> {
          return decodePkcs8(source, block.der());
        }
        case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new IOException(source + ": '" + block.label()
            + "' (PKCS#1/SEC1) is not supported; convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        case "ENCRYPTED PRIVATE KEY" -> throw new IOException(source + ": the private key is encrypted; "
            + "supply it unencrypted, readable only by the agent (mode 0600)");
        default -> {
          // other blocks (certificates, parameters) may share the file
        }
      }
    }
    throw new IOException(source + ": no PEM 'PRIVATE KEY' block found");
  }

  private static PrivateKey decodePkcs8(String source, byte[] der) throws IOException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // try the next algorithm; the spec does not say which one it is
      }
    }
    throw new IOException(source + ": the PKCS#8 private key is neither EC, RSA nor Ed25519, or is corrupt");
  }

  /** One PEM block with 64-character lines. */
  public static String encode(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  private static String read(Path file) throws IOException {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IOException(file + ": cannot read: " + e.getMessage(), e);
    }
  }
}
