package dev.maestro.auth.oauth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** One OAuth client's settings, with its secret decrypted (never serialised, never logged). */
public record OAuthClientConfig(String id, String provider, String name, String authorizeUrl, String tokenUrl,
                                String clientId, String clientSecret, JsonArray scopes, JsonObject extraParams,
                                JsonObject extraHeaders) {
  @Override
  public String toString() {
    return "OAuthClientConfig[" + id + ", " + name + "]";
  }
}
