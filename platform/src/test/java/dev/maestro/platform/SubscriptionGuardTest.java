package dev.maestro.platform;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.core.EntryAdapter;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.multimap.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.impl.HazelcastRegistrationInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A live node's event-bus registrations survive a stale clean-up (chaos: a partition healed, then a session
 * node killed): provider-service saw "no handlers" for auth-service's addresses for minutes because a
 * member of the cut-off side deleted auth-service's subscriptions from the merged map. Two real members;
 * the deletions are done on the map as vertx-hazelcast's clean-up does them.
 */
class SubscriptionGuardTest {
  private static final String ADDRESS = "maestro.test.guarded";
  private static Vertx a;
  private static Vertx b;

  @BeforeAll
  static void cluster() throws Exception {
    String name = "subs-guard-" + UUID.randomUUID();
    int port = 16901 + 100 * fork();
    a = member(name, port);
    b = member(name, port);
    // every entry counts as settled at once (in service: 2 s after it was made)
    manager(a).settledAfter(0);
    manager(b).settledAfter(0);
    a.eventBus().consumer(ADDRESS, m -> m.reply("pong from a")).completion().await(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(20)).until(() -> ping(b).equals("pong from a"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (b != null) b.close().await(20, TimeUnit.SECONDS);
    if (a != null) a.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void aLiveNodesEntryDeletedByAnotherMemberIsPutBackAndServedAgain() {
    MultiMap<String, HazelcastRegistrationInfo> subs = hazelcast(b).getMultiMap(MaestroClusterManager.SUBS);
    List<HazelcastRegistrationInfo> mine = entriesOf(subs, a);
    assertThat(mine).hasSize(1);

    // what a stale removeAllForNodes does: delete the live node's entry from the shared map
    assertThat(subs.remove(ADDRESS, mine.get(0))).isTrue();

    // a puts it back at once and b's selection is told again: served, without any membership change
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(entriesOf(subs, a)).hasSize(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> ping(b).equals("pong from a"));
  }

  @Test
  void aDepartureHandledAfterTheNodeCameBackDeletesNothing() throws Exception {
    MaestroClusterManager cmA = manager(a);
    HazelcastInstance hzB = hazelcast(b);
    AtomicInteger deletionsOfB = new AtomicInteger();
    String nodeB = manager(b).getNodeId();
    UUID listener = hazelcast(a).<String, HazelcastRegistrationInfo>getMultiMap(MaestroClusterManager.SUBS)
        .addEntryListener(new EntryAdapter<String, HazelcastRegistrationInfo>() {
          @Override
          public void entryRemoved(EntryEvent<String, HazelcastRegistrationInfo> e) {
            HazelcastRegistrationInfo v = e.getOldValue() != null ? e.getOldValue() : e.getValue();
            if (v != null && v.unwrap().nodeId().equals(nodeB)) deletionsOfB.incrementAndGet();
          }
        }, true);
    try {
      b.eventBus().consumer("maestro.test.b", m -> m.reply("pong from b")).completion().await(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> "pong from b".equals(request(a, "maestro.test.b")));

      // a member-removed event for b handled while b is a member (queued behind a merge)
      Member memberB = hzB.getCluster().getLocalMember();
      cmA.memberRemoved(new MembershipEvent(hazelcast(a).getCluster(), memberB, MembershipEvent.MEMBER_REMOVED,
          hazelcast(a).getCluster().getMembers()));
      cmA.awaitQuiet(10_000);

      assertThat(deletionsOfB).hasValue(0);
      assertThat(request(a, "maestro.test.b")).isEqualTo("pong from b");
    } finally {
      hazelcast(a).getMultiMap(MaestroClusterManager.SUBS).removeEntryListener(listener);
    }
  }

  @Test
  void anEntryLostWithoutAnEventIsPutBackWhenAMemberJoins() throws Exception {
    MaestroClusterManager cmA = manager(a);
    MultiMap<String, HazelcastRegistrationInfo> subs = hazelcast(b).getMultiMap(MaestroClusterManager.SUBS);
    a.eventBus().consumer("maestro.test.lost", m -> m.reply("pong lost")).completion().await(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> "pong lost".equals(request(b, "maestro.test.lost")));
    // a partition's replicas all on the other side: the entry is gone and a heard nothing of it
    cmA.stopGuard();
    try {
      for (HazelcastRegistrationInfo r : List.copyOf(subs.get("maestro.test.lost"))) subs.remove("maestro.test.lost", r);
      assertThat(subs.get("maestro.test.lost")).isEmpty();

      // a member joins (the two sides of a healed partition meeting again)
      Member memberB = hazelcast(b).getCluster().getLocalMember();
      cmA.memberAdded(new MembershipEvent(hazelcast(a).getCluster(), memberB, MembershipEvent.MEMBER_ADDED,
          hazelcast(a).getCluster().getMembers()));
      cmA.awaitQuiet(10_000);
    } finally {
      cmA.startGuard();
    }

    assertThat(subs.get("maestro.test.lost")).hasSize(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> "pong lost".equals(request(b, "maestro.test.lost")));
  }

  private static List<HazelcastRegistrationInfo> entriesOf(MultiMap<String, HazelcastRegistrationInfo> subs, Vertx node) {
    String id = manager(node).getNodeId();
    return subs.get(ADDRESS).stream().filter(r -> r.unwrap().nodeId().equals(id)).toList();
  }

  private static String ping(Vertx from) {
    return request(from, ADDRESS);
  }

  /** The reply's body, or the failure's kind (NO_HANDLERS while nobody serves the address). */
  private static String request(Vertx from, String address) {
    try {
      return from.eventBus().<String>request(address, "ping").await(5, TimeUnit.SECONDS).body();
    } catch (ReplyException e) {
      return e.failureType() == ReplyFailure.NO_HANDLERS ? "NO_HANDLERS" : e.getMessage();
    } catch (Exception e) {
      return e.toString();
    }
  }

  private static MaestroClusterManager manager(Vertx node) {
    return (MaestroClusterManager) ((VertxInternal) node).clusterManager();
  }

  private static HazelcastInstance hazelcast(Vertx node) {
    return manager(node).getHazelcastInstance();
  }

  private static Vertx member(String name, int port) throws Exception {
    VertxOptions options = new VertxOptions();
    options.getEventBusOptions().setHost("127.0.0.1").setPort(0);
    return Vertx.builder().with(options)
        .withClusterManager(new MaestroClusterManager(ClusterSetup.hazelcast(name, "127.0.0.1", port, "127.0.0.1")))
        .buildClustered().await(60, TimeUnit.SECONDS);
  }

  /** 0 for the first surefire fork, 1 for the second ...: forks running at once use other ports. */
  private static int fork() {
    String v = System.getProperty("MAESTRO_TEST_FORK", "").replaceFirst("^fork", "");
    try {
      return Math.max(0, Integer.parseInt(v) - 1);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
