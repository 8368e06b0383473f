package dev.maestro.session;

import dev.maestro.testkit.ClusterNodes;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Session-service nodes in one Hazelcast cluster, with the provider and tool fakes on a member of their own
 * that the tests also use as the client: what the failover, fencing and drain tests share.
 */
final class SessionCluster implements AutoCloseable {
  final Vertx clientNode;
  final Harness fakes;
  final List<Harness> nodes = new ArrayList<>();
  /** The Hazelcast cluster's name: another member joins with ClusterNodes.start(name). */
  final String name;

  private SessionCluster(String name, Vertx clientNode, Harness fakes) {
    this.name = name;
    this.clientNode = clientNode;
    this.fakes = fakes;
  }

  /** One session node per config (null: defaults), on a fresh schema; returns once the service answers. */
  static SessionCluster start(String name, JsonObject... nodeConfigs) throws Exception {
    Harness.resetSchema();
    String cluster = name + "-" + UUID.randomUUID();
    Vertx client = ClusterNodes.start(cluster);
    SessionCluster c = new SessionCluster(cluster, client, Harness.startFakesOnly(client));
    for (JsonObject config : nodeConfigs) c.nodes.add(Harness.start(ClusterNodes.start(cluster), config, false));
    Harness.awaitSessionServiceFrom(client);
    return c;
  }

  Harness node(int i) {
    return nodes.get(i);
  }

  /** The session's owner entry as the cluster sees it (null: none). */
  String owner(String sessionId) throws Exception {
    return clientNode.sharedData().<String, String>getAsyncMap(SessionRouter.OWNERS).compose(m -> m.get(sessionId))
        .await(10, TimeUnit.SECONDS);
  }

  /** The node whose router is the session's owner. */
  Harness ownerOf(String sessionId) throws Exception {
    String owner = owner(sessionId);
    return nodes.stream().filter(n -> n.verticle.router().ownerId().equals(owner)).findFirst().orElseThrow();
  }

  /** As kill -9 looks to the others: its Hazelcast member terminated, no clean leave. */
  static void kill(Harness node) {
    kill(node.vertx);
  }

  static void kill(Vertx member) {
    ((HazelcastClusterManager) ((VertxInternal) member).clusterManager()).getHazelcastInstance()
        .getLifecycleService().terminate();
  }

  @Override
  public void close() {
    List<Vertx> all = new ArrayList<>();
    nodes.forEach(n -> all.add(n.vertx));
    all.add(clientNode);
    for (Vertx v : all) {
      try {
        v.close().await(15, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // a killed node does not close cleanly
      }
    }
  }
}
