package io.oneinfra.proxy;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Who may pass the door beyond holding a certificate from the client CA: optional allow lists and revocation lists.
 *
 * <p>Empty allow lists admit any certificate the client CA issued (haproxy's {@code verify required}). When any list
 * is set, a client passes if it matches at least one entry of any list.
 *
 * @param commonNames allowed subject CNs
 * @param organizationalUnits allowed subject OUs
 * @param dnsNames allowed DNS subject alternative names
 * @param uris allowed URI subject alternative names
 * @param spkiSha256 allowed SHA-256 pins of the certificate's SubjectPublicKeyInfo (lower-case hex)
 * @param crls revocation lists; a listed serial from the matching issuer is refused
 */
public record AccessPolicy(Set<String> commonNames, Set<String> organizationalUnits, Set<String> dnsNames,
    Set<String> uris, Set<String> spkiSha256, List<X509CRL> crls) {

  /** Any certificate from the client CA passes. */
  public static final AccessPolicy ALLOW_ANY = new AccessPolicy(Set.of(), Set.of(), Set.of(), Set.of(), Set.of(),
      List.of());

  public AccessPolicy {
    commonNames = Set.copyOf(commonNames);
    organizationalUnits = Set.copyOf(organizationalUnits);
    dnsNames = dnsNames.stream().map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    uris = Set.copyOf(uris);
    spkiSha256 = spkiSha256.stream().map(p -> p.toLowerCase(Locale.ROOT).replace(":", ""))
        .collect(Collectors.toUnmodifiableSet());
    crls = List.copyOf(crls);
  }

  /** True when no allow list is set. */
  public boolean allowsAny() {
    return commonNames.isEmpty() && organizationalUnits.isEmpty() && dnsNames.isEmpty() && uris.isEmpty()
        && spkiSha256.isEmpty();
  }

  /** Why {@code leaf} is refused, or empty when it may pass. The chain has already been verified. */
  public Optional<String> refusal(X509Certificate leaf) {
    for (X509CRL crl : crls) {
      if (crl.getIssuerX500Principal().equals(leaf.getIssuerX500Principal()) && crl.isRevoked(leaf)) {
        return Optional.of("revoked: serial " + leaf.getSerialNumber().toString(16) + " is listed in the CRL of "
            + crl.getIssuerX500Principal().getName());
      }
    }
    if (allowsAny() || allowed(leaf)) {
      return Optional.empty();
    }
    return Optional.of("denied by the access policy: " + leaf.getSubjectX500Principal().getName()
        + " matches no allowed CN, OU, SAN or SPKI pin");
  }

  private boolean allowed(X509Certificate leaf) {
    List<Rdn> rdns = rdns(leaf);
    if (rdns.stream().anyMatch(r -> r.getType().equalsIgnoreCase("CN") && commonNames.contains(value(r)))
        || rdns.stream().anyMatch(r -> r.getType().equalsIgnoreCase("OU") && organizationalUnits.contains(value(r)))) {
      return true;
    }
    for (List<?> san : subjectAltNames(leaf)) {
      int type = (Integer) san.get(0);
      String name = String.valueOf(san.get(1));
      if ((type == 2 && dnsNames.contains(name.toLowerCase(Locale.ROOT))) || (type == 6 && uris.contains(name))) {
        return true;
      }
    }
    return !spkiSha256.isEmpty() && spkiSha256.contains(spkiPin(leaf));
  }

  /** Lower-case hex SHA-256 of the certificate's SubjectPublicKeyInfo, as pinned in {@code spkiSha256}. */
  public static String spkiPin(X509Certificate certificate) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(certificate.getPublicKey().getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  private static List<Rdn> rdns(X509Certificate leaf) {
    try {
      return new LdapName(leaf.getSubjectX500Principal().getName()).getRdns();
    } catch (InvalidNameException e) {
      return List.of();
    }
  }

  private static String value(Rdn rdn) {
    return Objects.toString(rdn.getValue(), "");
  }

  private static Collection<List<?>> subjectAltNames(X509Certificate leaf) {
    try {
      Collection<List<?>> names = leaf.getSubjectAlternativeNames();
      return names == null ? List.of() : new ArrayList<>(names);
    } catch (CertificateParsingException e) {
      return List.of();
    }
  }

  @Override
  public String toString() {
    return allowsAny() && crls.isEmpty() ? "AccessPolicy[any certificate from the client CA]"
        : "AccessPolicy[cn=" + commonNames + ", ou=" + organizationalUnits + ", dns=" + dnsNames + ", uri=" + uris
            + ", spki pins=" + spkiSha256.size() + ", crls=" + crls.size() + "]";
  }
}
