package dev.maestro.webui.harness;

import dev.maestro.testkit.services.FakeAuthService;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.provider.ProviderService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.List;

/** Model lists and key checks (a key starting with "sk-" is accepted). */
public final class FakeProviderService implements ProviderService {
  private final FakeAuthService auth;

  public FakeProviderService(FakeAuthService auth) {
    this.auth = auth;
  }

  @Override
  public Future<Void> stream(JsonObject request, String replyAddress, String streamId) {
    return ServiceException.fail(ErrorCodes.BAD_REQUEST, "not used by the web UI");
  }

  @Override
  public Future<Void> cancel(String streamId) {
    return Future.succeededFuture();
  }

  @Override
  public Future<List<JsonObject>> listModels(String provider, String credentialId) {
    return Future.succeededFuture(List.of(
        new JsonObject().put("id", "fake-small").put("provider", provider).put("displayName", "Fake Small"),
        new JsonObject().put("id", "fake-large").put("provider", provider).put("displayName", "Fake Large <b>beta</b>")));
  }

  @Override
  public Future<JsonObject> validateCredential(String credentialId) {
    JsonObject c = auth.credentials.get(credentialId);
    if (c == null) return ServiceException.fail(ErrorCodes.NOT_FOUND, "credential not found");
    boolean ok = c.getString("secret", "").startsWith("sk-");
    return Future.succeededFuture(new JsonObject().put("ok", ok).put("message", ok ? "ok" : "401 invalid x-api-key"));
  }
}
