package io.oneinfra.agent.registration.join;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies the detached JWS (RFC 7515 appendix F) that the bootstrap signer puts beside the kubeconfig in
 * {@code cluster-info}: {@code HEADER..SIGNATURE}, HS256 keyed with the bootstrap token's secret.
 */
public final class DetachedJws {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private DetachedJws() {}

  /**
   * Checks that {@code detached} is {@code token}'s signature of {@code content}.
   *
   * @throws JoinException (REFUSED) saying what did not match; never echoes the secret
   */
  public static void verify(String detached, String content, BootstrapToken token) throws JoinException {
    String[] parts = detached.strip().split("\\.", -1);
    if (parts.length != 3 || !parts[1].isEmpty()) {
      throw refused("jws-kubeconfig-" + token.id() + " is not a detached JWS (want HEADER..SIGNATURE)");
    }
    JsonNode header;
    byte[] signature;
    try {
      header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
      signature = Base64.getUrlDecoder().decode(parts[2]);
    } catch (IllegalArgumentException | IOException e) {
      throw refused("jws-kubeconfig-" + token.id() + " is not valid base64url JSON: " + e.getMessage());
    }
    if (header == null || !header.isObject()) {
      throw refused("jws-kubeconfig-" + token.id() + " has no JSON object as its header");
    }
    if (!"HS256".equals(header.path("alg").asText())) {
      throw refused("jws-kubeconfig-" + token.id() + " has algorithm '" + header.path("alg").asText()
          + "'; only HS256 is accepted");
    }
    if (header.has("kid") && !token.id().equals(header.get("kid").asText())) {
      throw refused("jws-kubeconfig-" + token.id() + " is signed for token id '" + header.get("kid").asText() + "'");
    }
    if (header.has("crit")) {
      throw refused("jws-kubeconfig-" + token.id() + " has critical header extensions this agent does not know");
    }
    String signingInput = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(content.getBytes(StandardCharsets.UTF_8));
    if (!MessageDigest.isEqual(hmacSha256(token.secret(), signingInput), signature)) {
      throw refused("the JWS signature jws-kubeconfig-" + token.id() + " of the cluster-info kubeconfig does not "
          + "verify with the token's secret: this API server does not know the token, or the content was altered");
    }
  }

  // The bootstrap signer pads secrets shorter than 32 bytes with zeros; HMAC pads every key shorter than its
  // 64-byte block the same way, so the raw secret gives the same MAC.
  private static byte[] hmacSha256(String secret, String input) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }

  private static JoinException refused(String message) {
    return new JoinException(JoinException.Outcome.REFUSED, "cluster-info: " + message);
  }
}
