package dev.maestro.auth;

import java.util.Optional;

/**
 * RFC 9207 (OAuth 2.0 authorization server issuer identification), as the MCP authorization spec
 * asks of clients: the authorization response's {@code iss} must be exactly the issuer of the
 * authorization server the request was sent to, so a code from another server (a mix-up attack,
 * where a malicious server makes Maestro send an honest server's code to the attacker's token
 * endpoint) is refused before any exchange.
 */
final class IssuerCheck {
  private IssuerCheck() {}

  /**
   * Why this callback must be refused, or empty when it may proceed. {@code expected}: the issuer
   * from the authorization server's metadata (null: unknown, e.g. a provider sign-in, nothing to
   * compare); {@code required}: the metadata said {@code authorization_response_iss_parameter_supported: true}.
   */
  static Optional<String> problem(String expected, boolean required, String iss) {
    if (expected == null) return Optional.empty();
    if (iss == null) {
      return required ? Optional.of("the authorization server " + expected + " always identifies itself in its answer (RFC 9207),"
          + " but this sign-in callback has no iss parameter; it was refused and nothing was exchanged, start the sign-in again")
          : Optional.empty();
    }
    if (!expected.equals(iss)) {
      return Optional.of("this sign-in callback says it comes from authorization server " + clip(iss) + ", but the sign-in was sent to "
          + expected + " (RFC 9207 issuer mismatch, a possible mix-up attack); it was refused and nothing was exchanged");
    }
    return Optional.empty();
  }

  private static String clip(String s) {
    String t = s.replaceAll("[\\p{Cntrl}]", "?");
    return t.length() > 200 ? t.substring(0, 200) + "…" : t;
  }
}
