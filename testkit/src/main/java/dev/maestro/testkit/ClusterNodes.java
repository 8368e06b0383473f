package dev.maestro.testkit;

import dev.maestro.platform.ClusterSetup;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.concurrent.TimeUnit;

/** Clustered Vert.x nodes for tests: loopback only, a cluster name no developer cluster shares. */
public final class ClusterNodes {
  private ClusterNodes() {}

  public static Vertx start(String clusterName) throws Exception {
    VertxOptions options = new VertxOptions();
    options.getEventBusOptions().setHost("127.0.0.1").setTcpNoDelay(true);
    return Vertx.builder().with(options)
        .withClusterManager(new HazelcastClusterManager(ClusterSetup.hazelcast(clusterName, "127.0.0.1", 15701, "127.0.0.1")))
        .buildClustered().await(60, TimeUnit.SECONDS);
  }
}
