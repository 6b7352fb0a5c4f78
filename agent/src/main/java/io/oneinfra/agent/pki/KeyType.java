package io.oneinfra.agent.pki;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/** Key algorithms the agent generates: EC P-256 by default, RSA where a peer needs it. */
public enum KeyType {
  @JsonProperty("ec-p256") EC_P256("SHA256withECDSA"),
  @JsonProperty("rsa-2048") RSA_2048("SHA256withRSA");

  private final String signatureAlgorithm;

  KeyType(String signatureAlgorithm) {
    this.signatureAlgorithm = signatureAlgorithm;
  }

  /** The algorithm a key of this type signs certificates with. */
  public String signatureAlgorithm() {
    return signatureAlgorithm;
  }

  /** The type of an existing key, for signing with it. */
  public static KeyType of(java.security.PrivateKey key) {
    return "EC".equals(key.getAlgorithm()) ? EC_P256 : RSA_2048;
  }

  /** A fresh key pair. */
  public KeyPair generate() {
    try {
      if (this == EC_P256) {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
      }
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("pki: cannot generate a " + this + " key: " + e.getMessage(), e);
    }
  }
}
