package dev.maestro.gateway.api;

import dev.maestro.gateway.auth.Principal;

/**
 * Who knocks at the front door: the authentication result ({@code principal}, null for nobody;
 * only its user id, token id and cookie flag count, {@link Operations} reads the rest from the
 * user store), the peer address (login limits) and, for browser pages, the origin the browser
 * used (null otherwise) so a browser-started OAuth flow comes back to the host holding its cookie.
 */
public record Caller(Principal principal, String remoteAddress, String origin) {
  public static Caller of(Principal principal, String remoteAddress) {
    return new Caller(principal, remoteAddress, null);
  }
}
