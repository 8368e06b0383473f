package dev.maestro.provider;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.map.MapEvent;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.provider.support.Harness;
import dev.maestro.provider.support.StreamHandle;
import dev.maestro.testkit.ClusterNodes;
import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
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
 * Issue 14: a stream registers no cluster-wide consumer (each registration is a Hazelcast subscription put and
 * remove, an entry event to every member of the cluster, per turn); cancel still reaches the stream from
 * another node through the one cancel consumer per provider node.
 */
class ClusterCancelTest {
  /** vertx-hazelcast's subscription multimap (MaestroClusterManager.SUBS). */
  private static final String SUBS = "__vertx.subs";
  static Harness provider;
  static Vertx other;

  @BeforeAll
  static void start() throws Exception {
    String cluster = "provider-cancel-" + UUID.randomUUID();
    provider = Harness.start(ClusterNodes.start(cluster), new JsonObject());
    other = ClusterNodes.start(cluster);
  }

  @AfterAll
  static void stop() throws Exception {
    other.close().await(20, TimeUnit.SECONDS);
    provider.close();
  }

  @Test
  void streamsChangeNoClusterSubscription() throws Exception {
    FakeUpstream fake = provider.fake();
    String cred = provider.credential("anthropic", fake);
    // every subscription added or removed anywhere in the cluster, as another member sees it
    List<String> changes = new CopyOnWriteArrayList<>();
    UUID listener = hazelcast(other).<String, Object>getMultiMap(SUBS).addEntryListener(new Recorder(changes), false);
    try {
      List<StreamHandle> streams = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        streams.add(provider.stream(Harness.request("anthropic", cred, "claude-sonnet-4-5", "hello " + i)));
      }
      for (StreamHandle s : streams) {
        s.awaitEnd(Duration.ofSeconds(20));
        assertThat(s.last().getString("type")).as("%s", s.types()).isEqualTo(ProviderEvents.DONE);
      }
      // the test's own reply consumers ("test.reply.<streamId>") are the session's per-owner address in real life
      assertThat(changes.stream().filter(k -> !k.contains("test.reply.")).toList())
          .as("subscription changes made by 5 streams").isEmpty();
      // the listener works: it sees a registration made now
      other.eventBus().consumer("test.reply.probe", m -> { }).completion().await(5, TimeUnit.SECONDS);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> changes.contains("added test.reply.probe"));
    } finally {
      hazelcast(other).getMultiMap(SUBS).removeEntryListener(listener);
      fake.close().await(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aCancelFromAnotherNodeStopsThatStreamOnlyOnTheNodeRunningIt() throws Exception {
    FakeUpstream fake = provider.fake();
    String cred = provider.credential("gemini", fake);
    StreamHandle cancelled = provider.stream(Harness.request("gemini", cred, "gemini-2.5-pro", "slow please"));
    StreamHandle kept = provider.stream(Harness.request("gemini", cred, "gemini-2.5-pro", "slow too"));
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> !cancelled.ofType("text").isEmpty() && !kept.ofType("text").isEmpty());
    // ProviderService.cancel on a node that does not run the stream (the proxy may land on any provider node)
    ProviderSettings settings = ProviderSettings.from(new JsonObject());
    ProviderServiceImpl elsewhere = new ProviderServiceImpl(other, settings,
        new Credentials(AuthService.createProxy(other)), new UpstreamClients(other, settings,
        dev.maestro.platform.MaestroConfig.of(new JsonObject()).outboundPolicy()));
    elsewhere.cancel(cancelled.streamId).await(5, TimeUnit.SECONDS);
    cancelled.awaitEnd(Duration.ofSeconds(3));
    assertThat(cancelled.last().getString("code")).isEqualTo(ProviderEvents.CANCELLED);
    // the other stream goes on to its end; an unknown or finished stream's cancel is a no-op, as before
    elsewhere.cancel(cancelled.streamId).await(5, TimeUnit.SECONDS);
    elsewhere.cancel("no-such-stream").await(5, TimeUnit.SECONDS);
    kept.awaitEnd(Duration.ofSeconds(20));
    assertThat(kept.last().getString("type")).as("%s", kept.types()).isEqualTo(ProviderEvents.DONE);
    fake.close().await(5, TimeUnit.SECONDS);
  }

  private static com.hazelcast.core.HazelcastInstance hazelcast(Vertx vertx) {
    return ((HazelcastClusterManager) ((VertxInternal) vertx).clusterManager()).getHazelcastInstance();
  }

  private record Recorder(List<String> changes) implements EntryListener<String, Object> {
    @Override public void entryAdded(EntryEvent<String, Object> e) { changes.add("added " + e.getKey()); }
    @Override public void entryRemoved(EntryEvent<String, Object> e) { changes.add("removed " + e.getKey()); }
    @Override public void entryUpdated(EntryEvent<String, Object> e) { changes.add("updated " + e.getKey()); }
    @Override public void entryEvicted(EntryEvent<String, Object> e) { changes.add("evicted " + e.getKey()); }
    @Override public void entryExpired(EntryEvent<String, Object> e) { changes.add("expired " + e.getKey()); }
    @Override public void mapCleared(MapEvent e) { }
    @Override public void mapEvicted(MapEvent e) { }
  }
}
