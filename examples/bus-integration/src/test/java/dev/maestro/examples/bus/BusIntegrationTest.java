package dev.maestro.examples.bus;

import dev.maestro.auth.AuthServiceVerticle;
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
 * it for the user.
 */
class BusIntegrationTest {
  static Vertx local;
  static Vertx services;
  static Vertx integration;
  static FakeUpstream upstream;
  static HttpServer receiver;
  static final List<JsonObject> lines = new CopyOnWriteArrayList<>();
  static JsonObject config;

  @BeforeAll
  static void start() throws Exception {
    local = Vertx.vertx();
    TestEnv.ensureDatabase(local).await(30, TimeUnit.SECONDS);
    for (String schema : List.of("session", "auth", "tool", "provider")) TestEnv.dropSchema(local, schema).await(30, TimeUnit.SECONDS);
    config = TestEnv.config().mergeIn(TestClusterKey.settings())
        .put(MaestroConfig.CLUSTER_HOST, "127.0.0.1").put(MaestroConfig.CLUSTER_PORT, "15701")
        .put(MaestroConfig.CLUSTER_MEMBERS, "127.0.0.1");
    upstream = FakeUpstream.start(local, 0).await(20, TimeUnit.SECONDS);
    receiver = local.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      lines.add(new JsonObject(b.toString()));
      req.response().setStatusCode(200).end("ok");
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);

    services = ClusterNodes.start(config.getString(MaestroConfig.CLUSTER_NAME));
    for (var v : List.<java.util.function.Supplier<io.vertx.core.Deployable>>of(AuthServiceVerticle::new, ProviderServiceVerticle::new,
        ToolServiceVerticle::new, SessionServiceVerticle::new)) {
      services.deployVerticle(v, new DeploymentOptions().setConfig(config)).await(90, TimeUnit.SECONDS);
    }
    integration = BusIntegrationMain.join(MaestroConfig.of(config)).await(60, TimeUnit.SECONDS);
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
  }
}
