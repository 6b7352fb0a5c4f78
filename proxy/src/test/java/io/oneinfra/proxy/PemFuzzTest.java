package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Bounded mutation fuzzing of PEM parsing: whatever the bytes, the parsers either succeed or throw IOException (the
 * documented type, naming the source); nothing else escapes, and no error echoes key material.
 */
class PemFuzzTest {
  private static final int ROUNDS = 50_000;

  @Test
  void certificateAndKeyParsingThrowOnlyIoExceptions() {
    TlsMaterial material = TestCerts.material("fuzz");
    String seed = Pem.encode("CERTIFICATE", encoded(material)) + Pem.encode("PRIVATE KEY",
        material.privateKey().getEncoded());
    SplittableRandom random = new SplittableRandom(20261124L);
    List<String> escaped = new ArrayList<>();
    int parsed = 0;
    for (int round = 0; round < ROUNDS; round++) {
      String input = Mutations.mutate(seed, random);
      try {
        Pem.parseCertificates("fuzz", input);
        parsed++;
      } catch (IOException expected) {
        assertThat(expected.getMessage()).startsWith("fuzz");
      } catch (RuntimeException e) {
        escaped.add("certificates: " + e + " for input " + Mutations.describe(input));
      }
      try {
        Pem.parsePrivateKey("fuzz", input);
      } catch (IOException expected) {
        assertThat(expected.getMessage()).startsWith("fuzz").doesNotContain(seed.substring(100, 140));
      } catch (RuntimeException e) {
        escaped.add("key: " + e + " for input " + Mutations.describe(input));
      }
    }
    assertThat(escaped).as("undocumented exceptions").isEmpty();
    assertThat(parsed).as("mutations that still parse").isGreaterThan(ROUNDS / 50).isLessThan(ROUNDS);
  }

  private static byte[] encoded(TlsMaterial material) {
    try {
      return material.serverCertificate().getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Byte-level mutations in the style of a coverage-blind fuzzer: flips, inserts, deletes, splices. */
  static final class Mutations {
    private Mutations() {}

    static String mutate(String seed, SplittableRandom random) {
      StringBuilder text = new StringBuilder(seed);
      int edits = 1 + random.nextInt(8);
      for (int i = 0; i < edits && text.length() > 0; i++) {
        int at = random.nextInt(text.length());
        switch (random.nextInt(5)) {
          case 0 -> text.setCharAt(at, (char) random.nextInt(128));
          case 1 -> text.insert(at, (char) random.nextInt(128));
          case 2 -> text.deleteCharAt(at);
          case 3 -> text.delete(at, Math.min(text.length(), at + random.nextInt(64)));
          default -> text.insert(at, text.substring(random.nextInt(text.length())));
        }
        if (text.length() > 64 * 1024) {
          text.setLength(64 * 1024);
        }
      }
      return text.toString();
    }

    static String describe(String input) {
      byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
      return bytes.length + " bytes, hash " + Integer.toHexString(input.hashCode());
    }
  }
}
