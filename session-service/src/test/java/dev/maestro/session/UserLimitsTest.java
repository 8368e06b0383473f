package dev.maestro.session;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hostile: what one member can make a session node hold. Caps on the turns running and the sessions
 * live per user (excess: TOO_MANY, the gateway's 429, with a message saying what to do), and on the
 * events held for one turn (a resuming client is told when early ones were dropped; stored messages
 * stay whole).
 */
class UserLimitsTest {
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(new JsonObject().put(SessionSettings.MAX_TURNS_PER_USER, "2").put(SessionSettings.MAX_LIVE_PER_USER, "3")
        .put(SessionSettings.HELD_TURN_EVENTS, "20"));
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  @BeforeEach
  void clear() {
    h.provider.reset();
  }

  private static void assertTooMany(Harness.ThrowingCall call, String says) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(ServiceException.class, e -> {
      assertThat(e.failureCode()).isEqualTo(429);
      assertThat(e.getMessage()).contains(says);
    });
  }

  @Test
  void aThirdConcurrentTurnOfOneUserIsRefusedAndOthersAreUnaffected() throws Exception {
    String user = Harness.newUser();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) ids.add(h.newSession(user, new JsonObject().put("tools", new JsonArray())).getString("id"));
    Harness.Recorder first = h.record(ids.get(0));
    h.provider.script(text("one"), hold("limits-1"), done("end_turn"));
    h.provider.script(text("two"), hold("limits-1"), done("end_turn"));
    await(h.sessions.send(user, ids.get(0), "a"));
    await(h.sessions.send(user, ids.get(1), "b"));
    assertTooMany(() -> await(h.sessions.send(user, ids.get(2), "c")), "too many turns running");
    // nothing was stored for the refused send
    assertThat(await(h.sessions.get(user, ids.get(2))).getJsonArray("messages")).isEmpty();
    // another user is not held back by this one
    String other = Harness.newUser();
    String theirs = h.newSession(other, new JsonObject().put("tools", new JsonArray())).getString("id");
    Harness.Recorder theirRec = h.record(theirs);
    h.provider.script(text("fine"), done("end_turn"));
    await(h.sessions.send(other, theirs, "hello"));
    theirRec.awaitTurnCompleted(1);
    // when one turn ends, the user may start another
    await(h.sessions.cancel(user, ids.get(0)));
    first.awaitTurnCompleted(1);
    h.provider.script(text("three"), done("end_turn"));
    Harness.Recorder third = h.record(ids.get(2));
    await(h.sessions.send(user, ids.get(2), "c"));
    third.awaitTurnCompleted(1);
    h.provider.release("limits-1");
  }

  @Test
  void aFourthLiveSessionOfOneUserIsRefusedUntilOneIsLetGo() throws Exception {
    String user = Harness.newUser();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) ids.add(h.newSession(user, null).getString("id"));
    // events() activates a session
    for (int i = 0; i < 3; i++) await(h.sessions.events(user, ids.get(i), 0));
    assertTooMany(() -> await(h.sessions.events(user, ids.get(3), 0)), "too many open sessions");
    assertTooMany(() -> await(h.sessions.send(user, ids.get(3), "hi")), "too many open sessions");
    // stored data is still readable
    assertThat(await(h.sessions.get(user, ids.get(3))).getString("id")).isEqualTo(ids.get(3));
    await(h.verticle.router().passivateNow(ids.get(0)));
    assertThat(await(h.sessions.events(user, ids.get(3), 0)).getJsonArray("items")).isEmpty();
    // deleting a live session frees its slot too
    await(h.sessions.delete(user, ids.get(1)));
    String fifth = h.newSession(user, null).getString("id");
    assertThat(await(h.sessions.events(user, fifth, 0)).getJsonArray("items")).isEmpty();
  }

  @Test
  void aLongTurnHoldsABoundedNumberOfEventsAndSaysWhatItDropped() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, new JsonObject().put("tools", new JsonArray())).getString("id");
    Harness.Recorder rec = h.record(id);
    List<Step> script = new ArrayList<>();
    StringBuilder whole = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      script.add(text("w" + i + " "));
      whole.append("w").append(i).append(' ');
    }
    script.add(hold("long-turn"));
    script.add(done("end_turn"));
    h.provider.script(script.toArray(new Step[0]));
    await(h.sessions.send(user, id, "talk a lot"));
    rec.await(e -> "delta".equals(e.getString("type")) && "w199 ".equals(e.getString("text")), 10_000);
    JsonArray held = await(h.sessions.events(user, id, 0)).getJsonArray("items");
    assertThat(held.size()).isLessThanOrEqualTo(21);
    JsonObject marker = held.getJsonObject(0);
    assertThat(marker.getJsonObject("event").getString("type")).isEqualTo("truncated");
    assertThat(held.getJsonObject(1).getLong("seq")).isEqualTo(marker.getLong("seq") + 1);
    // the newest events are all there, in order
    assertThat(held.getJsonObject(held.size() - 1).getJsonObject("event").getString("text")).isEqualTo("w199 ");
    h.provider.release("long-turn");
    rec.awaitTurnCompleted(1);
    // the stored message is whole
    JsonArray msgs = await(h.sessions.get(user, id)).getJsonArray("messages");
    assertThat(msgs.getJsonObject(1).getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo(whole.toString());
  }
}
