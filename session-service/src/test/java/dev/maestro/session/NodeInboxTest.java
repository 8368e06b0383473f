package dev.maestro.session;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.platform.SessionInbox;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14, node inboxes: a node follows a session once however many of its parts follow it, the owner sends
 * each event once per following node, and nothing is published on the per-session address unless a member
 * asks for it (the integrators' opt-in of BUS.md); following never activates a session.
 */
class NodeInboxTest {
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(new JsonObject());
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  private static JsonObject state(String id) throws Exception {
    return await(h.verticle.router().call(id, new LiveCommand.State()));
  }

  @Test
  void twoFollowersOnOneNodeAreOneLeaseAndEachGetsEveryEventOnceWhileTheSessionAddressStaysSilent() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, null).getString("id");
    List<Object> onAddress = new CopyOnWriteArrayList<>();
    h.vertx.eventBus().consumer(Addresses.sessionEvents(id), m -> onAddress.add(m.body())).completion().await(10, TimeUnit.SECONDS);
    Harness.Recorder socket1 = h.record(id);
    Harness.Recorder socket2 = h.record(id);
    h.provider.script(text("a"), text("b"), text("c"), done("end_turn"));
    await(h.sessions.send(user, id, "go"));
    socket1.awaitTurnCompleted(1);
    socket2.awaitTurnCompleted(1);
    assertThat(socket1.types()).containsExactly("turn_started", "message_started", "delta", "delta", "delta",
        "message_completed", "turn_completed");
    assertThat(socket2.events).isEqualTo(socket1.events);
    assertThat(state(id).getInteger("followers")).isEqualTo(1);
    assertThat(onAddress).isEmpty();
  }

  @Test
  void theSessionAddressCarriesEventsOnlyWhileAMemberAsksForIt() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, null).getString("id");
    List<JsonObject> onAddress = new CopyOnWriteArrayList<>();
    h.vertx.eventBus().consumer(Addresses.sessionEvents(id), m -> onAddress.add(SessionEvents.read(m.body())))
        .completion().await(10, TimeUnit.SECONDS);
    Harness.Recorder rec = h.record(id);
    SessionInbox.Follow optIn = SessionInbox.of(h.vertx).publishOnSessionAddress(user, id);
    await(optIn.ready());
    h.provider.script(text("one"), done("end_turn"));
    await(h.sessions.send(user, id, "first"));
    rec.awaitTurnCompleted(1);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> onAddress.stream()
        .anyMatch(e -> "turn_completed".equals(e.getJsonObject("event").getString("type"))));
    assertThat(onAddress.stream().map(e -> e.getLong("seq")).toList())
        .isEqualTo(rec.events.stream().map(e -> e.getLong("seq")).toList());

    optIn.close();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> state(id).getInteger("followers") == 1);
    int before = onAddress.size();
    h.provider.script(text("two"), done("end_turn"));
    await(h.sessions.send(user, id, "second"));
    rec.awaitTurnCompleted(2);
    assertThat(onAddress).hasSize(before);
  }

  @Test
  void followingASessionNobodyRunsDoesNotActivateItAndItsNextActivationIsFollowed() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(id);
    assertThat(h.verticle.router().currentOwner(id).await(5, TimeUnit.SECONDS)).isNull();
    assertThat(h.verticle.router().isLive(id)).isFalse();
    h.provider.script(text("hi"), done("end_turn"));
    await(h.sessions.send(user, id, "go"));
    rec.awaitTurnCompleted(1);
    // every event of the activation, from turn_started on, in order, although the follow came before it
    assertThat(rec.types()).containsExactly("turn_started", "message_started", "delta", "message_completed", "turn_completed");
  }

  @Test
  void anotherUsersLiveSessionIsNotFollowed() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.script(text("hi"), done("end_turn"));
    await(h.sessions.send(user, id, "go"));
    rec.awaitTurnCompleted(1);
    // live now; a stranger asking is told it does not exist, like any request of another user's session
    SessionInbox.Follow stranger = SessionInbox.of(h.vertx).follow(Harness.newUser(), id, e -> { });
    Throwable err = stranger.ready().transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause())).await(10, TimeUnit.SECONDS);
    assertThat(err).isNotNull();
    assertThat(err.getMessage()).contains("not found");
  }
}
