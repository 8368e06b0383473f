package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The SQL of the session runtime (issue 16): queued and steered messages, the session's plan/build
 * mode, tools allowed for a whole session, and the "running now" list. Ownership is in the WHERE
 * clause, as in {@link SessionStore}: another user's row answers like a missing one.
 */
final class RuntimeStore {
  static final String QUEUE = "queue";
  static final String STEER = "steer";
  private static final String QUEUED_COLUMNS = "id, session_id, mode, text, position, started, created_at, updated_at";

  private final Pool pool;

  RuntimeStore(Pool pool) {
    this.pool = pool;
  }

  // ---------------------------------------------------------------- queue

  /**
   * Stores a queued/steered message unless the session already has max waiting (→ null); once this
   * completes the message is acknowledged. (Only the session's owner inserts, so the count holds.)
   */
  Future<JsonObject> enqueue(String sessionId, String userId, String mode, String text, int max) {
    return pool.preparedQuery("INSERT INTO queued_message (id, session_id, user_id, mode, text) SELECT $1,$2,$3,$4,$5"
            + " WHERE (SELECT count(*) FROM queued_message WHERE session_id = $2) < $6 RETURNING " + QUEUED_COLUMNS)
        .execute(Tuple.of(UUID.randomUUID(), UUID.fromString(sessionId), userId, mode, text, max))
        .map(rows -> rows.size() == 0 ? null : queuedJson(rows.iterator().next()));
  }

  /** The messages waiting to start, oldest first (claimed ones are starting and no longer editable). */
  Future<JsonArray> queued(String userId, String sessionId) {
    return pool.preparedQuery("SELECT " + QUEUED_COLUMNS + " FROM queued_message WHERE session_id = $1 AND user_id = $2"
            + " AND NOT started ORDER BY position")
        .execute(Tuple.of(UUID.fromString(sessionId), userId))
        .map(rows -> {
          JsonArray items = new JsonArray();
          rows.forEach(r -> items.add(queuedJson(r)));
          return items;
        });
  }

  /** Changes the text of a message that has not started; NOT_FOUND when it is not (or no longer) waiting. */
  Future<JsonObject> edit(String userId, String sessionId, String messageId, String text) {
    UUID id = Fail.uuidOrNull(messageId);
    if (id == null) return Fail.notFound("queued message " + messageId);
    return pool.preparedQuery("UPDATE queued_message SET text = $4, updated_at = now() WHERE id = $1 AND session_id = $2"
            + " AND user_id = $3 AND NOT started RETURNING " + QUEUED_COLUMNS)
        .execute(Tuple.of(id, UUID.fromString(sessionId), userId, text))
        .compose(rows -> rows.size() == 0 ? Fail.notFound("queued message " + messageId)
            : Future.succeededFuture(queuedJson(rows.iterator().next())));
  }

  Future<Void> remove(String userId, String sessionId, String messageId) {
    UUID id = Fail.uuidOrNull(messageId);
    if (id == null) return Fail.notFound("queued message " + messageId);
    return pool.preparedQuery("DELETE FROM queued_message WHERE id = $1 AND session_id = $2 AND user_id = $3 AND NOT started")
        .execute(Tuple.of(id, UUID.fromString(sessionId), userId))
        .compose(r -> r.rowCount() == 0 ? Fail.notFound("queued message " + messageId) : Future.succeededFuture());
  }

  /**
   * Run by a new owner before it drains: rows whose user message exists were started (their delete
   * was lost with the old owner) and go; rows claimed but never started are waiting again.
   */
  Future<Void> recover(String sessionId, long epoch) {
    UUID id = UUID.fromString(sessionId);
    return pool.preparedQuery("DELETE FROM queued_message q WHERE q.session_id = $1 AND EXISTS (SELECT 1 FROM message m WHERE m.id = q.id)")
        .execute(Tuple.of(id))
        .compose(r -> pool.preparedQuery("UPDATE queued_message SET started = false WHERE session_id = $1 AND started" + CURRENT_OWNER)
            .execute(Tuple.of(id, epoch)))
        .mapEmpty();
  }

  /** The session is still at owner epoch $2 (issue 17): a stale copy claims and unclaims nothing. */
  private static final String CURRENT_OWNER = " AND EXISTS (SELECT 1 FROM session s WHERE s.id = queued_message.session_id"
      + " AND s.owner_epoch = $2)";

  /** Claims the oldest waiting message (any mode) → it, or null when none waits (or epoch is stale). */
  Future<JsonObject> claimNext(String sessionId, long epoch) {
    return pool.preparedQuery("UPDATE queued_message SET started = true WHERE id = (SELECT id FROM queued_message"
            + " WHERE session_id = $1 AND NOT started ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED)" + CURRENT_OWNER
            + " RETURNING " + QUEUED_COLUMNS)
        .execute(Tuple.of(UUID.fromString(sessionId), epoch))
        .map(rows -> rows.size() == 0 ? null : queuedJson(rows.iterator().next()));
  }

  /** Claims every waiting steered message, oldest first. */
  Future<List<JsonObject>> claimSteers(String sessionId, long epoch) {
    return pool.preparedQuery("UPDATE queued_message SET started = true WHERE session_id = $1 AND mode = 'steer' AND NOT started"
            + CURRENT_OWNER + " RETURNING " + QUEUED_COLUMNS)
        .execute(Tuple.of(UUID.fromString(sessionId), epoch))
        .map(rows -> {
          List<JsonObject> list = new ArrayList<>();
          rows.forEach(r -> list.add(queuedJson(r)));
          list.sort((a, b) -> Long.compare(a.getLong("position"), b.getLong("position")));
          return list;
        });
  }

