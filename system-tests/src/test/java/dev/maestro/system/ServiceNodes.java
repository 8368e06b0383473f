package dev.maestro.system;

import dev.maestro.auth.AuthServiceVerticle;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.provider.ProviderServiceVerticle;
import dev.maestro.session.SessionServiceVerticle;
import dev.maestro.testkit.ClusterNodes;
import dev.maestro.testkit.TestEnv;
import dev.maestro.tool.ToolServiceVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The services of a system test, each on its own clustered Vert.x as in production (one member per
 * service, talking over the clustered event bus with TLS under the JVM's test cluster key), all in
 * the test's JVM.
 */
final class ServiceNodes {
  private final JsonObject config;
  private final List<Vertx> nodes = new ArrayList<>();

  ServiceNodes(JsonObject config) {
    this.config = config;
  }

  /** A member of the cluster with nothing deployed (for the test's proxies, consumers and fakes). */
  Vertx member() throws Exception {
    Vertx node = ClusterNodes.start(config.getString(MaestroConfig.CLUSTER_NAME));
    nodes.add(node);
    return node;
  }

  /**
   * Starts from empty schemas (on the test database {@code via} points at), then deploys auth-,
   * provider-, tool- and session-service; the gateway is left to the test, which wants its port.
   */
  void deployBackends(Vertx via) throws Exception {
    for (String schema : List.of("gateway", "session", "auth", "tool", "provider")) {
      TestEnv.dropSchema(via, schema).await(30, TimeUnit.SECONDS);
    }
    deploy(AuthServiceVerticle::new);
    deploy(ProviderServiceVerticle::new);
    deploy(ToolServiceVerticle::new);
    deploy(SessionServiceVerticle::new);
  }

  /** Deploys a service verticle with the test's config on a new member, and returns that member. */
  Vertx deploy(Supplier<? extends Deployable> verticle) throws Exception {
    Vertx node = member();
    node.deployVerticle(verticle, new DeploymentOptions().setConfig(config)).await(90, TimeUnit.SECONDS);
    return node;
  }

  void close() throws Exception {
    for (Vertx node : nodes) node.close().await(30, TimeUnit.SECONDS);
  }
}
