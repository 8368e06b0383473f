package dev.maestro.provider.wire;

import io.vertx.core.json.JsonObject;

/** A usable credential as auth-service resolves it. {@link #toString()} never shows the secret. */
public record Credential(String id, String provider, String kind, String baseUrl, String secret, String scheme) {
  public static Credential fromJson(JsonObject json) {
    return new Credential(json.getString("id"), json.getString("provider"), json.getString("kind"),
        json.getString("baseUrl"), json.getString("secret"), json.getString("scheme", "api_key"));
  }

  public boolean bearer() {
    return "bearer".equals(scheme);
  }

  @Override
  public String toString() {
    return "Credential[id=" + id + ", provider=" + provider + ", kind=" + kind + ", scheme=" + scheme + "]";
  }
}
