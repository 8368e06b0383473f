package dev.maestro.examples.bus;

import dev.maestro.auth.AuthServiceVerticle;
import dev.maestro.contracts.events.IntegrationEvents;
import dev.maestro.gateway.GatewayVerticle;
import dev.maestro.gateway.webhooks.WebhookSettings;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.client.WebClient;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.provider.ProviderServiceVerticle;
import dev.maestro.session.SessionServiceVerticle;
import dev.maestro.testkit.ClusterNodes;
import dev.maestro.testkit.TestClusterKey;
import dev.maestro.testkit.TestEnv;
import dev.maestro.testkit.fake.FakeUpstream;
import dev.maestro.tool.ToolServiceVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example against the real services: auth-, provider-, tool- and session-service on one cluster
 * member (as {@code up --single} runs them), the integration on a member of its own that joined with
 * the cluster key through {@link BusIntegrationMain#join} (platform's cluster setup, mutual TLS), the
 * testkit fake upstream as the model. A turn that calls an ask-policy tool makes the integration post
 * "approval waiting"; once denied, the turn completes and it posts the turn with its usage and counts
 * it for the user. Maestro's own webhook (the gateway, same cluster) to a receiver that is down during
 * the turn delivers the same session's events once it is up, in order and signed.
 */
class BusIntegrationTest {
  static Vertx local;
  static Vertx services;
  static Vertx integration;
  static FakeUpstream upstream;
  static HttpServer receiver;
  static final List<JsonObject> lines = new CopyOnWriteArrayList<>();
  static JsonObject config;
  static int gatewayPort;

  @BeforeAll
  static void start() throws Exception {
    local = Vertx.vertx();
    TestEnv.ensureDatabase(local).await(30, TimeUnit.SECONDS);
    for (String schema : List.of("gateway", "session", "auth", "tool", "provider")) TestEnv.dropSchema(local, schema).await(30, TimeUnit.SECONDS);
    config = TestEnv.config().mergeIn(TestClusterKey.settings())
        .put(MaestroConfig.CLUSTER_HOST, "127.0.0.1").put(MaestroConfig.CLUSTER_PORT, String.valueOf(TestEnv.clusterPort()))
        .put(MaestroConfig.CLUSTER_MEMBERS, "127.0.0.1")
        .put(WebhookSettings.POLL_MS, "100").put(WebhookSettings.BACKOFF_MS, "200").put(WebhookSettings.MAX_BACKOFF_MS, "1000");
    upstream = FakeUpstream.start(local, 0).await(20, TimeUnit.SECONDS);
    receiver = local.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      lines.add(new JsonObject(b.toString()));
      req.response().setStatusCode(200).end("ok");
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);

    services = ClusterNodes.start(config.getString(MaestroConfig.CLUSTER_NAME));
    // the integration joins while the services start: it is a member like them, not their client
    io.vertx.core.Future<Vertx> joining = BusIntegrationMain.join(MaestroConfig.of(config));
    // the five services start side by side (each migrates its own schema), as ./deploy/maestro up starts them
    GatewayVerticle gateway = new GatewayVerticle();
    List<io.vertx.core.Future<String>> deploying = new java.util.ArrayList<>();
    for (io.vertx.core.Deployable v : List.of(new AuthServiceVerticle(), new ProviderServiceVerticle(), new ToolServiceVerticle(),
        new SessionServiceVerticle(), gateway)) {
      deploying.add(services.deployVerticle(v, new DeploymentOptions().setConfig(config)));
    }
    io.vertx.core.Future.all(deploying).await(120, TimeUnit.SECONDS);
    gatewayPort = gateway.actualPort();
    integration = joining.await(60, TimeUnit.SECONDS);
    integration.deployVerticle(new BusIntegrationVerticle(), new DeploymentOptions().setConfig(new JsonObject()
        .put(BusIntegrationVerticle.WEBHOOK_URL, "http://127.0.0.1:" + receiver.actualPort() + "/hook")))
        .await(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    // the members leave at once (each Hazelcast shutdown takes seconds)
    List<io.vertx.core.Future<Void>> closing = new java.util.ArrayList<>();
    for (Vertx v : new Vertx[] {integration, services, local}) if (v != null) closing.add(v.close());
    io.vertx.core.Future.join(closing).await(60, TimeUnit.SECONDS);
  }

  @Test
  void postsTheApprovalWaitingAndTheCompletedTurnAndCountsUsagePerUser() throws Exception {
    String user = UUID.randomUUID().toString();
    // the test acts as the gateway would: through the services' contracts on the bus
    AuthService auth = AuthService.createProxy(services);
    SessionService sessions = SessionService.createProxy(services);
    String credential = auth.createCredential(user, new JsonObject().put("provider", "openai").put("kind", "api_key")
        .put("label", "fake").put("apiKey", "sk-bus-example-secret-1234").put("baseUrl", upstream.openAiBaseUrl()))
        .await(20, TimeUnit.SECONDS).getString("id");
    // Maestro's own webhook, for integrators not on the JVM, to a receiver that is down during the turn
    WebClient web = WebClient.create(local);
    String token = web.post(gatewayPort, "127.0.0.1", "/api/v1/auth/token").sendJsonObject(new JsonObject()
        .put("username", "admin").put("password", config.getString(MaestroConfig.ADMIN_PASSWORD)).put("name", "bus-example"))
        .await(20, TimeUnit.SECONDS).bodyAsJsonObject().getString("token");
    int hookPort;
    try (ServerSocket free = new ServerSocket(0)) {
      hookPort = free.getLocalPort();
    }
    JsonObject hook = web.post(gatewayPort, "127.0.0.1", "/api/v1/webhooks").bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("url", "http://127.0.0.1:" + hookPort + "/maestro")).await(20, TimeUnit.SECONDS)
        .bodyAsJsonObject();
    String secret = hook.getString("secret");

    String session = sessions.create(user, new JsonObject().put("provider", "openai").put("model", "gpt-4o-mini")
        .put("credentialId", credential)).await(20, TimeUnit.SECONDS).getString("id");

    sessions.send(user, session, "call tool run_command with {\"command\":\"ls\"}").await(20, TimeUnit.SECONDS);
    JsonObject waiting = Awaitility.await("approval line").atMost(Duration.ofSeconds(30)).until(() -> lines.stream()
        .filter(l -> l.getString("text").startsWith("Approval waiting")).findFirst(), java.util.Optional::isPresent).get();
    assertThat(waiting.getString("text")).contains("session " + session.substring(0, 8)).contains("tool run_command");
    String callId = waiting.getString("text").replaceAll(".*, call ", "");
    sessions.approve(user, session, callId, "deny").await(20, TimeUnit.SECONDS);

    JsonObject done = Awaitility.await("turn line").atMost(Duration.ofSeconds(30)).until(() -> lines.stream()
        .filter(l -> l.getString("text").startsWith("Turn ")).findFirst(), java.util.Optional::isPresent).get();
    assertThat(done.getString("text")).startsWith("Turn complete in session " + session.substring(0, 8));
    assertThat(done.encode()).doesNotContain("sk-bus-example-secret").doesNotContain("\"command\"");

    JsonObject usage = integration.eventBus().<JsonObject>request(BusIntegrationVerticle.USAGE_ADDRESS, new JsonObject())
        .await(10, TimeUnit.SECONDS).body();
    JsonObject mine = usage.getJsonObject(user);
    assertThat(mine.getLong("turns")).isEqualTo(1);
    assertThat(mine.getLong("inputTokens")).isPositive();
    assertThat(mine.getLong("outputTokens")).isPositive();
    assertThat(done.getString("text")).contains(mine.getLong("inputTokens") + " in / " + mine.getLong("outputTokens") + " out");

    // the webhook receiver comes up: it gets the session's events from the outbox, in order, signed
    List<MultiMap> heads = new CopyOnWriteArrayList<>();
    List<String> bodies = new CopyOnWriteArrayList<>();
    local.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      heads.add(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
      bodies.add(b.toString());
      req.response().setStatusCode(204).end();
    })).listen(hookPort, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Awaitility.await("webhook deliveries").atMost(Duration.ofSeconds(30))
        .until(() -> bodies.stream().filter(b -> b.contains(session)).count() >= 5);
    List<String> types = new java.util.ArrayList<>();
    for (int i = 0; i < bodies.size(); i++) {
      JsonObject e = new JsonObject(bodies.get(i));
      if (!session.equals(e.getString("sessionId"))) continue;
      types.add(e.getString("type"));
      assertThat(IntegrationEvents.problem(e)).isNull();
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String expected = "sha256=" + HexFormat.of().formatHex(mac.doFinal(
          (heads.get(i).get("X-Maestro-Timestamp") + "." + bodies.get(i)).getBytes(StandardCharsets.UTF_8)));
      assertThat(heads.get(i).get("X-Maestro-Signature")).isEqualTo(expected);
    }
    assertThat(types).containsExactly(IntegrationEvents.SESSION_CREATED, IntegrationEvents.TURN_STARTED,
        IntegrationEvents.APPROVAL_REQUIRED, IntegrationEvents.APPROVAL_ANSWERED, IntegrationEvents.TURN_COMPLETED);
  }
}
