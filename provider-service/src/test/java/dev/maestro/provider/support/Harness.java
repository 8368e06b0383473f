package dev.maestro.provider.support;

import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.provider.ProviderServiceVerticle;
import dev.maestro.testkit.TestEnv;
import dev.maestro.testkit.fake.FakeUpstream;
import dev.maestro.testkit.services.FakeAuthService;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One Vert.x with a fake auth-service, the real ProviderServiceVerticle (through its event-bus proxy)
 * and fake upstreams on random ports.
 */
public final class Harness implements AutoCloseable {
  public final Vertx vertx;
  public final FakeAuthService auth = FakeAuthService.likeTheRealService();
  public final ProviderService service;

  private Harness(Vertx vertx, JsonObject settings) throws Exception {
    this.vertx = vertx;
    TestEnv.ensureDatabase(vertx).await(30, TimeUnit.SECONDS);
    new ServiceBinder(vertx).setAddress(AuthService.ADDRESS).register(AuthService.class, auth).completion()
        .await(10, TimeUnit.SECONDS);
    JsonObject config = TestEnv.config().mergeIn(settings);
    vertx.deployVerticle(new ProviderServiceVerticle(), new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    this.service = ProviderService.createProxy(vertx);
  }

  public static Harness start(JsonObject settings) throws Exception {
    return new Harness(Vertx.vertx(), settings);
  }

  /** The same on a given Vert.x (a cluster member). */
  public static Harness start(Vertx vertx, JsonObject settings) throws Exception {
    return new Harness(vertx, settings);
  }

  public FakeUpstream fake() throws Exception {
    return FakeUpstream.start(vertx, 0).await(10, TimeUnit.SECONDS);
  }

  /** Registers a credential for provider pointing at the fake; returns its id. */
  public String credential(String provider, FakeUpstream fake, String secret, String scheme) {
    String id = UUID.randomUUID().toString();
    String base = provider.startsWith("openai") ? fake.openAiBaseUrl() : fake.baseUrl();
    auth.put(id, provider, base, secret, scheme);
    return id;
  }

  public String credential(String provider, FakeUpstream fake) {
    return credential(provider, fake, "test-key-123", "api_key");
  }

  /** Opens a stream (its reply consumer is registered first) and returns its handle. */
  public StreamHandle stream(JsonObject request) throws Exception {
    return stream(service, request);
  }

  /** Like {@link #stream(JsonObject)} on another ProviderService (e.g. one built by the test). */
  public StreamHandle stream(ProviderService service, JsonObject request) throws Exception {
    StreamHandle h = new StreamHandle(UUID.randomUUID().toString());
    String address = "test.reply." + h.streamId;
    vertx.eventBus().<JsonObject>consumer(address, m -> h.add(m.body())).completion().await(5, TimeUnit.SECONDS);
    service.stream(request, address, h.streamId).await(10, TimeUnit.SECONDS);
    return h;
  }

  public static JsonObject request(String provider, String credentialId, String model, String userText) {
    return new JsonObject().put("provider", provider).put("credentialId", credentialId).put("model", model)
        .put("maxTokens", 1024)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", userText)));
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }
}
