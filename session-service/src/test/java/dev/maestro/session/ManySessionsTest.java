package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

/** 100 sessions streaming at once; idle sessions passivate and come back with seq continuing. */
class ManySessionsTest {
  static Harness h;
  static final int SESSIONS = 100;
  static final int DELTAS = 30;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    // one user runs all of them at once: the per-user caps are raised to fit
    h = Harness.start(new JsonObject().put(SessionSettings.IDLE_TIMEOUT, "1")
        .put(SessionSettings.MAX_TURNS_PER_USER, String.valueOf(SESSIONS))
        .put(SessionSettings.MAX_LIVE_PER_USER, String.valueOf(SESSIONS + 1)));
    // every stream echoes the user's text in numbered deltas, so each event says which session it belongs to
    h.provider.fallback = request -> {
      JsonArray msgs = request.getJsonArray("messages");
      String tag = msgs.getJsonObject(msgs.size() - 1).getJsonArray("content").getJsonObject(0).getString("text");
      List<Step> steps = new ArrayList<>();
      for (int i = 0; i < DELTAS; i++) steps.add(text(tag + "#" + i + " "));
      steps.add(usage(10, DELTAS));
      steps.add(done("end_turn"));
      return steps;
    };
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  @Test
  void hundredSessionsStreamAtOnceAndEachSubscriberGetsOnlyItsOwnEventsInOrder() throws Exception {
    String user = Harness.newUser();
    List<JsonObject> sessions = new ArrayList<>();
    List<Harness.Recorder> recorders = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      JsonObject s = h.newSession(user, new JsonObject().put("title", "s" + i));
      sessions.add(s);
      recorders.add(h.record(s.getString("id")));
    }
    List<Future<JsonObject>> sends = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) sends.add(h.sessions.send(user, sessions.get(i).getString("id"), "tag-" + i));
    await(Future.all(sends));
    for (int i = 0; i < SESSIONS; i++) {
      Harness.Recorder rec = recorders.get(i);
      rec.awaitTurnCompleted(1);
      String id = sessions.get(i).getString("id");
      List<JsonObject> events = rec.events;
      // turn_started, message_started, DELTAS deltas, message_completed, turn_completed
      assertThat(events).hasSize(DELTAS + 4);
      long first = events.get(0).getLong("seq");
      for (int k = 0; k < events.size(); k++) {
        assertThat(events.get(k).getString("sessionId")).isEqualTo(id);
        assertThat(events.get(k).getLong("seq")).isEqualTo(first + k);
      }
      List<JsonObject> deltas = rec.ofType("delta");
      for (int k = 0; k < DELTAS; k++) {
        assertThat(deltas.get(k).getJsonObject("event").getString("text")).isEqualTo("tag-" + i + "#" + k + " ");
      }
    }
    JsonObject one = await(h.sessions.get(user, sessions.get(42).getString("id")));
    assertThat(one.getJsonArray("messages").getJsonObject(1).getJsonArray("content").getJsonObject(0).getString("text"))
        .startsWith("tag-42#0 tag-42#1 ").endsWith("tag-42#" + (DELTAS - 1) + " ");
  }

  @Test
  void anIdleSessionPassivatesAndComesBackWithSeqContinuing() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    String id = s.getString("id");
    Harness.Recorder rec = h.record(id);
    await(h.sessions.send(user, id, "first"));
    rec.awaitTurnCompleted(1);
    long lastSeq = rec.events.get(rec.events.size() - 1).getLong("seq");
    SessionRouter router = h.verticle.router();
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> router.currentOwner(id).await(5, java.util.concurrent.TimeUnit.SECONDS) == null);
    assertThat(router.currentOwner(id).await(5, java.util.concurrent.TimeUnit.SECONDS)).isNull();
    await(h.sessions.send(user, id, "second"));
    rec.awaitTurnCompleted(2);
    JsonObject secondStart = rec.ofType("turn_started").get(1);
    assertThat(secondStart.getLong("seq")).isEqualTo(lastSeq + 1);
    assertThat(await(h.sessions.get(user, id)).getJsonArray("messages")).hasSize(4);
  }
}
