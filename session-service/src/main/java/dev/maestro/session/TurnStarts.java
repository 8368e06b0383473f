package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The turn starts of one user, group-committed ({@link GroupCommit}, issue 14): the starts waiting for the
 * user's lock are written in one transaction — the lock taken once, the running turns counted once, one
 * COMMIT — and each is still decided on its own, in arrival order:
 * <ol>
 *   <li>its owner epoch first (read under the user's lock, which every epoch change takes too: {@link
 *       SessionStore#claimLive}): a stale copy fails alone with STALE_OWNER and writes nothing;</li>
 *   <li>then the user's turn limit: the running turns counted in PostgreSQL (of owners alive) plus the starts of
 *       this batch accepted before it; past the limit it fails alone with TOO_MANY and writes nothing;</li>
 *   <li>then its rows (user message and assistant placeholder, turn, message count, idempotency key), each
 *       write still guarded by the epoch.</li>
 * </ol>
 * A write that fails (a duplicate idempotency key, say) fails its own start; the others go again in the next
 * transaction. A transaction that fails as a whole (the COMMIT, the connection) fails every start in it with 503
 * unavailable: none of them is stored, and the client may send again.
 */
final class TurnStarts {
  /** One turn start: its rows, the user's limit and the owner epoch it was made under. */
  record Start(UUID sessionId, JsonObject user, JsonObject assistant, String turnId, String owner, int maxTurns,
               Predicate<String> ownerAlive, String idempotencyKey, long epoch) {}

  /** A start refused because its epoch is stale: the caller's fence reports it (on the session's context). */
  static final class Stale extends RuntimeException {
    Stale() {
      super("stale owner epoch", null, false, false);
    }
  }

  /** Bounds one transaction's pipeline of statements (admission lets far fewer starts run at once anyway). */
  static final int MAX_BATCH = 256;

  private final GroupCommit<Start, Void> commits;

  TurnStarts(Pool pool) {
    this.commits = new GroupCommit<>(pool, MAX_BATCH, TurnStarts::batch, cause -> Fail.unavailable(
        "the turn start could not be stored (" + cause.getMessage() + "); nothing of it was stored, send the message again")
        .cause());
  }

  Future<Void> start(String userId, Start s) {
    return commits.submit(userId, s);
  }

  GroupCommit<Start, Void> commits() {
    return commits;
  }

  private static Future<List<Future<Void>>> batch(SqlConnection conn, String userId, List<Start> starts) {
    UUID[] ids = starts.stream().map(Start::sessionId).distinct().toArray(UUID[]::new);
    // one round trip: the user's lock, the epochs of the batch's sessions and the user's running turns per owner
    // (pipelined on the connection, run in order by PostgreSQL, so both reads happen under the lock)
    Future<RowSet<Row>> locked = conn.preparedQuery("SELECT pg_advisory_xact_lock(hashtext('maestro.session.user'), hashtext($1))")
        .execute(Tuple.of(userId));
    Future<RowSet<Row>> epochs = conn.preparedQuery("SELECT id, owner_epoch FROM session WHERE id = ANY($1)").execute(Tuple.of(ids));
    Future<RowSet<Row>> counted = conn.preparedQuery("SELECT t.owner_node, count(*) AS n FROM turn t JOIN session s"
        + " ON s.id = t.session_id WHERE s.user_id = $1 AND t.status = 'running' GROUP BY t.owner_node").execute(Tuple.of(userId));
    return locked.compose(v -> epochs).compose(e -> counted.compose(c -> {
      Map<UUID, Long> epochOf = new HashMap<>();
      for (Row r : e) epochOf.put(r.getUUID("id"), r.getLong("owner_epoch"));
      List<Future<Void>> outcomes = new ArrayList<>(starts.size());
      // per accepted start, its four writes (null for a start refused alone)
      List<List<Future<?>>> writes = new ArrayList<>(starts.size());
      int accepted = 0;
      for (Start s : starts) {
        Long current = epochOf.get(s.sessionId());
        if (current == null || current != s.epoch()) {
          outcomes.add(Future.failedFuture(new Stale()));
          writes.add(null);
          continue;
        }
        int running = countAlive(c, s.ownerAlive()) + accepted;
        if (running >= s.maxTurns()) {
          outcomes.add(Fail.tooMany("too many turns running: " + running + " of your sessions are answering (the limit is "
              + s.maxTurns() + "); wait for one to complete or cancel it"));
          writes.add(null);
          continue;
        }
        accepted++;
        outcomes.add(Future.succeededFuture());
        writes.add(write(conn, s));
      }
      // the writes of every accepted start go out together (one round trip); the first failure in statement order
      // is the cause (the later ones only say the transaction was aborted), and its start is the one that fails
      List<Future<?>> all = new ArrayList<>();
      for (List<Future<?>> w : writes) if (w != null) all.addAll(w);
      return Future.join(all).transform(ar -> {
        for (int i = 0; i < starts.size(); i++) {
          List<Future<?>> w = writes.get(i);
          if (w == null) continue;
          @SuppressWarnings("unchecked")
          Future<RowSet<Row>> owned = (Future<RowSet<Row>>) w.get(0);
          if (owned.succeeded() && owned.result().rowCount() == 0) return Future.failedFuture(new GroupCommit.JobFailed(i, new Stale()));
          for (Future<?> f : w) if (f.failed()) return Future.failedFuture(new GroupCommit.JobFailed(i, f.cause()));
        }
        return Future.succeededFuture(outcomes);
      });
    }));
  }

  /**
   * A start's rows. The session's UPDATE comes first and is guarded by the epoch (already checked under the
   * lock, so it matches); the message ordinals it claims are then the owner's to use.
   */
  private static List<Future<?>> write(SqlConnection conn, Start s) {
    UUID sid = s.sessionId();
    JsonObject a = s.assistant();
    JsonArray aContent = a.getJsonArray("content", new JsonArray());
    return List.of(
        conn.preparedQuery("UPDATE session SET message_count = message_count + 2, updated_at = now()"
            + " WHERE id = $1 AND owner_epoch = $2").execute(Tuple.of(sid, s.epoch())),
        conn.preparedQuery("INSERT INTO message (id, session_id, ordinal, turn_id, role, content, status, usage,"
                + " compacted, text_content) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10), ($11,$2,$12,$4,$13,$14,$15,$16,$17,$18)")
            .execute(messageValues(sid, s.user()).addValue(UUID.fromString(a.getString("id")))
                .addValue(a.getInteger("ordinal")).addValue(a.getString("role")).addValue(aContent)
                .addValue(a.getString("status")).addValue(a.getJsonObject("usage")).addValue(a.getBoolean("compacted", false))
                .addValue(Messages.searchText(aContent))),
        conn.preparedQuery("INSERT INTO turn (id, session_id, status, owner_node) VALUES ($1, $2, 'running', $3)")
            .execute(Tuple.of(UUID.fromString(s.turnId()), sid, s.owner())),
        SendKeys.record(conn, sid.toString(), s.idempotencyKey(), s.user().getString("id"), s.turnId()));
  }

  /** $1..$10 of a message row ($2 the session). */
  private static Tuple messageValues(UUID sessionId, JsonObject m) {
    JsonArray content = m.getJsonArray("content", new JsonArray());
    return Tuple.of(UUID.fromString(m.getString("id")), sessionId, m.getInteger("ordinal"),
            Fail.uuidOrNull(m.getString("turnId")), m.getString("role"), content)
        .addValue(m.getString("status")).addValue(m.getJsonObject("usage"))
        .addValue(m.getBoolean("compacted", false)).addValue(Messages.searchText(content));
  }

  /**
   * Sums the counts of rows (owner, n) whose owner is alive. Counted per owner in SQL: one row per owner, not one
   * per turn — a user with a thousand turns starting at once made every start read the thousand rows of the others
   * while holding the user's lock (bench e2e at 1,000 streams).
   */
  private static int countAlive(RowSet<Row> rows, Predicate<String> ownerAlive) {
    long n = 0;
    for (Row r : rows) {
      String owner = r.getString("owner_node");
      if (owner != null && ownerAlive.test(owner)) n += r.getLong("n");
    }
    return (int) Math.min(Integer.MAX_VALUE, n);
  }
}
