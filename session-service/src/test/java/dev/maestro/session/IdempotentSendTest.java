package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** sendIdempotent against real PostgreSQL: a resent key starts no second turn and answers with the first ids. */
class IdempotentSendTest {
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(null);
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  @Test
  void resendsWhileRunningAfterCompletionAndAtOnceStartOneTurn() throws Exception {
    h.provider.reset();
    String user = Harness.newUser();
    String sid = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(sid);
    h.provider.script(text("one"), hold("first"), done("end_turn"));

    // two sends with the same key at once (a client retrying before the first answer came)
    List<JsonObject> both = await(Future.all(h.sessions.sendIdempotent(user, sid, "hello", "key-1"),
        h.sessions.sendIdempotent(user, sid, "hello", "key-1"))).list();
    JsonObject first = both.get(0);
    assertThat(both.get(1).getString("messageId")).isEqualTo(first.getString("messageId"));
    assertThat(both.get(1).getString("turnId")).isEqualTo(first.getString("turnId"));
    assertThat(both.stream().filter(r -> r.getBoolean("duplicate", false)).count()).isEqualTo(1);

    // while the turn runs: not a 409 "a turn is already running", the first ids again
    JsonObject again = await(h.sessions.sendIdempotent(user, sid, "hello", "key-1"));
    assertThat(again.getString("messageId")).isEqualTo(first.getString("messageId"));
    assertThat(again.getBoolean("duplicate")).isTrue();
    h.provider.release("first");
    rec.awaitTurnCompleted(1);

    // after it completed (the stored key answers)
    JsonObject later = await(h.sessions.sendIdempotent(user, sid, "hello", "key-1"));
    assertThat(later.getString("turnId")).isEqualTo(first.getString("turnId"));
    assertThat(rec.ofType("turn_started")).hasSize(1);
    assertThat(await(h.sessions.get(user, sid)).getJsonArray("messages")).hasSize(2);

    // another key is another message; the same key in another session is independent
    h.provider.script(text("two"), done("end_turn"));
    JsonObject second = await(h.sessions.sendIdempotent(user, sid, "hello again", "key-2"));
    assertThat(second.getString("messageId")).isNotEqualTo(first.getString("messageId"));
    assertThat(second.containsKey("duplicate")).isFalse();
    rec.awaitTurnCompleted(2);
    String other = h.newSession(user, null).getString("id");
    h.provider.script(text("three"), done("end_turn"));
    assertThat(await(h.sessions.sendIdempotent(user, other, "hello", "key-1")).containsKey("duplicate")).isFalse();
  }

  @Test
  void anotherUsersSessionIsNotFoundAndBadKeysAreRefused() throws Exception {
    h.provider.reset();
    String owner = Harness.newUser();
    String sid = h.newSession(owner, null).getString("id");
    String stranger = Harness.newUser();
    assertThatThrownBy(() -> await(h.sessions.sendIdempotent(stranger, sid, "hi", "k")))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(404));
    for (String bad : new String[] {"", "  ", "x".repeat(201)}) {
      assertThatThrownBy(() -> await(h.sessions.sendIdempotent(owner, sid, "hi", bad)))
          .isInstanceOfSatisfying(ServiceException.class, e -> {
            assertThat(e.failureCode()).isEqualTo(400);
            assertThat(e.getMessage()).contains("idempotencyKey");
          });
    }
    assertThat(await(h.sessions.get(owner, sid)).getJsonArray("messages")).isEmpty();
  }
}
