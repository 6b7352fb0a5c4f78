package io.oneinfra.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Bounded mutation fuzzing of PEM parsing: whatever the bytes, the parsers either succeed or throw IOException (the
 * documented type, naming the source); nothing else escapes, and no error echoes the key's or the certificate's
 * base64.
 */
class PemFuzzTest {
  private static final int ROUNDS = 50_000;
  /** Shortest run of the seed's base64 an error may not repeat: long enough that no English message matches. */
  private static final int WINDOW = 40;

  @Test
  void certificateAndKeyParsingThrowOnlyIoExceptionsThatEchoNoBase64() throws CertificateEncodingException {
    TlsMaterial material = TestCerts.seededMaterial("fuzz", 20261124L);
    byte[] certificate = material.serverCertificate().getEncoded();
    byte[] key = material.privateKey().getEncoded();
    String seed = Pem.encode("CERTIFICATE", certificate) + Pem.encode("PRIVATE KEY", key);
    Set<String> keyWindows = windows(Base64.getEncoder().encodeToString(key));
    Set<String> certificateWindows = windows(Base64.getEncoder().encodeToString(certificate));
    SplittableRandom random = new SplittableRandom(20261124L);
    List<String> escaped = new ArrayList<>();
    List<String> echoing = new ArrayList<>();
    Outcomes certificates = new Outcomes();
    Outcomes keys = new Outcomes();
    for (int round = 0; round < ROUNDS; round++) {
      String input = Mutations.mutate(seed, random);
      try {
        Pem.parseCertificates("fuzz", input);
        certificates.accepted++;
      } catch (IOException expected) {
        certificates.rejected++;
        assertThat(expected.getMessage()).startsWith("fuzz");
        echoes("certificates", expected, keyWindows, certificateWindows, input, echoing);
      } catch (RuntimeException e) {
        escaped.add("certificates: " + e + " for input " + Mutations.describe(input));
      }
      try {
        Pem.parsePrivateKey("fuzz", input);
        keys.accepted++;
      } catch (IOException expected) {
        keys.rejected++;
        assertThat(expected.getMessage()).startsWith("fuzz");
        echoes("key", expected, keyWindows, certificateWindows, input, echoing);
      } catch (RuntimeException e) {
        escaped.add("key: " + e + " for input " + Mutations.describe(input));
      }
    }
    assertThat(escaped).as("undocumented exceptions").isEmpty();
    assertThat(echoing).as("errors that repeat %d characters of the seed's base64", WINDOW).isEmpty();
    // The seeded run measured 3,099 and 46,901 certificates, 19,004 and 30,996 keys: each floor is about 2/3 of it.
    assertThat(certificates.accepted).as("mutations whose certificate still parses").isGreaterThan(ROUNDS / 25);
    assertThat(certificates.rejected).as("mutations whose certificate is rejected").isGreaterThan(ROUNDS * 8 / 10);
    assertThat(keys.accepted).as("mutations whose key still parses").isGreaterThan(ROUNDS / 4);
    assertThat(keys.rejected).as("mutations whose key is rejected").isGreaterThan(ROUNDS / 2);
  }

  /** Every {@code WINDOW}-character substring of {@code base64}. */
  private static Set<String> windows(String base64) {
    Set<String> windows = new HashSet<>();
    for (int at = 0; at + WINDOW <= base64.length(); at++) {
      windows.add(base64.substring(at, at + WINDOW));
    }
    return windows;
  }

  /** Records {@code error} when a message in its cause chain, white space removed, holds a window of the seed. */
  private static void echoes(String parser, Throwable error, Set<String> key, Set<String> certificate, String input,
      List<String> echoing) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage()).replaceAll("\\s", "");
      String what = repeats(message, key) ? "key" : repeats(message, certificate) ? "certificate" : null;
      if (what != null) {
        echoing.add(parser + ": " + what + " base64 in " + t.getClass().getSimpleName() + " for input "
            + Mutations.describe(input));
      }
    }
  }

  private static boolean repeats(String message, Set<String> windows) {
    for (int at = 0; at + WINDOW <= message.length(); at++) {
      if (windows.contains(message.substring(at, at + WINDOW))) {
        return true;
      }
    }
    return false;
  }

  /** How many mutations one parser accepted and rejected. */
  private static final class Outcomes {
    int accepted;
    int rejected;
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
