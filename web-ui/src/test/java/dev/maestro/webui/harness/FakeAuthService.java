package dev.maestro.webui.harness;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** In-memory credentials (masked like the real service) and OAuth clients. */
public final class FakeAuthService implements AuthService {
  /** The body of the last startOAuth (what the web form sent). */
  public volatile JsonObject lastOAuthStart;
  final Map<String, JsonObject> credentials = new ConcurrentHashMap<>();
  final Map<String, JsonObject> clients = new ConcurrentHashMap<>();

  @Override
  public Future<JsonObject> createCredential(String userId, JsonObject spec) {
    String key = spec.getString("apiKey");
    if (spec.getString("provider") == null || key == null || spec.getString("label") == null) {
      return ServiceException.fail(ErrorCodes.BAD_REQUEST, "provider, label and apiKey are required",
          new JsonObject().put("errors", new JsonArray().add(new JsonObject().put("field", "apiKey").put("message", "required"))));
    }
    String id = UUID.randomUUID().toString();
    JsonObject c = new JsonObject().put("id", id).put("userId", userId).put("provider", spec.getString("provider"))
        .put("kind", "api_key").put("label", spec.getString("label")).put("baseUrl", spec.getString("baseUrl"))
        .put("status", "active").put("maskedSecret", "…" + key.substring(Math.max(0, key.length() - 4)))
        .put("secret", key);
    credentials.put(id, c);
    return Future.succeededFuture(masked(c));
  }

  /** For tests: an OAuth credential in a given status. */
  public JsonObject addOAuth(String userId, String label, String status) {
    String id = UUID.randomUUID().toString();
    JsonObject c = new JsonObject().put("id", id).put("userId", userId).put("provider", "anthropic").put("kind", "oauth")
        .put("label", label).put("status", status).put("maskedSecret", "oauth…").put("expiresAt", "2026-12-01T00:00:00Z").put("secret", "x");
    credentials.put(id, c);
    return masked(c);
  }

  private static JsonObject masked(JsonObject c) {
    JsonObject m = c.copy();
    m.remove("secret");
    m.remove("userId");
    return m;
  }

  @Override
  public Future<List<JsonObject>> listCredentials(String userId) {
    return Future.succeededFuture(credentials.values().stream().filter(c -> userId.equals(c.getString("userId"))).map(FakeAuthService::masked).toList());
  }

  @Override
  public Future<JsonObject> getCredential(String userId, String credentialId) {
    JsonObject c = credentials.get(credentialId);
    if (c == null || !userId.equals(c.getString("userId"))) return ServiceException.fail(ErrorCodes.NOT_FOUND, "credential not found");
    return Future.succeededFuture(masked(c));
  }

  @Override
  public Future<Void> deleteCredential(String userId, String credentialId) {
    JsonObject c = credentials.get(credentialId);
    if (c == null || !userId.equals(c.getString("userId"))) return ServiceException.fail(ErrorCodes.NOT_FOUND, "credential not found");
    credentials.remove(credentialId);
    return Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> resolveSecret(String credentialId) {
    JsonObject c = credentials.get(credentialId);
    return c == null ? ServiceException.fail(ErrorCodes.NOT_FOUND, "credential not found") : Future.succeededFuture(c.copy());
  }

  @Override
  public Future<JsonObject> refreshCredential(String credentialId) {
    return resolveSecret(credentialId);
  }

  @Override
  public Future<List<JsonObject>> listOAuthClients() {
    return Future.succeededFuture(clients.values().stream().map(c -> { JsonObject m = c.copy(); m.remove("clientSecret"); return m; }).toList());
  }

  @Override
  public Future<JsonObject> createOAuthClient(JsonObject client) {
    String id = UUID.randomUUID().toString();
    clients.put(id, client.copy().put("id", id));
    JsonObject m = client.copy().put("id", id);
    m.remove("clientSecret");
    return Future.succeededFuture(m);
  }

  @Override
  public Future<JsonObject> getOAuthClient(String clientId) {
    JsonObject c = clients.get(clientId);
    return c == null ? ServiceException.fail(ErrorCodes.NOT_FOUND, "client not found") : Future.succeededFuture(c.copy());
  }

  @Override
  public Future<JsonObject> updateOAuthClient(String clientId, JsonObject client) {
    JsonObject c = clients.get(clientId);
    if (c == null) return ServiceException.fail(ErrorCodes.NOT_FOUND, "client not found");
    c.mergeIn(client);
    return Future.succeededFuture(c.copy());
  }

  @Override
  public Future<Void> deleteOAuthClient(String clientId) {
    return clients.remove(clientId) == null ? ServiceException.fail(ErrorCodes.NOT_FOUND, "client not found") : Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> startOAuth(String userId, String provider, JsonObject body, String redirectUri) {
    lastOAuthStart = body.copy();
    JsonObject c = clients.get(body.getString("oauthClientId", ""));
    if (c == null) return ServiceException.fail(ErrorCodes.NOT_FOUND, "client not found");
    String state = UUID.randomUUID().toString();
    return Future.succeededFuture(new JsonObject().put("state", state)
        .put("authorizeUrl", c.getString("authorizeUrl") + "?state=" + state + "&redirect_uri=" + java.net.URLEncoder.encode(redirectUri, java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Override
  public Future<JsonObject> completeOAuth(String userId, String state, String code) {
    return ServiceException.fail(ErrorCodes.BAD_REQUEST, "not supported by the fake");
  }

  @Override
  public io.vertx.core.Future<java.util.List<io.vertx.core.json.JsonObject>> listOAuthClientPresets() {
    return io.vertx.core.Future.succeededFuture(java.util.List.of());
  }
}
