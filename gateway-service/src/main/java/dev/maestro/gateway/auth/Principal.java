package dev.maestro.gateway.auth;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * Who is calling. {@code tokenId} is set for bearer-token callers (so a revocation can find their
 * sockets); {@code cookie} is true for browser callers (whose state changes need a CSRF token).
 */
public record Principal(String userId, String username, String role, String tokenId, Instant expiresAt, boolean cookie) {
  public boolean admin() {
    return "admin".equals(role);
  }

  /** The key rate limits count against: the token, or the user for cookie sessions. */
  public String rateKey() {
    return tokenId != null ? "t:" + tokenId : "u:" + userId;
  }

  public JsonObject toJson() {
    return new JsonObject().put("userId", userId).put("username", username).put("role", role);
  }
}
