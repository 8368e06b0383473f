package dev.maestro.auth;

import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Stands in for provider-service on the bus: validateCredential resolves the key through
 * auth-service (as the real one does) and accepts it only when it is the known good key.
 */
final class FakeProviderService implements ProviderService {
  static final String GOOD_KEY = "sk-good-0123456789abcdefWXYZ";
  private final AuthService auth;

  FakeProviderService(Vertx vertx) {
    this.auth = AuthService.createProxy(vertx);
  }

  @Override
  public Future<JsonObject> validateCredential(String credentialId) {
    return auth.resolveSecret(credentialId).map(r -> GOOD_KEY.equals(r.getString("secret"))
        ? new JsonObject().put("ok", true).put("message", "key accepted by " + r.getString("provider"))
        : new JsonObject().put("ok", false).put("message", "401 invalid x-api-key"));
  }

  @Override
  public Future<Void> stream(JsonObject request, String replyAddress, String streamId) {
    return Future.failedFuture("not used");
  }

  @Override
  public Future<Void> cancel(String streamId) {
    return Future.failedFuture("not used");
  }

  @Override
  public Future<List<JsonObject>> listModels(String provider, String credentialId) {
    return Future.failedFuture("not used");
  }
}
