package dev.maestro.provider.support;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A stand-in auth-service: credentials held in memory; refresh swaps in a scripted new secret. */
public final class FakeAuthService implements AuthService {
  private final Map<String, JsonObject> credentials = new ConcurrentHashMap<>();
  private final Map<String, String> refreshedSecrets = new ConcurrentHashMap<>();
  public final AtomicInteger refreshes = new AtomicInteger();
  public final AtomicInteger resolves = new AtomicInteger();

  public FakeAuthService put(String id, String provider, String baseUrl, String secret, String scheme) {
    credentials.put(id, new JsonObject().put("id", id).put("provider", provider)
        .put("kind", "bearer".equals(scheme) ? "oauth" : "api_key").put("baseUrl", baseUrl).put("secret", secret)
        .put("scheme", scheme));
    return this;
  }

  /** The secret a refresh of this credential yields. */
  public FakeAuthService onRefresh(String id, String newSecret) {
    refreshedSecrets.put(id, newSecret);
    return this;
  }

  @Override
  public Future<JsonObject> resolveSecret(String credentialId) {
    resolves.incrementAndGet();
    JsonObject c = credentials.get(credentialId);
    return c == null ? ServiceException.fail(ErrorCodes.NOT_FOUND, "no credential " + credentialId) : Future.succeededFuture(c.copy());
  }

  @Override
  public Future<JsonObject> refreshCredential(String credentialId) {
    refreshes.incrementAndGet();
    JsonObject c = credentials.get(credentialId);
    String secret = refreshedSecrets.get(credentialId);
    if (c == null || secret == null) return ServiceException.fail(ErrorCodes.CONFLICT, "cannot refresh " + credentialId);
    c.put("secret", secret);
    return Future.succeededFuture(c.copy());
  }

  private static <T> Future<T> unsupported() {
    return ServiceException.fail(ErrorCodes.BAD_REQUEST, "not supported by the fake");
  }

  @Override public Future<JsonObject> createCredential(String userId, JsonObject spec) { return unsupported(); }
  @Override public Future<List<JsonObject>> listCredentials(String userId) { return unsupported(); }
  @Override public Future<JsonObject> getCredential(String userId, String credentialId) { return unsupported(); }
  @Override public Future<Void> deleteCredential(String userId, String credentialId) { return unsupported(); }
  @Override public Future<List<JsonObject>> listOAuthClients() { return unsupported(); }
  @Override public Future<JsonObject> createOAuthClient(JsonObject client) { return unsupported(); }
  @Override public Future<JsonObject> getOAuthClient(String clientId) { return unsupported(); }
  @Override public Future<JsonObject> updateOAuthClient(String clientId, JsonObject client) { return unsupported(); }
  @Override public Future<Void> deleteOAuthClient(String clientId) { return unsupported(); }
  @Override public Future<JsonObject> startOAuth(String userId, String provider, JsonObject body, String redirectUri) { return unsupported(); }
  @Override public Future<JsonObject> completeOAuth(String userId, String state, String code) { return unsupported(); }

  @Override
  public io.vertx.core.Future<java.util.List<io.vertx.core.json.JsonObject>> listOAuthClientPresets() {
    return io.vertx.core.Future.succeededFuture(java.util.List.of());
  }
}
