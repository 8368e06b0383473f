package dev.maestro.gateway.fakes;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** In-memory credentials and OAuth clients; it even (wrongly) echoes secrets, so the gateway's masking is tested. */
public class FakeAuthService implements AuthService {
  public final Map<String, JsonObject> credentials = new ConcurrentHashMap<>();
  public final Map<String, JsonObject> clients = new ConcurrentHashMap<>();
  public final Map<String, String> states = new ConcurrentHashMap<>();

  private static <T> Future<T> notFound() {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such credential", new JsonObject());
  }

  @Override
  public Future<JsonObject> createCredential(String userId, JsonObject spec) {
    String id = UUID.randomUUID().toString();
    JsonObject c = new JsonObject().put("id", id).put("userId", userId).put("provider", spec.getString("provider"))
        .put("kind", spec.getString("kind")).put("label", spec.getString("label")).put("baseUrl", spec.getString("baseUrl"))
        .put("status", "active").put("maskedSecret", "sk-…" + spec.getString("apiKey").substring(Math.max(0, spec.getString("apiKey").length() - 4)))
        .put("expiresAt", null).put("apiKey", spec.getString("apiKey"));
    credentials.put(id, c);
    return Future.succeededFuture(c.copy());
  }

  @Override
  public Future<List<JsonObject>> listCredentials(String userId) {
    List<JsonObject> out = new ArrayList<>();
    credentials.values().stream().filter(c -> c.getString("userId").equals(userId)).forEach(c -> out.add(c.copy()));
    return Future.succeededFuture(out);
  }

  @Override
  public Future<JsonObject> getCredential(String userId, String credentialId) {
    JsonObject c = credentials.get(credentialId);
    return c == null || !c.getString("userId").equals(userId) ? notFound() : Future.succeededFuture(c.copy());
  }

  @Override
  public Future<Void> deleteCredential(String userId, String credentialId) {
    return getCredential(userId, credentialId).map(c -> {
      credentials.remove(credentialId);
      return null;
    });
  }

  @Override
  public Future<JsonObject> resolveSecret(String credentialId) {
    return notFound();
  }

  @Override
  public Future<JsonObject> refreshCredential(String credentialId) {
    return notFound();
  }

  @Override
  public Future<List<JsonObject>> listOAuthClients() {
    return Future.succeededFuture(new ArrayList<>(clients.values().stream().map(JsonObject::copy).toList()));
  }

  @Override
  public Future<JsonObject> createOAuthClient(JsonObject client) {
    String id = UUID.randomUUID().toString();
    clients.put(id, client.copy().put("id", id));
    return Future.succeededFuture(client.copy().put("id", id));
  }

  @Override
  public Future<JsonObject> getOAuthClient(String clientId) {
    JsonObject c = clients.get(clientId);
    return c == null ? notFound() : Future.succeededFuture(c.copy());
  }

  @Override
  public Future<JsonObject> updateOAuthClient(String clientId, JsonObject client) {
    JsonObject c = clients.get(clientId);
    if (c == null) return notFound();
    clients.put(clientId, client.copy().put("id", clientId));
    return Future.succeededFuture(client.copy().put("id", clientId));
  }

  @Override
  public Future<Void> deleteOAuthClient(String clientId) {
    return clients.remove(clientId) == null ? notFound() : Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> startOAuth(String userId, String provider, JsonObject body, String redirectUri) {
    String state = UUID.randomUUID().toString();
    states.put(state, userId);
    return Future.succeededFuture(new JsonObject().put("authorizeUrl", "https://auth.example/authorize?state=" + state
        + "&redirect_uri=" + redirectUri).put("state", state));
  }

  /** Who the gateway said completed each callback (null: it passed no user). */
  public final java.util.List<String> completedBy = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public Future<JsonObject> completeOAuth(String userId, String state, String code) {
    completedBy.add(userId);
    String starter = states.remove(state);
    if (starter == null) return ServiceException.fail(ErrorCodes.BAD_REQUEST, "unknown or reused state", new JsonObject());
    // like auth-service: consumed first, then refused (and so cancelled) when another user completes it
    if (!starter.equals(userId)) return ServiceException.fail(ErrorCodes.FORBIDDEN, "this sign-in was started by another Maestro user", new JsonObject());
    return createCredential(starter, new JsonObject().put("provider", "anthropic").put("kind", "oauth").put("label", "oauth")
        .put("apiKey", "oauth-token-" + code));
  }

  @Override
  public io.vertx.core.Future<java.util.List<io.vertx.core.json.JsonObject>> listOAuthClientPresets() {
    return io.vertx.core.Future.succeededFuture(java.util.List.of());
  }
}
