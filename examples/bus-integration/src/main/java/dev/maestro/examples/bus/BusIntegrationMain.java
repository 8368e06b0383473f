package dev.maestro.examples.bus;

import dev.maestro.platform.ClusterKey;
import dev.maestro.platform.ClusterSetup;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.platform.ServiceMain;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Runs the example as a cluster member, as any Maestro service runs: the same MAESTRO_CLUSTER_*
 * settings and cluster key ({@code ./deploy/maestro cluster-key}), one line and exit 1 when it cannot.
 * <pre>
 *   BUS_INTEGRATION_WEBHOOK_URL=https://hooks.example/T000/B000 \
 *   java $(. deploy/jvm-flags; echo $HZ_FLAGS) -jar examples/bus-integration/target/bus-integration-example-*-fat.jar
 * </pre>
 */
public final class BusIntegrationMain {
  private BusIntegrationMain() {}

  public static void main(String[] args) {
    ServiceMain.run("bus-integration", BusIntegrationVerticle::new);
  }

  /**
   * Joins the cluster the way {@link ServiceMain} does (platform's {@link ClusterSetup}: TCP/IP join with
   * MAESTRO_CLUSTER_MEMBERS, bound to MAESTRO_CLUSTER_HOST, event bus TLS with mutual authentication under
   * the key); for embedding the integration in a program of one's own, and for its test.
   */
  public static Future<Vertx> join(MaestroConfig config) {
    ClusterKey key = ClusterKey.load(config);
    return Vertx.builder()
        .with(ClusterSetup.vertx(config.get(MaestroConfig.CLUSTER_HOST), config.getInt(MaestroConfig.CLUSTER_BUS_PORT), key))
        .withClusterManager(new HazelcastClusterManager(ClusterSetup.hazelcast(config, key)))
        .buildClustered();
  }
}
