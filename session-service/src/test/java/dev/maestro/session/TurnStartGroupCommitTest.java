package dev.maestro.session;

import dev.maestro.platform.Admission;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.maestro.session.FakeProvider.done;
import static dev.maestro.session.FakeProvider.hold;
import static dev.maestro.session.FakeProvider.text;
import static dev.maestro.session.FakeProvider.usage;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14, group commit per user: the turn starts of one user that wait for the user's lock are stored in one
 * transaction (one lock, one COMMIT), each still checked against the user's turn limit in arrival order and
 * answered on its own; a start refused by the limit or whose write fails fails alone, a transaction that fails
 * as a whole fails every start in it with a retryable 503 and stores nothing.
 *
 * <p>Each test holds the user's advisory lock (the one every turn start takes first) from outside while its
 * sends arrive, so they are all waiting for it when it is let go: that is the moment the batching is for. Which
 * PostgreSQL transaction stored a row is its {@code xmin}.
 */
class TurnStartGroupCommitTest {
  static final int LIMIT = 4;
  static Harness h;
  static Pool outside;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(new JsonObject().put(SessionSettings.MAX_TURNS_PER_USER, LIMIT).put(StartAdmission.IN_FLIGHT, 12));
    outside = h.outsidePool();
  }

  @AfterAll
  static void stop() throws Exception {
    outside.close().await(10, TimeUnit.SECONDS);
    h.close();
  }

  @BeforeEach
  void reset() {
    h.provider.reset();
    h.provider.fallback = request -> List.of(text("ok"), usage(3, 1), done("end_turn"));
  }

  static Admission admission() {
    return h.verticle.router().store().admission();
  }

  /** n live sessions of user, each warmed by one completed turn (so the sends below are turn starts only). */
  static List<String> warmSessions(String user, int n) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = h.newSession(user, new JsonObject().put("tools", new JsonArray())).getString("id");
      Harness.Recorder rec = h.record(id);
      await(h.sessions.send(user, id, "warm"));
      rec.awaitTurnCompleted(1);
      ids.add(id);
    }
    return ids;
  }

  /** Holds user's turn-start lock from outside until released. */
  static final class UserLock implements AutoCloseable {
    final SqlConnection conn;
    final String user;
    boolean held;

    UserLock(String user) throws Exception {
      this.user = user;
      conn = outside.getConnection().await(10, TimeUnit.SECONDS);
      conn.preparedQuery("SELECT pg_advisory_lock(hashtext('maestro.session.user'), hashtext($1))").execute(Tuple.of(user))
          .await(10, TimeUnit.SECONDS);
      held = true;
    }

    void release() throws Exception {
      if (!held) return;
      held = false;
      // (a pooled connection's close keeps its PostgreSQL session, and with it a session-level lock)
      conn.preparedQuery("SELECT pg_advisory_unlock(hashtext('maestro.session.user'), hashtext($1))").execute(Tuple.of(user))
          .await(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      release();
      conn.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Sends one message to each session at once; returns when every start is admitted and waits for the lock. */
  static List<Future<JsonObject>> sendAll(String user, List<String> ids, String text) {
    List<Future<JsonObject>> sends = new ArrayList<>();
    int before = admission().inFlight();
    for (String id : ids) sends.add(h.sessions.send(user, id, text));
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> admission().inFlight() == before + ids.size());
    assertThat(sends).noneMatch(Future::isComplete);
    return sends;
  }

  static List<Row> rows(String sql, Object... args) throws Exception {
    List<Row> out = new ArrayList<>();
    outside.preparedQuery(sql).execute(Tuple.from(args)).await(10, TimeUnit.SECONDS).forEach(out::add);
    return out;
  }

  /** How many PostgreSQL transactions stored these messages. */
  static long transactionsThatStored(List<String> messageIds) throws Exception {
    return rows("SELECT count(DISTINCT xmin::text) AS n FROM session.message WHERE id = ANY($1)",
        (Object) messageIds.stream().map(UUID::fromString).toArray(UUID[]::new)).get(0).getLong("n");
  }

  static void assertUnavailable(Future<JsonObject> f) {
    assertThat(f.failed()).isTrue();
    assertThat(f.cause()).isInstanceOfSatisfying(ServiceException.class, e -> {
      assertThat(e.failureCode()).isEqualTo(503);
      assertThat(e.getMessage()).contains("the turn start could not be stored").contains("nothing of it was stored, send the message again");
    });
  }

  static void awaitSettled(List<Future<JsonObject>> sends) {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> sends.stream().allMatch(Future::isComplete));
  }

  @Test
  void startsWaitingForTheUsersLockAreStoredInOneTransaction() throws Exception {
    String user = Harness.newUser();
    List<String> ids = warmSessions(user, LIMIT);
    long txBefore = h.verticle.router().store().turnStartCommits().transactions();
    List<Future<JsonObject>> sends;
    try (UserLock lock = new UserLock(user)) {
      sends = sendAll(user, ids, "together");
      lock.release();
      for (Future<JsonObject> f : sends) assertThat(f.await(20, TimeUnit.SECONDS).getString("turnId")).isNotNull();
    }
    List<String> messageIds = sends.stream().map(f -> f.result().getString("messageId")).toList();
    // the first start took the lock alone (nothing else was waiting yet); the rest waited for it and went together
    assertThat(transactionsThatStored(messageIds)).isLessThanOrEqualTo(2);
    assertThat(h.verticle.router().store().turnStartCommits().transactions() - txBefore).isLessThanOrEqualTo(2);
    for (String id : ids) {
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> rows(
          "SELECT count(*) AS n FROM session.turn WHERE session_id = $1 AND status = 'complete'", UUID.fromString(id)).get(0).getLong("n") == 2L);
      assertThat(rows("SELECT ordinal, role, status FROM session.message WHERE session_id = $1 ORDER BY ordinal", UUID.fromString(id)))
          .extracting(r -> r.getInteger("ordinal") + ":" + r.getString("role") + ":" + r.getString("status"))
          .containsExactly("0:user:complete", "1:assistant:complete", "2:user:complete", "3:assistant:complete");
    }
  }

  @Test
  void theTurnLimitHoldsExactlyAtItsBoundaryWithinABatch() throws Exception {
    String user = Harness.newUser();
    List<String> ids = warmSessions(user, LIMIT + 3);
    // two turns already running (stored before the batch); the batch of five may add exactly two more
    h.provider.fallback = request -> List.of(text("held"), hold("limit-boundary"), done("end_turn"));
    try {
      await(h.sessions.send(user, ids.get(0), "running 1"));
      await(h.sessions.send(user, ids.get(1), "running 2"));
      List<String> batch = ids.subList(2, ids.size());
      List<Future<JsonObject>> sends;
      try (UserLock lock = new UserLock(user)) {
        sends = sendAll(user, batch, "at the boundary");
        lock.release();
        awaitSettled(sends);
      }
      List<Future<JsonObject>> ok = sends.stream().filter(Future::succeeded).toList();
      assertThat(ok).hasSize(LIMIT - 2);
      for (Future<JsonObject> f : sends) {
        if (f.succeeded()) continue;
        assertThat(f.cause()).isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(429);
          assertThat(e.getMessage()).contains("too many turns running: " + LIMIT).contains("the limit is " + LIMIT);
        });
      }
      assertThat(rows("SELECT count(*) AS n FROM session.turn t JOIN session.session s ON s.id = t.session_id"
          + " WHERE s.user_id = $1 AND t.status = 'running'", user).get(0).getLong("n")).isEqualTo(LIMIT);
      // a refused start stored nothing: its session has only the warm-up turn
      for (int i = 0; i < batch.size(); i++) {
        long messages = rows("SELECT count(*) AS n FROM session.message WHERE session_id = $1", UUID.fromString(batch.get(i)))
            .get(0).getLong("n");
        assertThat(messages).isEqualTo(sends.get(i).succeeded() ? 4L : 2L);
      }
    } finally {
      h.provider.release("limit-boundary");
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> rows("SELECT count(*) AS n FROM session.turn t JOIN session.session s"
        + " ON s.id = t.session_id WHERE s.user_id = $1 AND t.status = 'running'", user).get(0).getLong("n") == 0L);
  }

  /**
   * The COMMIT of a batch fails (a deferred trigger raises at COMMIT for one of its messages): every start of
   * that batch fails with the retryable 503 and none of them is stored; the start committed before it is kept,
   * and each session takes its next message normally.
   */
  @Test
  void aBatchWhoseCommitFailsStoresNothingAndFailsEveryStartInIt() throws Exception {
    String user = Harness.newUser();
    List<String> ids = warmSessions(user, LIMIT);
    outside.query("CREATE OR REPLACE FUNCTION session.gc_fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        + " IF NEW.text_content LIKE '%fail this batch%' THEN RAISE EXCEPTION 'injected commit failure'; END IF;"
        + " RETURN NULL; END $$").execute().await(10, TimeUnit.SECONDS);
    outside.query("DROP TRIGGER IF EXISTS gc_fail_commit ON session.message").execute().await(10, TimeUnit.SECONDS);
    outside.query("CREATE CONSTRAINT TRIGGER gc_fail_commit AFTER INSERT ON session.message DEFERRABLE INITIALLY DEFERRED"
        + " FOR EACH ROW EXECUTE FUNCTION session.gc_fail_commit()").execute().await(10, TimeUnit.SECONDS);
    Future<JsonObject> first;
    List<Future<JsonObject>> batch;
    try (UserLock lock = new UserLock(user)) {
      // the first start takes the lock's queue alone; the three after it wait for its transaction, together
      first = sendAll(user, ids.subList(0, 1), "first alone").get(0);
      Awaitility.await().atMost(Duration.ofSeconds(20))
          .until(() -> !rows("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").isEmpty());
      List<Future<JsonObject>> sends = new ArrayList<>();
      sends.add(h.sessions.send(user, ids.get(1), "plain"));
      sends.add(h.sessions.send(user, ids.get(2), "please fail this batch"));
      sends.add(h.sessions.send(user, ids.get(3), "plain too"));
      batch = sends;
      Awaitility.await().atMost(Duration.ofSeconds(20))
          .until(() -> h.verticle.router().store().turnStartCommits().waiting(user) == 3);
      lock.release();
      awaitSettled(batch);
      assertThat(first.await(20, TimeUnit.SECONDS).getString("turnId")).isNotNull();
    } finally {
      outside.query("DROP TRIGGER IF EXISTS gc_fail_commit ON session.message").execute().await(10, TimeUnit.SECONDS);
    }
    for (Future<JsonObject> f : batch) assertUnavailable(f);
    for (String id : ids.subList(1, 4)) {
      UUID sid = UUID.fromString(id);
      assertThat(rows("SELECT count(*) AS n FROM session.message WHERE session_id = $1", sid).get(0).getLong("n")).isEqualTo(2L);
      assertThat(rows("SELECT count(*) AS n FROM session.turn WHERE session_id = $1", sid).get(0).getLong("n")).isEqualTo(1L);
      assertThat(rows("SELECT message_count FROM session.session WHERE id = $1", sid).get(0).getInteger("message_count")).isEqualTo(2);
    }
    // each session goes on: the failed message is not in its history, the next one is stored after the warm-up turn
    for (String id : ids.subList(1, 4)) {
      Harness.Recorder rec = h.record(id);
      await(h.sessions.send(user, id, "again"));
      rec.awaitTurnCompleted(1);
      assertThat(rows("SELECT ordinal, content::text AS c FROM session.message WHERE session_id = $1 AND role = 'user' ORDER BY ordinal",
          UUID.fromString(id))).extracting(r -> r.getInteger("ordinal") + ":" + r.getString("c").contains("again"))
          .containsExactly("0:false", "2:true");
    }
  }

  /**
   * One start's write fails (a trigger refuses its message): that start fails alone with its error; the others
   * of its batch were rolled back with it and are stored by the next transaction.
   */
  @Test
  void aStartWhoseWriteFailsFailsAloneAndTheRestOfItsBatchIsStored() throws Exception {
    String user = Harness.newUser();
    List<String> ids = warmSessions(user, LIMIT);
    outside.query("CREATE OR REPLACE FUNCTION session.gc_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        + " IF NEW.text_content LIKE '%refuse this one%' THEN RAISE EXCEPTION 'injected write failure'; END IF;"
        + " RETURN NEW; END $$").execute().await(10, TimeUnit.SECONDS);
    outside.query("DROP TRIGGER IF EXISTS gc_refuse ON session.message").execute().await(10, TimeUnit.SECONDS);
    outside.query("CREATE TRIGGER gc_refuse BEFORE INSERT ON session.message FOR EACH ROW EXECUTE FUNCTION session.gc_refuse()")
        .execute().await(10, TimeUnit.SECONDS);
    long txBefore = h.verticle.router().store().turnStartCommits().transactions();
    List<Future<JsonObject>> batch = new ArrayList<>();
    try (UserLock lock = new UserLock(user)) {
      sendAll(user, ids.subList(0, 1), "first alone");
      Awaitility.await().atMost(Duration.ofSeconds(20))
          .until(() -> !rows("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").isEmpty());
      batch.add(h.sessions.send(user, ids.get(1), "plain"));
      batch.add(h.sessions.send(user, ids.get(2), "please refuse this one"));
      batch.add(h.sessions.send(user, ids.get(3), "plain too"));
      Awaitility.await().atMost(Duration.ofSeconds(20))
          .until(() -> h.verticle.router().store().turnStartCommits().waiting(user) == 3);
      lock.release();
      awaitSettled(batch);
    } finally {
      outside.query("DROP TRIGGER IF EXISTS gc_refuse ON session.message").execute().await(10, TimeUnit.SECONDS);
    }
    assertThat(batch.get(1).failed()).isTrue();
    // its own error (not the batch's 503: the others were not refused)
    assertThat(batch.get(1).cause()).isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isNotEqualTo(503));
    assertThat(batch.get(0).succeeded()).isTrue();
    assertThat(batch.get(2).succeeded()).isTrue();
    // the first alone, the batch of three (rolled back), the two others again together
    assertThat(h.verticle.router().store().turnStartCommits().transactions() - txBefore).isEqualTo(3);
    assertThat(transactionsThatStored(List.of(batch.get(0).result().getString("messageId"), batch.get(2).result().getString("messageId"))))
        .isEqualTo(1);
    assertThat(rows("SELECT count(*) AS n FROM session.message WHERE session_id = $1", UUID.fromString(ids.get(2))).get(0).getLong("n"))
        .isEqualTo(2L);
  }

  /**
   * Activations take the same lock for the user's live-session limit: the claims waiting for it go in one
   * transaction, each counted in arrival order (exactly the limit is let in) and each taking its own session's
   * next epoch and seq block.
   */
  @Test
  void activationClaimsWaitingForTheUsersLockAreOneTransactionAndStopAtTheLiveLimit() throws Exception {
    String user = Harness.newUser();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) ids.add(h.newSession(user, null).getString("id"));
    Pool own = dev.maestro.platform.Database.pool(h.vertx, dev.maestro.platform.MaestroConfig.of(TestEnv.config()),
        SessionServiceVerticle.SCHEMA, 2);
    SessionStore store = new SessionStore(own);
    List<Future<SessionStore.Claim>> claims = new ArrayList<>();
    try (UserLock lock = new UserLock(user)) {
      io.vertx.core.Promise<Void> sent = io.vertx.core.Promise.promise();
      h.vertx.runOnContext(v -> {
        for (String id : ids) claims.add(store.claimLive(user, id, "node-x/r", 3, o -> true, EventLog.RESERVE));
        sent.complete();
      });
      sent.future().await(10, TimeUnit.SECONDS);
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> store.liveClaimCommits().waiting(user) == 4);
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> claims.stream().allMatch(Future::isComplete));
    assertThat(claims.subList(0, 3)).allMatch(Future::succeeded);
    for (Future<SessionStore.Claim> f : claims.subList(3, 5)) {
      assertThat(f.cause()).isInstanceOfSatisfying(ServiceException.class, e -> {
        assertThat(e.failureCode()).isEqualTo(429);
        assertThat(e.getMessage()).contains("too many open sessions: 3 of yours are live (the limit is 3)");
      });
    }
    assertThat(store.liveClaimCommits().transactions()).isEqualTo(2);
    UUID[] all = ids.stream().map(UUID::fromString).toArray(UUID[]::new);
    List<Row> rows = rows("SELECT id, live_owner, owner_epoch, seq_ceiling, xmin::text AS tx FROM session.session WHERE id = ANY($1)",
        (Object) all);
    assertThat(rows.stream().filter(r -> r.getString("live_owner") != null).count()).isEqualTo(3);
    assertThat(rows.stream().filter(r -> r.getString("live_owner") != null).map(r -> r.getString("tx")).distinct().count())
        .isLessThanOrEqualTo(2);
    for (int i = 0; i < 3; i++) {
      SessionStore.Claim c = claims.get(i).result();
      String id = ids.get(i);
      Row r = rows.stream().filter(x -> x.getUUID("id").toString().equals(id)).findFirst().orElseThrow();
      assertThat(c.epoch()).isEqualTo(r.getLong("owner_epoch"));
      assertThat(c.seqStart() + EventLog.RESERVE).isEqualTo(r.getLong("seq_ceiling"));
    }
    own.close().await(10, TimeUnit.SECONDS);
  }
}
