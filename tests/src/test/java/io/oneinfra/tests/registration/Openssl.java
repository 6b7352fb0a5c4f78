package io.oneinfra.tests.registration;

import io.oneinfra.proxy.Pem;
import io.oneinfra.tests.testbed.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;

/**
 * What kubeadm's side computes, computed by the real {@code openssl} instead of the agent's code: detached JWS
 * signatures (HS256, RFC 7515 appendix F) as the bootstrap signer writes into cluster-info, and CA pins as the
 * kubeadm documentation derives them ({@code openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst
 * -sha256}).
 */
final class Openssl {
  private Openssl() {}

  /** {@code HEADER..SIGNATURE} of {@code content} for token {@code id}, keyed with {@code secret}, as go-jose writes. */
  static String detachedJws(String content, String id, String secret) {
    return detachedJwsWithHeader(content, "{\"alg\":\"HS256\",\"kid\":\"" + id + "\"}", secret);
  }

  /** The same with any protected header. */
  static String detachedJwsWithHeader(String content, String header, String secret) {
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String protectedHeader = url.encodeToString(header.getBytes(StandardCharsets.UTF_8));
    String input = protectedHeader + "." + url.encodeToString(content.getBytes(StandardCharsets.UTF_8));
    return protectedHeader + ".." + url.encodeToString(inTemporaryDirectory(dir -> {
      Path in = Files.writeString(dir.resolve("input"), input, StandardCharsets.US_ASCII);
      run("dgst", "-sha256", "-hmac", secret, "-binary", "-out", dir.resolve("mac").toString(), in.toString());
      return Files.readAllBytes(dir.resolve("mac"));
    }));
  }

  /** {@code sha256:HEX} of {@code ca}'s public key, as {@code kubeadm token create --print-join-command} prints. */
  static String caPin(X509Certificate ca) {
    return inTemporaryDirectory(dir -> {
      Path pem = Files.writeString(dir.resolve("ca.pem"), encode(ca), StandardCharsets.US_ASCII);
      run("x509", "-in", pem.toString(), "-pubkey", "-noout", "-out", dir.resolve("pub.pem").toString());
      run("pkey", "-pubin", "-in", dir.resolve("pub.pem").toString(), "-outform", "der", "-out",
          dir.resolve("pub.der").toString());
      String digest = run("dgst", "-sha256", "-r", dir.resolve("pub.der").toString());
      return "sha256:" + digest.strip().split("\\s+")[0];
    });
  }

  private static String encode(X509Certificate certificate) throws IOException {
    try {
      return Pem.encode("CERTIFICATE", certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IOException(e);
    }
  }

  private static String run(String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "openssl";
    System.arraycopy(args, 0, command, 1, args.length);
    return Commands.run(Duration.ofSeconds(20), command).requireSuccess().output();
  }

  private interface InDirectory<T> {
    T apply(Path dir) throws IOException;
  }

  private static <T> T inTemporaryDirectory(InDirectory<T> work) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("openssl");
      return work.apply(dir);
    } catch (IOException e) {
      throw new IllegalStateException("openssl: " + e.getMessage(), e);
    } finally {
      if (dir != null) {
        try (var files = Files.list(dir)) {
          for (Path file : files.toList()) {
            Files.delete(file);
          }
          Files.delete(dir);
        } catch (IOException e) {
          // a temporary directory left behind is harmless
        }
      }
    }
  }
}
