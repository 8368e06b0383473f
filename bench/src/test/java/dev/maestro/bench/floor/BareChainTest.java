package dev.maestro.bench.floor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maestro.platform.ClusterKey;
import dev.maestro.platform.ClusterSetup;
import dev.maestro.platform.MaestroClusterManager;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.testkit.TestClusterKey;
import dev.maestro.testkit.TestEnv;
import dev.maestro.testkit.fake.FakeReply;
import dev.maestro.testkit.fake.FakeTurn;
import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bare chain works end to end as the bench runs it: P, S and G on three clustered nodes (production
 * cluster configuration, TLS bus under the test key), the fake upstream's chunks reach each client's
 * socket complete, in order, with contiguous seqs and no cross-talk, and each turn stored its three rows.
 */
class BareChainTest {
  private final List<Vertx> nodes = new ArrayList<>();
  private Vertx local;

  @AfterEach
  void close() throws Exception {
    for (Vertx v : nodes) v.close().await(30, TimeUnit.SECONDS);
    if (local != null) local.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void twoStreamsGetEveryChunkInOrderThroughThreeClusteredNodes() throws Exception {
    local = Vertx.vertx();
    FakeUpstream fake = FakeUpstream.start(local, 0).await(20, TimeUnit.SECONDS).recording(false);
    int chunks = 25;
    List<String> a = IntStream.range(0, chunks).mapToObj(i -> "a" + i).toList();
    List<String> b = IntStream.range(0, chunks).mapToObj(i -> "b" + i).toList();
    fake.enqueue(FakeReply.stream(FakeTurn.create().text(a.toArray(String[]::new))).chunkDelayMs(2));
    fake.enqueue(FakeReply.stream(FakeTurn.create().text(b.toArray(String[]::new))).chunkDelayMs(2));

    String pgUrl = TestEnv.pgUrl();
    int httpPort = BareChain.freePort();
    JsonObject config = new JsonObject().put(MaestroConfig.PG_URL, pgUrl).put(FloorBus.UPSTREAM_PORT, String.valueOf(fake.port()))
        .put(FloorBus.HTTP_PORT, String.valueOf(httpPort)).put(FloorBus.PG_POOL, "2");
    String cluster = "floor-test-" + UUID.randomUUID();
    int port = clusterPort();
    String members = "127.0.0.1:" + port + ",127.0.0.1:" + (port + 1) + ",127.0.0.1:" + (port + 2);
    for (String role : List.of("provider", "session", "gateway")) {
      Vertx node = clustered(cluster, port, members);
      nodes.add(node);
      node.deployVerticle(new BareChainMain.Roles(List.of(role)), new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    }
    awaitUp(httpPort);

    Map<String, List<JsonObject>> events = new ConcurrentHashMap<>();
    List<String> acks = new CopyOnWriteArrayList<>();
    CountDownLatch completed = new CountDownLatch(2);
    CountDownLatch subscribed = new CountDownLatch(2);
    List<WebSocket> sockets = new ArrayList<>();
    for (String stream : List.of("s1", "s2")) {
      events.put(stream, new CopyOnWriteArrayList<>());
      WebSocket ws = local.createWebSocketClient().connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(httpPort)
          .setURI("/api/v1/ws")).await(20, TimeUnit.SECONDS);
      ws.textMessageHandler(text -> {
        JsonObject f = new JsonObject(text);
        if ("ack".equals(f.getString("type"))) {
          acks.add(f.getString("action") + ":" + f.getString("sessionId"));
          if ("subscribe".equals(f.getString("action"))) subscribed.countDown();
        } else if ("event".equals(f.getString("type"))) {
          events.get(f.getString("sessionId")).add(f.getJsonObject("event"));
          if ("turn_completed".equals(f.getJsonObject("event").getString("type"))) completed.countDown();
        }
      });
      ws.writeTextMessage(new JsonObject().put("type", "subscribe").put("sessionId", stream).encode());
      sockets.add(ws);
    }
    assertThat(subscribed.await(20, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 2; i++) {
      sockets.get(i).writeTextMessage(new JsonObject().put("type", "send").put("sessionId", "s" + (i + 1)).put("text", "go").encode());
    }
    assertThat(completed.await(60, TimeUnit.SECONDS)).as("both turns completed; events %s", events).isTrue();

    List<List<String>> texts = new ArrayList<>();
    for (String stream : List.of("s1", "s2")) {
      List<JsonObject> ev = events.get(stream);
      // seq 1..chunks for the deltas, then the completion: contiguous, in order
      assertThat(ev).extracting(e -> e.getLong("seq")).containsExactlyElementsOf(
          IntStream.rangeClosed(1, chunks + 1).mapToObj(Long::valueOf).toList());
      assertThat(ev.get(chunks).getString("type")).isEqualTo("turn_completed");
      assertThat(ev.get(chunks).getString("status")).isEqualTo("complete");
      texts.add(ev.subList(0, chunks).stream().map(e -> e.getString("text")).toList());
    }
    // each stream got one whole reply, in order, and not the other's
    assertThat(texts).containsExactlyInAnyOrder(a, b);
    assertThat(acks).contains("send:s1", "send:s2");

    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(pgUrl)).using(local).build();
    try {
      assertThat(pool.query("SELECT count(*) FROM floor.turns").execute().await(20, TimeUnit.SECONDS).iterator().next().getLong(0))
          .isEqualTo(2);
      assertThat(pool.query("SELECT count(*) FROM floor.messages").execute().await(20, TimeUnit.SECONDS).iterator().next().getLong(0))
          .isEqualTo(4);
    } finally {
      pool.close();
    }
  }

  /** A member as a service's: ClusterSetup's Hazelcast and TLS event bus under the test cluster key. */
  private static Vertx clustered(String cluster, int port, String members) throws Exception {
    ClusterKey key = TestClusterKey.shared();
    return Vertx.builder().with(ClusterSetup.vertx("127.0.0.1", key))
        .withClusterManager(new MaestroClusterManager(ClusterSetup.hazelcast(key.hazelcastClusterName(cluster), "127.0.0.1", port, members)))
        .buildClustered().await(60, TimeUnit.SECONDS);
  }

  /** MAESTRO_BENCH_CLUSTER_PORT + 80 when set (engineers sharing a machine), else the testkit's range. */
  private static int clusterPort() {
    String bench = System.getenv("MAESTRO_BENCH_CLUSTER_PORT");
    return bench == null || bench.isBlank() ? TestEnv.clusterPort() : Integer.parseInt(bench.trim()) + 80;
  }

  /** Polls G's /health: UP once a request crossed G → S → P and back. */
  private void awaitUp(int httpPort) throws Exception {
    WebClient http = WebClient.create(local);
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        if (http.get(httpPort, "127.0.0.1", "/health").send().await(5, TimeUnit.SECONDS).statusCode() == 200) return;
      } catch (Exception notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the bare chain did not come UP");
  }
}
