package dev.maestro.platform;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The owner's list of following nodes (issue 14): one send per node under a lease; the per-session address only on request. */
class SessionFollowersTest {
  private final Vertx vertx = Vertx.vertx();
  private final AtomicLong now = new AtomicLong(1_000_000);

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private List<Message<Buffer>> listen(String address) throws Exception {
    List<Message<Buffer>> got = new CopyOnWriteArrayList<>();
    vertx.eventBus().<Buffer>consumer(address, got::add).completion().await(10, TimeUnit.SECONDS);
    return got;
  }

  @Test
  void eachEventGoesOnceToEachFollowingInboxWithItsSessionSeqAndEpochAndNothingToTheSessionAddress() throws Exception {
    List<Message<Buffer>> a = listen("test.inbox.a");
    List<Message<Buffer>> b = listen("test.inbox.b");
    List<Message<Buffer>> address = listen(Addresses.sessionEvents("s1"));
    SessionFollowers followers = new SessionFollowers("s1", 30_000, now::get);
    followers.follow("test.inbox.a", "t1");
    followers.follow("test.inbox.b", "t2");
    followers.follow("test.inbox.a", "t1"); // a renewal is no second follower
    followers.send(vertx.eventBus(), 7, 3, Buffer.buffer("{\"seq\":7}"));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.size() == 1 && b.size() == 1);
    Message<Buffer> m = a.get(0);
    assertThat(m.body().toString()).isEqualTo("{\"seq\":7}");
    assertThat(m.headers().get(SessionEvents.SESSION_HEADER)).isEqualTo("s1");
    assertThat(SessionEvents.seqHeader(m.headers())).isEqualTo(7);
    assertThat(SessionEvents.epochHeader(m.headers())).isEqualTo(3);
    // a later message to a proves nothing more of the first was on its way
    followers.send(vertx.eventBus(), 8, 3, Buffer.buffer("{\"seq\":8}"));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.size() == 2);
    assertThat(address).isEmpty();
    assertThat(followers.size()).isEqualTo(2);
  }

  @Test
  void aNodeThatStopsRenewingIsNoLongerSentToOnceItsLeaseLapses() throws Exception {
    List<Message<Buffer>> dead = listen("test.inbox.dead");
    List<Message<Buffer>> alive = listen("test.inbox.alive");
    SessionFollowers followers = new SessionFollowers("s1", 30_000, now::get);
    followers.follow("test.inbox.dead", "t1");
    followers.follow("test.inbox.alive", "t2");
    now.addAndGet(20_000);
    followers.follow("test.inbox.alive", "t2"); // renewed by its heartbeat; the other node died
    followers.send(vertx.eventBus(), 1, 1, Buffer.buffer("{}"));
    now.addAndGet(15_000); // 35 s after the dead node's last follow
    followers.send(vertx.eventBus(), 2, 1, Buffer.buffer("{}"));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> alive.size() == 2);
    assertThat(dead).hasSize(1);
    assertThat(followers.follows("test.inbox.dead")).isFalse();
    assertThat(followers.size()).isEqualTo(1);
  }

  @Test
  void anUnfollowThatOvertookALaterFollowOfTheSameNodeDoesNotEndIt() throws Exception {
    SessionFollowers followers = new SessionFollowers("s1", 30_000, now::get);
    followers.follow("test.inbox.a", "new");
    followers.unfollow("test.inbox.a", "old");
    assertThat(followers.follows("test.inbox.a")).isTrue();
    followers.unfollow("test.inbox.a", "new");
    assertThat(followers.follows("test.inbox.a")).isFalse();
  }

  @Test
  void theSessionAddressIsPublishedToOnlyWhileSomeoneFollowsWithIt() throws Exception {
    List<Message<Buffer>> one = listen(Addresses.sessionEvents("s1"));
    List<Message<Buffer>> two = listen(Addresses.sessionEvents("s1"));
    SessionFollowers followers = new SessionFollowers("s1", 30_000, now::get);
    followers.follow(Addresses.sessionEvents("s1"), "t");
    followers.send(vertx.eventBus(), 1, 1, Buffer.buffer("{}"));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> one.size() == 1 && two.size() == 1);
    followers.unfollow(Addresses.sessionEvents("s1"), "t");
    followers.send(vertx.eventBus(), 2, 1, Buffer.buffer("{}"));
    List<Message<Buffer>> marker = listen("test.inbox.marker");
    followers.follow("test.inbox.marker", "m");
    followers.send(vertx.eventBus(), 3, 1, Buffer.buffer("{}"));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> marker.size() == 1);
    assertThat(one).hasSize(1);
    assertThat(two).hasSize(1);
  }
}
