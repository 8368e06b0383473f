package dev.maestro.auth.oauth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One OAuth client's settings, with its secret decrypted (never serialised, never logged).
 * {@code tokenAuthMethod} is the RFC 7591 token_endpoint_auth_method, or null (see {@link #effectiveTokenAuthMethod}).
 */
public record OAuthClientConfig(String id, String provider, String name, String authorizeUrl, String tokenUrl,
                                String clientId, String clientSecret, JsonArray scopes, JsonObject extraParams,
                                JsonObject extraHeaders, String tokenAuthMethod) {
  public static final String BASIC = "client_secret_basic";
  public static final String POST = "client_secret_post";
  public static final String NONE = "none";

  /** The token endpoint authentication methods OAuth2Client implements. */
  public static boolean supported(String method) {
    return BASIC.equals(method) || POST.equals(method) || NONE.equals(method);
  }

  /** The method actually used: the configured one, else (legacy rows) HTTP Basic with a secret and none without. */
  public String effectiveTokenAuthMethod() {
    boolean secret = clientSecret != null && !clientSecret.isEmpty();
    if (!secret) return NONE;
    return supported(tokenAuthMethod) ? tokenAuthMethod : BASIC;
  }

  @Override
  public String toString() {
    return "OAuthClientConfig[" + id + ", " + name + "]";
  }
}
