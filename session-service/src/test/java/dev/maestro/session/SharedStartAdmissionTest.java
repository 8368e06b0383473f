package dev.maestro.session;

import dev.maestro.platform.Admission;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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

/**
 * Issue 14: the turn starts of one user share an admitted place (StartAdmission {@code SHARED}): they are written
 * together (TurnStarts' group commit: one transaction at a time per user), so a burst of them holds one connection
 * however many there are, and counting each as a place kept at most IN_FLIGHT of them in a transaction. With one
 * place (IN_FLIGHT 1) shared by up to 9 starts: 8 starts of one user all run at once and are stored by at most two
 * transactions; another user's start waits for a place of its own, and a ninth start of the first user, arriving
 * after it, waits behind it although its user's place has room (first come first started).
 */
class SharedStartAdmissionTest {
  static final int SHARE = 9;
  static Harness h;
  static Pool outside;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    // a pool of 2 connections, so the starts could not have run together on connections of their own; its wait
    // queue is not what this test is about: 8 starts in flight at once, each with its budget check, beside the
    // warm-up turns' ends, outgrew a queue of 6 once under the parallel build (the default is 4,096)
    h = Harness.start(new JsonObject().put(SessionServiceVerticle.POOL_SIZE, 2).put(SessionServiceVerticle.POOL_WAIT_QUEUE, 64)
        .put(StartAdmission.IN_FLIGHT, 1).put(StartAdmission.QUEUE, 8).put(StartAdmission.WAIT_MS, 10_000)
        .put(StartAdmission.SHARED, SHARE).put(SessionSettings.MAX_TURNS_PER_USER, 50));
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

  static String warmSession(String user) throws Exception {
    String id = h.newSession(user, new JsonObject().put("tools", new JsonArray())).getString("id");
    Harness.Recorder rec = h.record(id);
    await(h.sessions.send(user, id, "warm"));
    rec.awaitTurnCompleted(1);
    return id;
  }

  @Test
  void oneUsersStartsShareAPlaceAndAreStoredTogetherWhileOthersStillWaitInArrivalOrder() throws Exception {
    String user = Harness.newUser();
    String other = Harness.newUser();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < SHARE; i++) ids.add(warmSession(user));
    String otherId = warmSession(other);

    // the user's starts block on the user's lock (taken first in each start transaction) until it is let go
    SqlConnection lock = outside.getConnection().await(10, TimeUnit.SECONDS);
    List<Future<JsonObject>> burst = new ArrayList<>();
    Future<JsonObject> otherSend;
    Future<JsonObject> ninth;
    try {
      lock.preparedQuery("SELECT pg_advisory_lock(hashtext('maestro.session.user'), hashtext($1))").execute(Tuple.of(user))
          .await(10, TimeUnit.SECONDS);
      for (int i = 0; i < SHARE - 1; i++) {
        burst.add(h.sessions.send(user, ids.get(i), "burst " + i));
        int expected = i + 1;
        // admitted at once, one after the other, all on the one place (counted one place each, only 1 would run)
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
            .until(() -> admission().inFlight() == expected);
        assertThat(admission().queued()).isZero();
      }
      assertThat(admission().places()).isEqualTo(1);

      // another user's start needs a place of its own: it waits
      otherSend = h.sessions.send(other, otherId, "other");
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> admission().queued() == 1);
      // the user's ninth would fit on the user's place, but the other user's start came first: it waits behind it
      ninth = h.sessions.send(user, ids.get(SHARE - 1), "ninth");
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> admission().queued() == 2);
      assertThat(admission().inFlight()).isEqualTo(SHARE - 1);
      assertThat(burst).noneMatch(Future::isComplete);
      assertThat(otherSend.isComplete()).isFalse();
    } finally {
      // (a pooled connection's close keeps its PostgreSQL session, and with it a session-level lock)
      lock.preparedQuery("SELECT pg_advisory_unlock(hashtext('maestro.session.user'), hashtext($1))").execute(Tuple.of(user))
          .await(10, TimeUnit.SECONDS);
      lock.close().await(10, TimeUnit.SECONDS);
    }
    List<String> burstMessages = new ArrayList<>();
    for (Future<JsonObject> f : burst) burstMessages.add(f.await(20, TimeUnit.SECONDS).getString("messageId"));
    assertThat(otherSend.await(20, TimeUnit.SECONDS).getString("turnId")).isNotNull();
    assertThat(ninth.await(20, TimeUnit.SECONDS).getString("turnId")).isNotNull();

    // the first start ran alone (it found nothing of its user running), the other seven waited for it together
    assertThat(rows("SELECT count(DISTINCT xmin::text) AS n FROM session.message WHERE id = ANY($1)",
        (Object) burstMessages.stream().map(UUID::fromString).toArray(UUID[]::new)).get(0).getLong("n")).isLessThanOrEqualTo(2L);
    // started in arrival order: the burst, then the other user's start, then the ninth (turn.started_at = its
    // transaction's start)
    List<String> all = new ArrayList<>(ids);
    all.add(otherId);
    List<String> order = new ArrayList<>();
    for (Row r : rows("SELECT t.session_id FROM session.turn t JOIN session.message m ON m.turn_id = t.id AND m.role = 'user'"
        + " WHERE m.content::text NOT LIKE '%warm%' AND t.session_id = ANY($1) ORDER BY t.started_at",
        (Object) all.stream().map(UUID::fromString).toArray(UUID[]::new))) {
      order.add(r.getUUID("session_id").toString());
    }
    assertThat(order.subList(0, SHARE - 1)).containsExactlyInAnyOrderElementsOf(ids.subList(0, SHARE - 1));
    assertThat(order.subList(SHARE - 1, order.size())).containsExactly(otherId, ids.get(SHARE - 1));
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> admission().inFlight() == 0 && admission().places() == 0);
    assertThat(admission().queued()).isZero();
  }

  static List<Row> rows(String sql, Object... args) throws Exception {
    List<Row> out = new ArrayList<>();
    outside.preparedQuery(sql).execute(Tuple.from(args)).await(10, TimeUnit.SECONDS).forEach(out::add);
    return out;
  }
}
