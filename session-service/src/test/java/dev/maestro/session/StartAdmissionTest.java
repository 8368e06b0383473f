package dev.maestro.session;

import dev.maestro.platform.Admission;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
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
 * Issue 14: turn starts beyond what session-service's database pool serves wait for admission, in arrival order,
 * instead of being refused by the pool's wait queue (a thousand at once in bench e2e lost 584 streams that way);
 * only past the admission queue's bound is a start refused, with the clean 503 overloaded, and nothing of it stored.
 * A pool of 2 connections with a wait queue of 6 (room for what running turns write, not for a burst of starts), one
 * start admitted at a time, 8 waiting at most.
 */
class StartAdmissionTest {
  static final int WAITING = 8;
  static Harness h;
  static Pool outside;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(new JsonObject().put(SessionServiceVerticle.POOL_SIZE, 2).put(SessionServiceVerticle.POOL_WAIT_QUEUE, 6)
        .put(StartAdmission.IN_FLIGHT, 1).put(StartAdmission.QUEUE, WAITING).put(StartAdmission.WAIT_MS, 10_000)
        // every start on a place of its own (the starts below are one user's: by default they would share one;
        // SharedStartAdmissionTest covers that)
        .put(StartAdmission.SHARED, 1)
        // every stream of the test is one user's turn at once
        .put(SessionSettings.MAX_TURNS_PER_USER, 50));
    h.provider.fallback = request -> List.of(text("ok"), usage(3, 1), done("end_turn"));
    outside = h.outsidePool();
  }

  @AfterAll
  static void stop() throws Exception {
    outside.close().await(10, TimeUnit.SECONDS);
    h.close();
  }

  static Admission admission() {
    return h.verticle.router().store().admission();
  }

  @Test
  void startsBeyondThePoolWaitAndAllCompleteInArrivalOrderAndOnePastTheBoundIsA503() throws Exception {
    String user = Harness.newUser();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < WAITING + 2; i++) {
      String id = h.newSession(user, null).getString("id");
      ids.add(id);
      // live (activated) and warm: the starts below are turn starts only
      Harness.Recorder rec = h.record(id);
      await(h.sessions.send(user, id, "warm"));
      rec.awaitTurnCompleted(1);
    }
    // the user's turn starts block on the user's lock (taken first in each start transaction) until released:
    // the admitted start holds its connection meanwhile, the others have to wait
    SqlConnection lock = outside.getConnection().await(10, TimeUnit.SECONDS);
    List<Future<JsonObject>> sends = new ArrayList<>();
    try {
      lock.preparedQuery("SELECT pg_advisory_lock(hashtext('maestro.session.user'), hashtext($1))").execute(Tuple.of(user))
          .await(10, TimeUnit.SECONDS);
      for (int i = 0; i <= WAITING; i++) {
        sends.add(h.sessions.send(user, ids.get(i), "second " + i));
        int expected = i;
        // one after the other: the arrival order is ids[0], ids[1], …
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
            .until(() -> admission().inFlight() + admission().queued() == expected + 1);
      }
      assertThat(admission().inFlight()).isEqualTo(1);
      assertThat(admission().queued()).isEqualTo(WAITING);
      assertThat(sends).noneMatch(Future::isComplete);

      // one more than the bound: refused at once, cleanly, and nothing of it is stored
      String refused = ids.get(WAITING + 1);
      assertThatThrownBy(() -> await(h.sessions.send(user, refused, "one too many"))).isInstanceOfSatisfying(ServiceException.class, e -> {
        assertThat(e.failureCode()).isEqualTo(503);
        assertThat(e.getMessage()).isEqualTo(
            "session-service is overloaded: too many requests are waiting for the database; try again in a moment");
      });
      assertThat(rows("SELECT count(*) AS n FROM session.message WHERE session_id = $1", UUID.fromString(refused)).get(0).getLong("n"))
          .isEqualTo(2L);
    } finally {
      // (a pooled connection's close keeps its PostgreSQL session, and with it a session-level lock)
      lock.preparedQuery("SELECT pg_advisory_unlock(hashtext('maestro.session.user'), hashtext($1))").execute(Tuple.of(user))
          .await(10, TimeUnit.SECONDS);
      lock.close().await(10, TimeUnit.SECONDS);
    }
    // the lock is gone: every waiting start is admitted in turn and acknowledged
    for (Future<JsonObject> f : sends) assertThat(f.await(20, TimeUnit.SECONDS).getString("turnId")).isNotNull();
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> rows(
        "SELECT count(*) AS n FROM session.turn t JOIN session.session s ON s.id = t.session_id WHERE s.user_id = $1 AND t.status = 'complete'",
        user).get(0).getLong("n") == 2L * (WAITING + 1) + 1);
    // started in arrival order: each start transaction began (turn.started_at = its transaction's start) after the previous one's
    List<String> order = new ArrayList<>();
    for (Row r : rows("SELECT t.session_id FROM session.turn t JOIN session.message m ON m.turn_id = t.id AND m.role = 'user'"
        + " WHERE m.content::text LIKE '%second%' AND t.session_id = ANY($1) ORDER BY t.started_at",
        (Object) ids.stream().map(UUID::fromString).toArray(UUID[]::new))) {
      order.add(r.getUUID("session_id").toString());
    }
    assertThat(order).containsExactlyElementsOf(ids.subList(0, WAITING + 1));
    // and each session's messages are contiguous: user, assistant, user, assistant
    for (String id : ids.subList(0, WAITING + 1)) {
      assertThat(rows("SELECT ordinal, role, status FROM session.message WHERE session_id = $1 ORDER BY ordinal", UUID.fromString(id)))
          .extracting(r -> r.getInteger("ordinal") + ":" + r.getString("role") + ":" + r.getString("status"))
          .containsExactly("0:user:complete", "1:assistant:complete", "2:user:complete", "3:assistant:complete");
    }
    assertThat(admission().inFlight()).isZero();
    assertThat(admission().queued()).isZero();
  }

  static List<Row> rows(String sql, Object... args) throws Exception {
    List<Row> out = new ArrayList<>();
    outside.preparedQuery(sql).execute(Tuple.from(args)).await(10, TimeUnit.SECONDS).forEach(out::add);
    return out;
  }
}
