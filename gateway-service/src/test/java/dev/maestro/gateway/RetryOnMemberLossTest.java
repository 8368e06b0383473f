package dev.maestro.gateway;

import dev.maestro.contracts.session.SessionService;
import dev.maestro.platform.DeadRequesterWatch;
import dev.maestro.platform.RetryOnMemberLoss;
import dev.maestro.testkit.ClusterNodes;
import io.vertx.core.Future;
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
 * Chaos session-kill (issue 17): a request the gateway hands to a session node killed outright was never
 * answered, and the client waited the proxy's 15-s timeout. With the node gone from the cluster, the
 * gateway's safe calls (reads, keyed sends) are sent again and answered by a survivor; the others are not
 * repeated (they may have taken effect).
 */
class RetryOnMemberLossTest {
  static Vertx gateway;
  static Vertx doomed;

  @BeforeAll
  static void start() throws Exception {
    String cluster = "retry-member-loss-" + UUID.randomUUID();
    gateway = ClusterNodes.start(cluster);
    doomed = ClusterNodes.start(cluster);
  }

  @AfterAll
  static void stop() {
    for (Vertx v : new Vertx[] {gateway, doomed}) {
      try {
        v.close().await(15, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // the killed node does not close cleanly
      }
    }
  }

  @Test
  void aReadHandedToANodeThatDiesIsAnsweredByASurvivorAndAnUnkeyedSendIsNotRepeated() throws Exception {
    List<String> reachedDoomed = new CopyOnWriteArrayList<>();
    List<String> reachedSurvivor = new CopyOnWriteArrayList<>();
    // the only session node at first: takes every request and answers none (frozen, then killed)
    doomed.eventBus().<JsonObject>consumer(SessionService.ADDRESS, m -> reachedDoomed.add(m.headers().get("action")))
        .completion().await(10, TimeUnit.SECONDS);
    SessionService sessions = RetryOnMemberLoss.wrap(gateway, SessionService.class, SessionService.createProxy(gateway),
        GatewayVerticle.SAFE_TO_REPEAT, DeadRequesterWatch.start(gateway));

    long started = System.nanoTime();
    Future<JsonObject> read = sessions.get("user-1", "session-1");
    Future<JsonObject> send = sessions.send("user-1", "session-1", "no key: must not be sent twice");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> reachedDoomed.size() == 2);

    // a surviving session node (here on the gateway's member, which keeps the test to two members)
    gateway.eventBus().<JsonObject>consumer(SessionService.ADDRESS, m -> {
      reachedSurvivor.add(m.headers().get("action"));
      m.reply(new JsonObject().put("id", "session-1").put("answeredBy", "survivor"));
    }).completion().await(10, TimeUnit.SECONDS);
    ((HazelcastClusterManager) ((VertxInternal) doomed).clusterManager()).getHazelcastInstance().getLifecycleService().terminate();

    JsonObject answer = read.await(14, TimeUnit.SECONDS);
    assertThat(answer.getString("answeredBy")).isEqualTo("survivor");
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(15);
    assertThat(reachedSurvivor).containsExactly("get");
    assertThat(send.isComplete()).isFalse();
  }
}
