package dev.maestro.bench.provider;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The benchmark's stand-in auth-service: fixed credentials pointing at the fake upstream. */
final class BenchAuthService implements AuthService {
  final Map<String, JsonObject> credentials = new ConcurrentHashMap<>();

  @Override
  public Future<JsonObject> resolveSecret(String id) {
    JsonObject c = credentials.get(id);
    return c == null ? ServiceException.fail(ErrorCodes.NOT_FOUND, "no credential " + id) : Future.succeededFuture(c);
  }

  private static <T> Future<T> no() {
    return ServiceException.fail(ErrorCodes.BAD_REQUEST, "not in the benchmark");
  }

  @Override public Future<JsonObject> refreshCredential(String id) { return no(); }
  @Override public Future<JsonObject> createCredential(String userId, JsonObject spec) { return no(); }
  @Override public Future<List<JsonObject>> listCredentials(String userId) { return no(); }
  @Override public Future<JsonObject> getCredential(String userId, String credentialId) { return no(); }
  @Override public Future<Void> deleteCredential(String userId, String credentialId) { return no(); }
  @Override public Future<List<JsonObject>> listOAuthClients() { return no(); }
  @Override public Future<JsonObject> createOAuthClient(JsonObject client) { return no(); }
  @Override public Future<JsonObject> getOAuthClient(String clientId) { return no(); }
  @Override public Future<JsonObject> updateOAuthClient(String clientId, JsonObject client) { return no(); }
  @Override public Future<Void> deleteOAuthClient(String clientId) { return no(); }
  @Override public Future<JsonObject> startOAuth(String userId, String provider, JsonObject body, String redirectUri) { return no(); }
  @Override public Future<JsonObject> completeOAuth(String userId, String state, String code) { return no(); }
}
