package dev.maestro.system;

import java.time.Duration;
import org.awaitility.Awaitility;
import dev.maestro.auth.AuthServiceVerticle;
import dev.maestro.gateway.GatewayVerticle;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.provider.ProviderServiceVerticle;
import dev.maestro.session.SessionServiceVerticle;
import dev.maestro.testkit.ClusterNodes;
import dev.maestro.testkit.TestEnv;
import dev.maestro.tool.ToolServiceVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Five services, each on its own clustered Vert.x (own HazelcastClusterManager), behind one /health. */
class ClusterHealthTest {
  static final List<Vertx> nodes = new ArrayList<>();
  static JsonObject config;
  static String clusterName;
  static WebClient client;
  static int port;
  static Vertx clientVertx;

  @BeforeAll
  static void startCluster() throws Exception {
    clientVertx = Vertx.vertx();
    TestEnv.ensureDatabase(clientVertx).await(30, TimeUnit.SECONDS);
    config = TestEnv.config();
    for (String schema : List.of("gateway", "session", "provider", "tool", "auth")) {
      TestEnv.dropSchema(clientVertx, schema).await(30, TimeUnit.SECONDS);  // each service starts from scratch
    }
    clusterName = config.getString(MaestroConfig.CLUSTER_NAME);
    for (Supplier<Deployable> v : List.<Supplier<Deployable>>of(AuthServiceVerticle::new, ProviderServiceVerticle::new,
        ToolServiceVerticle::new, SessionServiceVerticle::new)) {
      start(v);
    }
    GatewayVerticle gateway = new GatewayVerticle();
    start(() -> gateway);
    port = gateway.actualPort();
    client = WebClient.create(clientVertx);
  }

  static Vertx start(Supplier<Deployable> verticle) throws Exception {
    Vertx node = ClusterNodes.start(clusterName);
    node.deployVerticle(verticle, new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    nodes.add(node);
    return node;
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (Vertx node : nodes) node.close().await(30, TimeUnit.SECONDS);
    clientVertx.close().await(10, TimeUnit.SECONDS);
  }

  HttpResponse<Buffer> health() throws Exception {
    return client.get(port, "127.0.0.1", "/health").send().await(10, TimeUnit.SECONDS);
  }

  HttpResponse<Buffer> awaitHealth(Predicate<HttpResponse<Buffer>> condition, long withinMs) throws Exception {
    return Awaitility.await("/health").atMost(Duration.ofMillis(withinMs)).pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(200)).until(this::health, condition);
  }

  @Test
  void allUpThenOneDownThenUpAgain() throws Exception {
    HttpResponse<Buffer> up = awaitHealth(r -> r.statusCode() == 200, 10_000);
    assertThat(up.statusCode()).isEqualTo(200);
    JsonObject body = up.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("UP");
    assertThat(body.getJsonObject("services").getMap())
        .containsOnlyKeys("gateway", "session", "provider", "tool", "auth")
        .allSatisfy((k, v) -> assertThat(v).isEqualTo("UP"));
    assertThat(body.getString("postgres")).isEqualTo("UP");
    assertThat(body.getString("redis")).isEqualTo("UP");

    // stop the tool-service node → DOWN and DEGRADED within 10 s
    Vertx toolNode = nodes.get(2);
    long t0 = System.currentTimeMillis();
    toolNode.close().await(30, TimeUnit.SECONDS);
    nodes.remove(toolNode);
    HttpResponse<Buffer> degraded = awaitHealth(r -> r.statusCode() == 503, 10_000);
    assertThat(System.currentTimeMillis() - t0).isLessThan(10_000 + 30_000);
    assertThat(degraded.statusCode()).isEqualTo(503);
    assertThat(degraded.bodyAsJsonObject().getString("status")).isEqualTo("DEGRADED");
    assertThat(degraded.bodyAsJsonObject().getJsonObject("services").getString("tool")).isEqualTo("DOWN");
    assertThat(degraded.bodyAsJsonObject().getJsonObject("services").getString("session")).isEqualTo("UP");

    // start it again → UP
    start(ToolServiceVerticle::new);
    HttpResponse<Buffer> again = awaitHealth(r -> r.statusCode() == 200, 20_000);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject().getJsonObject("services").getString("tool")).isEqualTo("UP");
  }
}
