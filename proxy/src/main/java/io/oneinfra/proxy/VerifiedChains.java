package io.oneinfra.proxy;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Client chains that passed the full check (PKIX against the client CAs, then the access policy), remembered by their
 * exact DER bytes so a client that reconnects with the same certificate is not verified again from scratch.
 *
 * <p>What is skipped on a hit is only what cannot change for these bytes while the trust manager lives: the CA
 * signatures along the path, the CA-certificate refusal, the CRL lookup and the allow lists (all fixed per TLS
 * context; new material builds a new context, and with it an empty cache). Validity is checked on every hit: an entry
 * is used only while every certificate of the chain is within its validity period. Proof of possession of the key
 * (the handshake's CertificateVerify) is made by the TLS engine on every handshake and is not cached here. Only
 * chains that passed are remembered, so a client cannot fill the cache with junk; it is bounded (least recently used
 * out) all the same.
 */
final class VerifiedChains {
  private final int capacity;
  private final Map<Key, Validity> entries;

  VerifiedChains(int capacity) {
    this.capacity = capacity;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, Validity> eldest) {
        return size() > VerifiedChains.this.capacity;
      }
    };
  }

  /** The lookup key of {@code chain} as presented, or null when a certificate cannot be encoded (never cached). */
  static Key key(X509Certificate[] chain, String authType) {
    byte[][] der = new byte[chain.length][];
    try {
      for (int i = 0; i < chain.length; i++) {
        der[i] = chain[i].getEncoded();
      }
    } catch (CertificateEncodingException e) {
      return null;
    }
    return new Key(der, String.valueOf(authType));
  }

  /** True when {@code key} passed before and every certificate of it is valid at {@code nowMillis}. */
  synchronized boolean passed(Key key, long nowMillis) {
    Validity validity = entries.get(key);
    return validity != null && validity.notBefore() <= nowMillis && nowMillis <= validity.notAfter();
  }

  /** Remembers that {@code chain} (whose key is {@code key}) passed the full check. */
  void remember(Key key, X509Certificate[] chain) {
    long notBefore = Long.MIN_VALUE;
    long notAfter = Long.MAX_VALUE;
    for (X509Certificate certificate : chain) {
      notBefore = Math.max(notBefore, certificate.getNotBefore().getTime());
      notAfter = Math.min(notAfter, certificate.getNotAfter().getTime());
    }
    Validity validity = new Validity(notBefore, notAfter);
    synchronized (this) {
      entries.put(key, validity);
    }
  }

  synchronized int size() {
    return entries.size();
  }

  private record Validity(long notBefore, long notAfter) {}

  /** A chain's certificates as DER, with the key-exchange type the check was made for. */
  static final class Key {
    private final byte[][] der;
    private final String authType;
    private final int hash;

    private Key(byte[][] der, String authType) {
      this.der = der;
      this.authType = authType;
      this.hash = 31 * Arrays.deepHashCode(der) + authType.hashCode();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Key that && hash == that.hash && authType.equals(that.authType)
          && Arrays.deepEquals(der, that.der);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
