package dev.maestro.system;

import dev.maestro.platform.MaestroConfig;
import dev.maestro.testkit.ClusterNodes;
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
 * service, talking over the clustered event bus), all in the test's JVM.
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

  /** Deploys a service verticle with the test's config on a new member. */
  void deploy(Supplier<? extends Deployable> verticle) throws Exception {
    member().deployVerticle(verticle, new DeploymentOptions().setConfig(config)).await(90, TimeUnit.SECONDS);
  }

  void close() throws Exception {
    for (Vertx node : nodes) node.close().await(30, TimeUnit.SECONDS);
  }
}
