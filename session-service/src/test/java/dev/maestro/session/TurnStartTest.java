package dev.maestro.session;

import dev.maestro.contracts.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.maestro.session.FakeProvider.done;
import static dev.maestro.session.FakeProvider.text;
import static dev.maestro.session.FakeProvider.usage;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 14, a cheap turn start: the start is one transaction sent in parallel with the provider request
 * (a failed commit cancels the stream and leaves nothing), the end one statement, and what a live session
 * keeps between turns (its row, its tool list) follows every change at the next turn.
 */
class TurnStartTest {
  static Harness h;
  static Pool pool;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(null);
    pool = h.outsidePool();
  }

  @AfterAll
  static void stop() throws Exception {
    pool.close().await(10, TimeUnit.SECONDS);
    h.close();
  }

  @BeforeEach
  void resetFakes() {
    h.provider.reset();
  }

  static List<Row> rows(String sql, Object... args) throws Exception {
    List<Row> out = new java.util.ArrayList<>();
    pool.preparedQuery(sql).execute(Tuple.from(args)).await(10, TimeUnit.SECONDS).forEach(out::add);
    return out;
  }

  @Test
  void aTurnIsOneStartTransactionAndOneEndStatementAndStoresEverything() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    String id = s.getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.script(text("Hi"), usage(10, 2), done("end_turn"));
    await(h.sessions.send(user, id, "hello"));
    rec.awaitTurnCompleted(1);
    assertThat(rec.types()).containsExactly("turn_started", "message_started", "delta", "message_completed", "turn_completed");
    List<Row> msgs = rows("SELECT role, status, usage FROM session.message WHERE session_id = $1 ORDER BY ordinal", UUID.fromString(id));
    assertThat(msgs).extracting(r -> r.getString("role") + ":" + r.getString("status")).containsExactly("user:complete", "assistant:complete");
    assertThat(((JsonObject) msgs.get(1).getValue("usage")).getLong("outputTokens")).isEqualTo(2L);
    Row session = rows("SELECT message_count, output_tokens FROM session.session WHERE id = $1", UUID.fromString(id)).get(0);
    assertThat(session.getInteger("message_count")).isEqualTo(2);
    assertThat(session.getLong("output_tokens")).isEqualTo(2L);
    assertThat(rows("SELECT status FROM session.turn WHERE session_id = $1", UUID.fromString(id)))
        .extracting(r -> r.getString("status")).containsExactly("complete");
  }

  /**
   * The commit of the turn start fails (a deferred trigger raises at COMMIT, after the request went out):
   * the provider's stream is cancelled, the send fails, no event of that turn is published and no row
   * of it exists; the next turn starts clean.
   */
  @Test
  void aFailedTurnStartCommitCancelsTheStreamAndLeavesNothing() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    String id = s.getString("id");
    Harness.Recorder rec = h.record(id);
    pool.query("CREATE OR REPLACE FUNCTION session.ts_fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        + " IF NEW.text_content LIKE '%fail this commit%' THEN PERFORM pg_advisory_xact_lock(914014);"
        + " RAISE EXCEPTION 'injected commit failure'; END IF; RETURN NULL; END $$").execute().await(10, TimeUnit.SECONDS);
    pool.query("DROP TRIGGER IF EXISTS ts_fail_commit ON session.message").execute().await(10, TimeUnit.SECONDS);
    pool.query("CREATE CONSTRAINT TRIGGER ts_fail_commit AFTER INSERT ON session.message DEFERRABLE INITIALLY DEFERRED"
        + " FOR EACH ROW EXECUTE FUNCTION session.ts_fail_commit()").execute().await(10, TimeUnit.SECONDS);
    // the commit waits on this lock until the provider has the request: the stream is open when the commit fails
    SqlConnection gate = pool.getConnection().await(10, TimeUnit.SECONDS);
    try {
      gate.query("SELECT pg_advisory_lock(914014)").execute().await(10, TimeUnit.SECONDS);
      h.provider.script(FakeProvider.hold("never"), text("too late"), done("end_turn"));
      io.vertx.core.Future<JsonObject> sent = h.sessions.send(user, id, "please fail this commit");
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> h.provider.requests.size() == 1);
      assertThat(sent.isComplete()).isFalse();
      gate.query("SELECT pg_advisory_unlock(914014)").execute().await(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> sent.await(20, TimeUnit.SECONDS)).isNotNull();
      // the stream that was opened is cancelled
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> h.provider.cancelled.size() == 1);
    } finally {
      gate.close();
      pool.query("DROP TRIGGER IF EXISTS ts_fail_commit ON session.message").execute().await(10, TimeUnit.SECONDS);
    }
    // nothing half-stored
    UUID sid = UUID.fromString(id);
    assertThat(rows("SELECT 1 FROM session.message WHERE session_id = $1", sid)).isEmpty();
    assertThat(rows("SELECT 1 FROM session.turn WHERE session_id = $1", sid)).isEmpty();
    assertThat(rows("SELECT message_count FROM session.session WHERE id = $1", sid).get(0).getInteger("message_count")).isZero();

    // the next turn starts clean: its request does not carry the failed message, its events are the first ones
    h.provider.script(text("ok"), done("end_turn"));
    await(h.sessions.send(user, id, "again"));
    rec.awaitTurnCompleted(1);
    JsonArray sentMessages = h.provider.requests.get(1).getJsonArray("messages");
    assertThat(sentMessages.encode()).contains("again").doesNotContain("fail this commit");
    assertThat(rec.types()).containsExactly("turn_started", "message_started", "delta", "message_completed", "turn_completed");
    assertThat(rows("SELECT 1 FROM session.message WHERE session_id = $1", sid)).hasSize(2);
    assertThat(rows("SELECT message_count FROM session.session WHERE id = $1", sid).get(0).getInteger("message_count")).isEqualTo(2);
  }

  /**
   * The model answers (here with a tool call) while the turn start is still committing: the answer's
   * row, written by that transaction, is updated only after the commit, and the turn goes on. (Updating
   * it earlier found no row, which the owner fence took for a newer owner: the turn stopped.)
   */
  @Test
  void anAnswerArrivingBeforeTheStartCommitsIsStoredAfterItAndTheTurnGoesOn() throws Exception {
    String user = Harness.newUser();
    String id = h.newSession(user, null).getString("id");
    Harness.Recorder rec = h.record(id);
    pool.query("CREATE OR REPLACE FUNCTION session.ts_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        + " IF NEW.text_content LIKE '%a slow commit%' THEN PERFORM pg_advisory_xact_lock(914015); END IF; RETURN NULL; END $$")
        .execute().await(10, TimeUnit.SECONDS);
    pool.query("DROP TRIGGER IF EXISTS ts_slow_commit ON session.message").execute().await(10, TimeUnit.SECONDS);
    pool.query("CREATE CONSTRAINT TRIGGER ts_slow_commit AFTER INSERT ON session.message DEFERRABLE INITIALLY DEFERRED"
        + " FOR EACH ROW EXECUTE FUNCTION session.ts_slow_commit()").execute().await(10, TimeUnit.SECONDS);
    SqlConnection gate = pool.getConnection().await(10, TimeUnit.SECONDS);
    try {
      gate.query("SELECT pg_advisory_lock(914015)").execute().await(10, TimeUnit.SECONDS);
      h.provider.script(FakeProvider.toolCall("c1", "echo", new JsonObject().put("text", "hi")), usage(10, 5), done("tool_use"));
      h.provider.script(text("all done"), usage(20, 5), done("end_turn"));
      io.vertx.core.Future<JsonObject> sent = h.sessions.send(user, id, "a slow commit");
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> h.provider.requests.size() == 1);
      // the whole first answer is in meanwhile; nothing of it runs before the start is stored
      Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> h.tools.executed.isEmpty());
      assertThat(sent.isComplete()).isFalse();
      gate.query("SELECT pg_advisory_unlock(914015)").execute().await(10, TimeUnit.SECONDS);
      await(sent);
    } finally {
      gate.close();
      pool.query("DROP TRIGGER IF EXISTS ts_slow_commit ON session.message").execute().await(10, TimeUnit.SECONDS);
    }
    JsonObject end = rec.awaitTurnCompleted(1);
    assertThat(end.getJsonObject("event").getString("status")).isEqualTo("complete");
    assertThat(h.tools.executed).hasSize(1);
    UUID sid = UUID.fromString(id);
    assertThat(rows("SELECT status FROM session.message WHERE session_id = $1 ORDER BY ordinal", sid).stream()
        .map(r -> r.getString("status")).toList()).containsExactly("complete", "complete", "complete", "complete");
    // still the owner: the next turn runs here
    h.provider.script(text("again"), done("end_turn"));
    await(h.sessions.send(user, id, "next"));
    rec.awaitTurnCompleted(2);
  }

  /** The live session keeps its row: an edit (here the system prompt and the title) applies at the next turn. */
  @Test
  void anEditedSessionTakesEffectOnTheNextTurnAndItsLiveRowAnswersWhoMayUseIt() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, new JsonObject().put("systemPrompt", "You are terse."));
    String id = s.getString("id");
    Harness.Recorder rec = h.record(id);
    await(h.sessions.send(user, id, "one"));
    rec.awaitTurnCompleted(1);
    assertThat(h.provider.requests.get(0).getString("system")).contains("You are terse.");

    JsonObject renamed = await(h.sessions.update(user, id, new JsonObject().put("title", "Renamed").put("systemPrompt", "You are verbose.")));
    assertThat(renamed.getString("title")).isEqualTo("Renamed");
    await(h.sessions.send(user, id, "two"));
    rec.awaitTurnCompleted(2);
    assertThat(h.provider.requests.get(1).getString("system")).contains("You are verbose.").doesNotContain("terse");

    // the session is live: another user is answered from its row, exactly like a missing session
    String stranger = Harness.newUser();
    assertThatThrownBy(() -> await(h.sessions.send(stranger, id, "hijack")))
        .hasMessageContaining("not found");
    assertThatThrownBy(() -> await(h.sessions.events(stranger, id, 0)))
        .hasMessageContaining("not found");
    assertThat(h.provider.requests).hasSize(2);
  }

  /** The tool list is asked once and kept; a change announced by tool-service (a disabled tool) applies at the next turn. */
  @Test
  void aDisabledToolTakesEffectOnTheNextTurn() throws Exception {
    String user = Harness.newUser();
    JsonObject s = h.newSession(user, null);
    String id = s.getString("id");
    Harness.Recorder rec = h.record(id);
    h.tools.policies.put("grep_like", "allow");
    try {
      await(h.sessions.send(user, id, "one"));
      rec.awaitTurnCompleted(1);
      int asked = h.tools.listed.get();
      await(h.sessions.send(user, id, "two"));
      rec.awaitTurnCompleted(2);
      // kept between turns: not asked again
      assertThat(h.tools.listed.get()).isEqualTo(asked);
      assertThat(toolNames(h.provider.requests.get(1))).contains("grep_like");

      h.tools.policies.remove("grep_like");
      long generation = ToolListCache.generation(h.vertx).get();
      // what tool-service publishes after the change (ToolServicePolicyTest checks that it does)
      h.vertx.eventBus().publish(Addresses.TOOLS_CHANGED, new JsonObject().put("reason", "tool_updated").put("tool", "grep_like"));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ToolListCache.generation(h.vertx).get() > generation);
      await(h.sessions.send(user, id, "three"));
      rec.awaitTurnCompleted(3);
      assertThat(toolNames(h.provider.requests.get(2))).doesNotContain("grep_like").contains("echo");
      assertThat(h.tools.listed.get()).isEqualTo(asked + 1);
    } finally {
      h.tools.policies.remove("grep_like");
    }
  }

  private static List<String> toolNames(JsonObject request) {
    return request.getJsonArray("tools", new JsonArray()).stream().map(t -> ((JsonObject) t).getString("name")).toList();
  }
}
