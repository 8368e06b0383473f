package dev.maestro.gateway.fakes;

import dev.maestro.contracts.provider.ProviderService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

public class FakeProviderService implements ProviderService {
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
    return Future.succeededFuture(List.of(new JsonObject().put("id", "model-1").put("provider", provider == null ? "openai" : provider)
        .put("displayName", "Model One").put("credentialId", credentialId)));
  }

  @Override
  public Future<JsonObject> validateCredential(String credentialId) {
    return Future.succeededFuture(new JsonObject().put("ok", true).put("message", "fine"));
  }
}
