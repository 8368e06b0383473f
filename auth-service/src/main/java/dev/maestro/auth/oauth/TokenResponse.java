package dev.maestro.auth.oauth;

import io.vertx.core.json.JsonObject;

/** A successful token grant. refreshToken is null when the server did not rotate it. */
public record TokenResponse(String accessToken, String refreshToken, Long expiresIn) {
  /** From the token endpoint's JSON as issued (OAuth2Auth's user principal). */
  static TokenResponse of(JsonObject body) {
    Object exp = body.getValue("expires_in");
    Long expiresIn = exp instanceof Number n ? Long.valueOf(n.longValue())
        : exp instanceof String s && s.matches("\\d+") ? Long.valueOf(s) : null;
    String access = body.getString("access_token");
    if (access == null || access.isEmpty()) {
      throw new TokenGrantException(false, null, "the token endpoint answered without an access_token");
    }
    return new TokenResponse(access, body.getString("refresh_token"), expiresIn);
  }

  @Override
  public String toString() {
    return "TokenResponse[expiresIn=" + expiresIn + "]";
  }
}
