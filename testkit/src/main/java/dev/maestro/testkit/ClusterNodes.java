package dev.maestro.testkit;

import dev.maestro.platform.ClusterKey;
import dev.maestro.platform.ClusterSetup;
import dev.maestro.platform.MaestroClusterManager;
import dev.maestro.platform.Observability;
import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;

/**
 * Clustered Vert.x nodes for tests, configured as production members: loopback only, a cluster name
 * no developer cluster shares, event bus TLS under the JVM's test cluster key ({@link TestClusterKey}).
 */
public final class ClusterNodes {
  private ClusterNodes() {}

  public static Vertx start(String clusterName) throws Exception {
    return start(clusterName, TestClusterKey.shared());
  }

  /** A member whose metrics and traces are set up as a service's are ({@link Observability}). */
  public static Vertx start(String clusterName, Observability observability) throws Exception {
    ClusterKey key = TestClusterKey.shared();
    return observability.applyTo(Vertx.builder(), ClusterSetup.vertx("127.0.0.1", key))
        .withClusterManager(new MaestroClusterManager(
            ClusterSetup.hazelcast(key.hazelcastClusterName(clusterName), "127.0.0.1", TestEnv.clusterPort(), "127.0.0.1")))
        .buildClustered().await(60, TimeUnit.SECONDS);
  }

  /** A member holding the given key (the Hazelcast cluster name is derived from it, see ClusterKey). */
  public static Vertx start(String clusterName, ClusterKey key) throws Exception {
    return Vertx.builder().with(ClusterSetup.vertx("127.0.0.1", key))
        .withClusterManager(new MaestroClusterManager(
            ClusterSetup.hazelcast(key.hazelcastClusterName(clusterName), "127.0.0.1", TestEnv.clusterPort(), "127.0.0.1")))
        .buildClustered().await(60, TimeUnit.SECONDS);
  }
}
