package dev.maestro.testkit.services;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A stand-in for provider-service where no provider cloud is wanted: a fixed model list, and a key
 * check that either accepts everything or looks the credential's secret up (in a {@link FakeAuthService}
 * or through the real auth-service) and accepts only good keys. Streams are accepted and send nothing.
 */
public final class FakeProviderService implements ProviderService {
  private final Function<String, Future<JsonObject>> credentials;
  private final Predicate<String> goodKey;
  private volatile List<JsonObject> models = List.of(new JsonObject().put("id", "model-1").put("displayName", "Model One"));

  private FakeProviderService(Function<String, Future<JsonObject>> credentials, Predicate<String> goodKey) {
    this.credentials = credentials;
    this.goodKey = goodKey;
  }

  /** Every credential checks out, without being looked up. */
  public static FakeProviderService acceptingEveryKey() {
    return new FakeProviderService(null, key -> true);
  }

  /** Checks the secret of a credential held by the fake auth-service; an unknown credential is 404. */
  public static FakeProviderService checkingKeys(FakeAuthService auth, Predicate<String> goodKey) {
    return new FakeProviderService(id -> {
      JsonObject c = auth.credentials.get(id);
      return c == null ? ServiceException.fail(ErrorCodes.NOT_FOUND, "credential not found") : Future.succeededFuture(c.copy());
    }, goodKey);
  }

  /** Resolves the secret through auth-service, as the real provider-service does. */
  public static FakeProviderService checkingKeys(AuthService auth, Predicate<String> goodKey) {
    return new FakeProviderService(auth::resolveSecret, goodKey);
  }

  /** The models every listModels answers (each gets the asked provider and credential). */
  public FakeProviderService models(JsonObject... models) {
    this.models = Arrays.stream(models).map(JsonObject::copy).toList();
    return this;
  }

  @Override
  public Future<Void> stream(JsonObject request, String replyAddress, String streamId) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> cancel(String streamId) {
    return Future.succeededFuture();
  }

  @Override
  public Future<List<JsonObject>> listModels(String provider, String credentialId) {
    return Future.succeededFuture(models.stream().map(m -> m.copy().put("provider", provider == null ? "openai" : provider)
        .put("credentialId", credentialId)).toList());
  }

  @Override
  public Future<JsonObject> validateCredential(String credentialId) {
    if (credentials == null) return Future.succeededFuture(new JsonObject().put("ok", true).put("message", "fine"));
    return credentials.apply(credentialId).map(c -> goodKey.test(c.getString("secret", ""))
        ? new JsonObject().put("ok", true).put("message", "key accepted by " + c.getString("provider"))
        : new JsonObject().put("ok", false).put("message", "401 invalid x-api-key"));
  }
}
