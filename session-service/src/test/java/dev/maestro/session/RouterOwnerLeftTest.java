package dev.maestro.session;

import dev.maestro.contracts.Addresses;
import dev.maestro.testkit.ClusterNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chaos session-kill (issue 17): a command forwarded to an owner whose node is killed outright was
 * answered by nobody and failed only at its 12-s timeout. It now fails as soon as the cluster sees
 * the node leave, and only commands that cannot take effect twice are run again by a new owner.
 */
class RouterOwnerLeftTest {
  static Vertx survivor;
  static Vertx doomed;

  @BeforeAll
  static void start() throws Exception {
    String cluster = "router-owner-left-" + UUID.randomUUID();
    survivor = ClusterNodes.start(cluster);
    doomed = ClusterNodes.start(cluster);
  }

  @AfterAll
  static void stop() {
    for (Vertx v : new Vertx[] {survivor, doomed}) {
      try {
        v.close().await(15, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // the killed node does not close cleanly
      }
    }
  }

  @Test
  void aForwardToANodeThatDiesUnansweredFailsWhenTheNodeLeavesNotAtItsTimeout() throws Exception {
    String doomedNode = ((VertxInternal) doomed).clusterManager().getNodeId();
    String owner = doomedNode + "/" + UUID.randomUUID();
    // the owner's router takes the command and never answers (as a process frozen or killed mid-answer)
    doomed.eventBus().consumer(Addresses.sessionRouter(owner), m -> { }).completion().await(10, TimeUnit.SECONDS);
    SessionRouter router = new SessionRouter(survivor, survivor.getOrCreateContext(), null, null, null, null, null, null);
    router.start().await(10, TimeUnit.SECONDS);

    long started = System.nanoTime();
    Future<JsonObject> answer = router.forward(owner, UUID.randomUUID().toString(), new JsonObject().put("op", "state"), 60_000);
    Thread.sleep(300); // (the request is on its way; nothing answers it)
    assertThat(answer.isComplete()).isFalse();
    ((HazelcastClusterManager) ((VertxInternal) doomed).clusterManager()).getHazelcastInstance().getLifecycleService().terminate();

    Throwable failure = null;
    try {
      answer.await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      failure = e;
    }
    assertThat(failure).isInstanceOf(SessionRouter.OwnerLeft.class);
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(30);
    router.stop().await(10, TimeUnit.SECONDS);
  }

  @Test
  void onlyReadsAndKeyedSendsAreRunAgainByTheNextOwner() {
    assertThat(SessionRouter.safeToRepeat(new JsonObject().put("op", "state"))).isTrue();
    assertThat(SessionRouter.safeToRepeat(new JsonObject().put("op", "events").put("afterSeq", 3))).isTrue();
    assertThat(SessionRouter.safeToRepeat(new JsonObject().put("op", "send").put("text", "x").put("idempotencyKey", "k1"))).isTrue();
    assertThat(SessionRouter.safeToRepeat(new JsonObject().put("op", "send").put("text", "x"))).isFalse();
    assertThat(SessionRouter.safeToRepeat(new JsonObject().put("op", "approve").put("callId", "c").put("decision", "allow"))).isFalse();
    assertThat(SessionRouter.safeToRepeat(new JsonObject().put("op", "cancel").put("asUser", "u"))).isFalse();
  }
}
