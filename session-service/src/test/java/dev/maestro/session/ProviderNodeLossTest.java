package dev.maestro.session;

import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.testkit.ClusterNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static dev.maestro.session.FakeProvider.hold;
import static dev.maestro.session.FakeProvider.text;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider stream whose serving provider-service node leaves the session node's view of the cluster
 * (killed, or cut off by a partition) ends at once with upstream_unavailable: nothing it would still send
 * can arrive. Before, the turn waited for the stream idle timeout (180 s by default; chaos partition: turns
 * "running" on the cut-off host for minutes, their sessions never recovered).
 */
class ProviderNodeLossTest {
  static SessionCluster cluster;
  static Vertx providerNode;

  @BeforeAll
  static void start() throws Exception {
    cluster = SessionCluster.start("session-provider-loss", (JsonObject) null);
    // the member the stream names as its server (the fakes themselves run on the test's client node)
    providerNode = ClusterNodes.start(cluster.name);
  }

  @AfterAll
  static void stop() {
    cluster.close();
    try {
      providerNode.close().await(15, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // a terminated member does not close cleanly
    }
  }

  @Test
  void aStreamEndsWhenItsProviderNodeLeaves() throws Exception {
    Harness fakes = cluster.fakes;
    String user = Harness.newUser();
    SessionService sessions = SessionService.createProxy(cluster.clientNode);
    String id = await(sessions.create(user, new JsonObject().put("title", "provider loss").put("provider", "anthropic")
        .put("model", "claude-sonnet-4-5"))).getString("id");
    Harness.Recorder rec = fakes.record(id);
    fakes.provider.servedBy = dev.maestro.platform.DeadRequesterWatch.localNode(providerNode);
    try {
      fakes.provider.script(text("half a reply "), hold("never released"));
      JsonObject ack = await(sessions.send(user, id, "hello"));
      rec.awaitType("delta");

      long killedAt = System.nanoTime();
      SessionCluster.kill(providerNode);

      JsonObject done = rec.await(e -> "turn_completed".equals(e.getString("type")), 20_000).getJsonObject("event");
      assertThat(done.getString("turnId")).isEqualTo(ack.getString("turnId"));
      assertThat(done.getString("status")).isEqualTo("error");
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killedAt)).isLessThan(20);
      assertThat(rec.events.toString()).contains(ProviderEvents.UPSTREAM_UNAVAILABLE);
    } finally {
      fakes.provider.servedBy = null;
    }
  }
}
