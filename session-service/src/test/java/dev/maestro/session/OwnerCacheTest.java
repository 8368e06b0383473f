package dev.maestro.session;

import dev.maestro.contracts.session.SessionService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.maestro.session.FakeProvider.done;
import static dev.maestro.session.FakeProvider.text;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-node owner cache ({@link OwnerCache}, issue 14) on three clustered session nodes: a known owner
 * costs no owner-map read, and an entry gone stale (the owner let the session go, or another node has it)
 * never makes a second owner: the old owner answers "not owner" and the sender asks the map.
 */
class OwnerCacheTest {
  static SessionCluster cluster;
  static Harness a;
  static Harness b;
  static Harness c;
  static SessionService sessions;

  @BeforeAll
  static void start() throws Exception {
    cluster = SessionCluster.start("owner-cache", null, null, null);
    a = cluster.node(0);
    b = cluster.node(1);
    c = cluster.node(2);
    sessions = SessionService.createProxy(cluster.clientNode);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void aKnownOwnerIsReachedWithoutReadingTheOwnerMap() throws Exception {
    String user = Harness.newUser();
    String id = newSession(user);
    JsonObject first = await(router(a).call(id, new LiveCommand.State()));
    assertThat(first.getString("owner")).isEqualTo(router(a).ownerId());
    // b looks the owner up once and forwards; then it knows
    await(router(b).call(id, new LiveCommand.State()));
    long readsA = router(a).ownerReads();
    long readsB = router(b).ownerReads();
    for (int i = 0; i < 10; i++) {
      assertThat(await(router(b).call(id, new LiveCommand.AsUser(user, new LiveCommand.State()))).getString("owner"))
          .isEqualTo(router(a).ownerId());
      assertThat(await(router(a).call(id, new LiveCommand.State())).getString("owner")).isEqualTo(router(a).ownerId());
    }
    assertThat(router(b).ownerReads()).isEqualTo(readsB);
    assertThat(router(a).ownerReads()).isEqualTo(readsA);
    assertThat(router(b).cacheHits()).isGreaterThanOrEqualTo(10);

    // what clients send (the service on any node): no map read per command once both nodes know the owner
    for (int i = 0; i < 4; i++) await(sessions.events(user, id, 0));
    long before = router(a).ownerReads() + router(b).ownerReads() + router(c).ownerReads();
    for (int i = 0; i < 12; i++) await(sessions.events(user, id, 0));
    long after = router(a).ownerReads() + router(b).ownerReads() + router(c).ownerReads();
    // (c had not met this session before the warm-up: at most one read)
    assertThat(after - before).isLessThanOrEqualTo(1);
    assertThat(liveOn(id)).containsExactly("a");
  }

  @Test
  void aStaleEntryForAnOwnerThatLetGoReachesTheRealOwnerWithoutASecondCopy() throws Exception {
    String user = Harness.newUser();
    String id = newSession(user);
    await(router(a).call(id, new LiveCommand.State()));
    await(router(b).call(id, new LiveCommand.State()));
    assertThat(router(b).cachedOwner(id)).isEqualTo(router(a).ownerId());
    // a lets go (idle passivation), c takes the session; b has not heard (the announcement may be late)
    await(router(a).passivateNow(id));
    assertThat(await(router(c).call(id, new LiveCommand.State())).getString("owner")).isEqualTo(router(c).ownerId());
    router(b).remember(id, router(a).ownerId());

    cluster.fakes.provider.script(text("hi"), done("end_turn"));
    JsonObject ack = await(router(b).call(id, new LiveCommand.AsUser(user, new LiveCommand.Send("through a stale entry", null, null))));
    assertThat(ack.getString("turnId")).isNotNull();
    // a did not activate a copy on the strength of b's entry; c served it
    assertThat(liveOn(id)).containsExactly("c");
    assertThat(cluster.owner(id)).isEqualTo(router(c).ownerId());
    assertThat(router(b).cachedOwner(id)).isEqualTo(router(c).ownerId());
    JsonArray messages = await(sessions.get(user, id)).getJsonArray("messages");
    assertThat(messages.stream().map(m -> (JsonObject) m).filter(m -> "user".equals(m.getString("role"))).count()).isEqualTo(1);
  }

  @Test
  void aStaleEntryWhenNobodyOwnsTheSessionActivatesItOnceAfterTheAccessCheck() throws Exception {
    String user = Harness.newUser();
    String id = newSession(user);
    await(router(a).call(id, new LiveCommand.State()));
    await(router(b).call(id, new LiveCommand.State()));
    await(router(a).passivateNow(id));
    router(b).remember(id, router(a).ownerId());
    assertThat(cluster.owner(id)).isNull();

    // another user's command through the stale entry: refused before anybody activates the session
    String stranger = Harness.newUser();
    Throwable refused = null;
    try {
      // (what SessionServiceImpl checks before a claim: the session's row for this user)
      await(router(b).call(id, new LiveCommand.AsUser(stranger, new LiveCommand.State()),
          () -> Future.failedFuture(new IllegalStateException("session " + id + " not found for " + stranger))));
    } catch (Exception e) {
      refused = e;
    }
    assertThat(refused).isNotNull();
    assertThat(liveOn(id)).isEmpty();
    assertThat(cluster.owner(id)).isNull();

    router(b).remember(id, router(a).ownerId());
    JsonObject state = await(router(b).call(id, new LiveCommand.AsUser(user, new LiveCommand.State())));
    assertThat(state.getString("owner")).isEqualTo(router(b).ownerId());
    assertThat(liveOn(id)).containsExactly("b");
  }

  @Test
  void aFollowThroughAStaleEntryFindsTheRealOwner() throws Exception {
    String user = Harness.newUser();
    String id = newSession(user);
    await(router(a).call(id, new LiveCommand.State()));
    await(router(a).passivateNow(id));
    await(router(c).call(id, new LiveCommand.State()));
    router(b).remember(id, router(a).ownerId());
    // "not live" from the old owner would leave a gateway waiting for an announcement that has passed
    JsonObject follow = new JsonObject().put("sessionId", id).put("inbox", "maestro.test.inbox." + id).put("token", "t1")
        .put("userId", user);
    JsonObject answer = await(router(b).follow(follow));
    assertThat(answer.getBoolean("live")).isTrue();
    assertThat(answer.getString("owner")).isEqualTo(router(c).ownerId());
    assertThat(router(b).cachedOwner(id)).isEqualTo(router(c).ownerId());
    assertThat(liveOn(id)).containsExactly("c");
    await(router(b).follow(follow.copy().put("unfollow", true)));
  }

  @Test
  void anOwnCachedEntryGoneStaleIsCheckedAgainstTheMap() throws Exception {
    String user = Harness.newUser();
    String id = newSession(user);
    await(router(a).call(id, new LiveCommand.State()));
    await(router(a).passivateNow(id));
    await(router(c).call(id, new LiveCommand.State()));
    // a believes it still owns the session (a lookup that raced with its own release)
    router(a).remember(id, router(a).ownerId());
    assertThat(await(router(a).call(id, new LiveCommand.State())).getString("owner")).isEqualTo(router(c).ownerId());
    assertThat(liveOn(id)).containsExactly("c");
  }

  @Test
  void concurrentCommandsThroughStaleEntriesAndReleasesKeepOneOwner() throws Exception {
    String user = Harness.newUser();
    List<SessionRouter> routers = List.of(router(a), router(b), router(c));
    for (int round = 0; round < 12; round++) {
      String id = newSession(user);
      SessionRouter first = routers.get(round % 3);
      await(first.call(id, new LiveCommand.State()));
      // every node believes the first owner; it lets go while the others' commands are under way
      for (SessionRouter r : routers) r.remember(id, first.ownerId());
      List<Future<JsonObject>> calls = new ArrayList<>();
      Future<Void> released = first.passivateNow(id);
      for (int i = 0; i < 9; i++) {
        calls.add(routers.get(i % 3).call(id, new LiveCommand.AsUser(user, new LiveCommand.State())));
      }
      Future.join(calls).await(30, TimeUnit.SECONDS);
      released.await(10, TimeUnit.SECONDS);
      List<String> owners = new ArrayList<>();
      for (Future<JsonObject> f : calls) {
        assertThat(f.succeeded()).as("call failed: %s", f.cause()).isTrue();
        owners.add(f.result().getString("owner"));
      }
      List<String> live = liveOn(id);
      assertThat(live).hasSize(1);
      String owner = router(cluster.nodes.get(List.of("a", "b", "c").indexOf(live.get(0)))).ownerId();
      assertThat(cluster.owner(id)).isEqualTo(owner);
      // an answer may come from the first owner before it let go; every later one from the one owner
      assertThat(owners).allMatch(o -> o.equals(owner) || o.equals(first.ownerId()));
    }
  }

  @Test
  void firstCommandsOnEveryNodeAtOnceActivateTheSessionOnce() throws Exception {
    String user = Harness.newUser();
    List<SessionRouter> routers = List.of(router(a), router(b), router(c));
    for (int round = 0; round < 8; round++) {
      String id = newSession(user);
      if (round % 2 == 1) {
        // and every node holds an entry naming a router that never had the session
        for (SessionRouter r : routers) r.remember(id, routers.get((round + 1) % 3).ownerId());
      }
      List<Future<JsonObject>> calls = new ArrayList<>();
      for (int i = 0; i < 12; i++) calls.add(routers.get(i % 3).call(id, new LiveCommand.AsUser(user, new LiveCommand.State())));
      Future.join(calls).await(30, TimeUnit.SECONDS);
      List<String> live = liveOn(id);
      assertThat(live).hasSize(1);
      String owner = cluster.owner(id);
      for (Future<JsonObject> f : calls) {
        assertThat(f.succeeded()).as("call failed: %s", f.cause()).isTrue();
        assertThat(f.result().getString("owner")).isEqualTo(owner);
      }
    }
  }

  private static String newSession(String user) throws Exception {
    return await(sessions.create(user, new JsonObject().put("title", "cache").put("provider", "anthropic")
        .put("model", "claude-sonnet-4-5"))).getString("id");
  }

  private static SessionRouter router(Harness node) {
    return node.verticle.router();
  }

  /** The nodes (a, b, c) on which the session is live now. */
  private static List<String> liveOn(String id) throws Exception {
    List<String> out = new ArrayList<>();
    String[] names = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
      SessionRouter r = router(cluster.node(i));
      if (await(r.onRouterContext(() -> Future.succeededFuture(r.isLive(id))))) out.add(names[i]);
    }
    return out;
  }
}
