package dev.maestro.provider;

import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.platform.DeadRequesterWatch;
import dev.maestro.provider.support.Harness;
import dev.maestro.provider.support.StreamHandle;
import dev.maestro.testkit.ClusterNodes;
import dev.maestro.testkit.fake.FakeRequest;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A stream requested by a session node that dies (its Hazelcast member terminated, as by kill -9) is
 * cancelled: the upstream connection closes instead of generating for nobody ({@link DeadRequesterWatch}).
 */
class DeadRequesterStreamTest {
  static Harness h;
  static Vertx requester;

  @BeforeAll
  static void start() throws Exception {
    String cluster = "provider-dead-requester-" + UUID.randomUUID();
    h = Harness.start(ClusterNodes.start(cluster), new JsonObject());
    requester = ClusterNodes.start(cluster);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      requester.close().await(15, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // the terminated member may not close cleanly
    }
    h.close();
  }

  @Test
  void theUpstreamConnectionClosesWhenTheRequesterLeaves() throws Exception {
    FakeUpstream fake = h.fake();
    String cred = h.credential("anthropic", fake);
    StreamHandle orphan = h.stream(Harness.request("anthropic", cred, "claude-sonnet-4-5", "a slow one please")
        .put(DeadRequesterWatch.FIELD, DeadRequesterWatch.localNode(requester)));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !orphan.ofType("text").isEmpty());
    FakeRequest upstream = fake.lastRequest();
    // a stream of a node that stays (the provider's own here) goes on
    StreamHandle kept = h.stream(Harness.request("anthropic", cred, "claude-sonnet-4-5", "another slow one")
        .put(DeadRequesterWatch.FIELD, DeadRequesterWatch.localNode(h.vertx)));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !kept.ofType("text").isEmpty());
    assertThat(upstream.connectionClosed().isComplete()).isFalse();

    ((HazelcastClusterManager) ((VertxInternal) requester).clusterManager()).getHazelcastInstance().getLifecycleService().terminate();

    upstream.connectionClosed().await(20, TimeUnit.SECONDS);
    orphan.awaitEnd(Duration.ofSeconds(5));
    assertThat(orphan.last().getString("code")).isEqualTo(ProviderEvents.CANCELLED);
    // the other stream runs to its end
    kept.awaitEnd(Duration.ofSeconds(30));
    assertThat(kept.last().getString("type")).as("%s", kept.types()).isEqualTo(ProviderEvents.DONE);
    fake.close();
  }

  /**
   * A requester outside this cluster's view (it left, or a healed partition has not merged yet) is refused
   * in the reply, which reaches it directly: a started stream's events could not (chaos partition: the
   * stream was cancelled here at once, its CANCELLED event went nowhere and the turn waited 180 s).
   */
  @Test
  void aStreamOfANodeNotInTheClusterIsRefusedInTheReply() throws Exception {
    FakeUpstream fake = h.fake();
    int before = fake.requests().size();
    assertThatThrownBy(() -> h.stream(Harness.request("anthropic", h.credential("anthropic", fake), "claude-sonnet-4-5", "a slow one please")
        .put(DeadRequesterWatch.FIELD, "no-such-node")))
        .isInstanceOfSatisfying(io.vertx.serviceproxy.ServiceException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(dev.maestro.contracts.ErrorCodes.UNAVAILABLE);
          assertThat(e.getMessage()).contains("not a member of this cluster");
        });
    assertThat(fake.requests()).hasSize(before);
    fake.close();
  }
}