  /** Guarded like the claims: a stale copy must not undo a claim of the session's new owner. */
  Future<Void> unclaim(String messageId, long epoch) {
    return pool.preparedQuery("UPDATE queued_message SET started = false WHERE id = $1" + CURRENT_OWNER)
        .execute(Tuple.of(UUID.fromString(messageId), epoch)).mapEmpty();
  }

  Future<Void> done(String messageId) {
    return pool.preparedQuery("DELETE FROM queued_message WHERE id = $1").execute(Tuple.of(UUID.fromString(messageId))).mapEmpty();
  }

  /** Sessions with waiting messages → their live owner (null when none): a sweeper activates the ownerless ones. */
  Future<List<String[]>> sessionsWithQueue() {
    return pool.query("SELECT DISTINCT q.session_id, s.live_owner FROM queued_message q JOIN session s ON s.id = q.session_id"
            + " WHERE NOT q.started LIMIT 1000").execute()
        .map(rows -> {
          List<String[]> list = new ArrayList<>();
          rows.forEach(r -> list.add(new String[] {r.getUUID("session_id").toString(), r.getString("live_owner")}));
          return list;
        });
  }

  // ---------------------------------------------------------------- plan / build

  Future<String> mode(String sessionId) {
    return pool.preparedQuery("SELECT mode FROM session WHERE id = $1").execute(Tuple.of(UUID.fromString(sessionId)))
        .map(rows -> rows.size() == 0 ? SessionModes.BUILD : rows.iterator().next().getString("mode"));
  }

  Future<Void> setMode(String userId, String sessionId, String mode) {
    UUID id = Fail.uuidOrNull(sessionId);
    if (id == null) return Fail.notFound("session " + sessionId);
    return pool.preparedQuery("UPDATE session SET mode = $3, updated_at = now() WHERE id = $1 AND user_id = $2")
        .execute(Tuple.of(id, userId, mode))
        .compose(r -> r.rowCount() == 0 ? Fail.notFound("session " + sessionId) : Future.succeededFuture());
  }

  // ---------------------------------------------------------------- approvals

  Future<Set<String>> allowedTools(String sessionId) {
    return pool.preparedQuery("SELECT tool FROM session_tool_allow WHERE session_id = $1").execute(Tuple.of(UUID.fromString(sessionId)))
        .map(rows -> {
          Set<String> set = new HashSet<>();
          rows.forEach(r -> set.add(r.getString("tool")));
          return set;
        });
  }

  Future<Void> allowTool(String sessionId, String tool) {
    return pool.preparedQuery("INSERT INTO session_tool_allow (session_id, tool) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .execute(Tuple.of(UUID.fromString(sessionId), tool)).mapEmpty();
  }

  /** Marks the session's running turn as waiting for an approval (or not). */
  Future<Void> setWaiting(String sessionId, boolean waiting) {
    return pool.preparedQuery("UPDATE turn SET waiting_since = CASE WHEN $2 THEN COALESCE(waiting_since, now()) ELSE NULL END"
            + " WHERE session_id = $1 AND status = 'running'")
        .execute(Tuple.of(UUID.fromString(sessionId), waiting)).mapEmpty();
  }

  // ---------------------------------------------------------------- running now

  /** The user's running turns: {sessionId, title, turnId, startedAt, waitingSince, owner}. */
  Future<List<JsonObject>> runningTurns(String userId) {
    return pool.preparedQuery("SELECT t.id, t.session_id, t.started_at, t.waiting_since, t.owner_node, s.title FROM turn t"
            + " JOIN session s ON s.id = t.session_id WHERE s.user_id = $1 AND t.status = 'running' ORDER BY t.started_at")
        .execute(Tuple.of(userId))
        .map(rows -> {
          List<JsonObject> list = new ArrayList<>();
          for (Row r : rows) {
            list.add(new JsonObject().put("sessionId", r.getUUID("session_id").toString()).put("title", r.getString("title"))
                .put("turnId", r.getUUID("id").toString()).put("startedAt", r.getOffsetDateTime("started_at").toInstant().toString())
                .put("waitingSince", r.getOffsetDateTime("waiting_since") == null ? null
                    : r.getOffsetDateTime("waiting_since").toInstant().toString())
                .put("owner", r.getString("owner_node")));
          }
          return list;
        });
  }

  /** The user's sessions with waiting messages: {sessionId, title, queued, since}. */
  Future<List<JsonObject>> queuedSessions(String userId) {
    return pool.preparedQuery("SELECT q.session_id, s.title, count(*) AS n, min(q.created_at) AS since FROM queued_message q"
            + " JOIN session s ON s.id = q.session_id WHERE q.user_id = $1 AND s.user_id = $1 GROUP BY q.session_id, s.title ORDER BY since")
        .execute(Tuple.of(userId))
        .map(rows -> {
          List<JsonObject> list = new ArrayList<>();
          for (Row r : rows) {
            list.add(new JsonObject().put("sessionId", r.getUUID("session_id").toString()).put("title", r.getString("title"))
                .put("queued", r.getLong("n")).put("since", r.getOffsetDateTime("since").toInstant().toString()));
          }
          return list;
        });
  }

  static JsonObject queuedJson(Row r) {
    return new JsonObject().put("id", r.getUUID("id").toString()).put("sessionId", r.getUUID("session_id").toString())
        .put("mode", r.getString("mode")).put("text", r.getString("text")).put("position", r.getLong("position"))
        .put("started", r.getBoolean("started"))
        .put("createdAt", r.getOffsetDateTime("created_at").toInstant().toString())
        .put("updatedAt", r.getOffsetDateTime("updated_at").toInstant().toString());
  }
}
