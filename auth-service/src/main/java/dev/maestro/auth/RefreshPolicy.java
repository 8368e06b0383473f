package dev.maestro.auth;

/**
 * When to refresh: {@code marginSeconds} before expiry, but never earlier than three quarters into
 * a token's life (so a 5-second test token is refreshed after ~3.75 s, a 1-hour one 5 min early).
 * Transient failures back off exponentially from {@code backoffBaseSeconds}, capped, and never
 * past the expiry (minus two seconds) while the token is still valid.
 */
public record RefreshPolicy(double marginSeconds, double backoffBaseSeconds, double backoffMaxSeconds) {
  public static final RefreshPolicy DEFAULT = new RefreshPolicy(300, 2, 300);

  public double refreshAfterSeconds(long expiresIn) {
    return expiresIn - Math.min(marginSeconds, expiresIn / 4.0);
  }

  public double backoffSeconds(int failures) {
    return Math.min(backoffMaxSeconds, backoffBaseSeconds * Math.pow(2, Math.max(0, failures)));
  }
}
