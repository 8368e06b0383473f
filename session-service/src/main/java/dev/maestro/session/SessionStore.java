package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Every SQL statement of schema {@code session}. Ownership checks live here: a row of another user
 * is filtered out by the query itself, so it answers exactly like a missing one.
 */
public class SessionStore {
  static final String SESSION_COLUMNS = "id, user_id, title, provider, model, credential_id, template_id, system_prompt,"
      + " tools, params, forked_from, message_count, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,"
      + " cost_usd, seq_ceiling, created_at, updated_at"
      + ", mode";
  private static final String MESSAGE_COLUMNS = "id, ordinal, turn_id, role, content, status, usage, compacted, created_at";
  private static final String TEMPLATE_COLUMNS = "id, name, description, provider, model, system_prompt, tools, params, created_at, updated_at";
  private static final String INSERT_SESSION = "INSERT INTO session (id, user_id, title, provider, model, credential_id,"
      + " template_id, system_prompt, tools, params, forked_from) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)";

  private final Pool pool;
  /** Turn starts and activations of this node wait here before they use the pool (null: they never wait). */
  private final dev.maestro.platform.Admission admission;
  /** This node's turn starts, group-committed per user. */
  private final TurnStarts turnStarts;
  /** This node's activations' claims, group-committed per user. */
  private final LiveClaims liveClaims;
  /** This node's budget ledger: one, so that its group commit sees all of a user's reservations here. */
  private final BudgetLedger budgetLedger;

  public SessionStore(Pool pool) {
    this(pool, null);
  }

  public SessionStore(Pool pool, dev.maestro.platform.Admission admission) {
    this.pool = pool;
    this.admission = admission;
    this.turnStarts = new TurnStarts(pool);
    this.liveClaims = new LiveClaims(pool);
    this.budgetLedger = new BudgetLedger(pool, java.time.Clock.systemUTC());
  }

  /** The node's budget ledger (reservations and settlements group-committed per user). */
  BudgetLedger budgetLedger() {
    return budgetLedger;
  }

  /**
   * Runs work — a turn start, or the loading of a session being activated: the bursts of database work that
   * a thousand clients starting at once bring — once this node's admission lets it (issue 14), so the pool
   * serves what it can while the rest waits its turn instead of being refused.
   */
  public <T> Future<T> admitted(java.util.function.Supplier<Future<T>> work) {
    return admission == null ? work.get() : admission.run(work);
  }

  /**
   * As {@link #admitted(java.util.function.Supplier)} for work of one user that is group-committed per user (turn
   * starts): it may share an admitted place with that user's running starts (StartAdmission, {@code SHARED}).
   */
  public <T> Future<T> admitted(String userId, java.util.function.Supplier<Future<T>> work) {
    return admission == null ? work.get() : admission.run(userId, work);
  }

  public dev.maestro.platform.Admission admission() {
    return admission;
  }

  /** For the stores of features with their own SQL class (sub-agents, budgets). */
  public Pool pool() {
    return pool;
  }

  // ---------------------------------------------------------------- sessions

  public Future<JsonObject> insertSession(String userId, JsonObject s) {
    UUID id = UUID.randomUUID();
    return pool.preparedQuery(INSERT_SESSION + " RETURNING " + SESSION_COLUMNS).execute(sessionRow(id, userId, s))
        .map(rows -> sessionJson(rows.iterator().next()));
  }

  private static Tuple sessionRow(UUID id, String userId, JsonObject s) {
    return Tuple.of(id, userId, s.getString("title", ""), s.getString("provider"), s.getString("model"),
            s.getString("credentialId")).addValue(Fail.uuidOrNull(s.getString("templateId")))
        .addValue(s.getString("systemPrompt", "")).addValue(s.getJsonArray("tools"))
        .addValue(s.getJsonObject("params", new JsonObject()))
        .addValue(Fail.uuidOrNull(s.getString("forkedFrom")));
  }

  /** The session when it belongs to userId (userId null: any owner), else NOT_FOUND. */
  public Future<JsonObject> session(String userId, String sessionId) {
    UUID id = Fail.uuidOrNull(sessionId);
    if (id == null) return Fail.notFound("session " + sessionId);
    return pool.preparedQuery("SELECT " + SESSION_COLUMNS + " FROM session WHERE id = $1 AND ($2::text IS NULL OR user_id = $2)")
        .execute(Tuple.of(id, userId))
        .compose(rows -> firstOrNotFound(rows, "session " + sessionId, SessionStore::sessionJson));
  }

  /** Succeeds when the session belongs to userId, else NOT_FOUND: one index lookup, no columns. */
  public Future<Void> owned(String userId, String sessionId) {
    UUID id = Fail.uuidOrNull(sessionId);
    if (id == null) return Fail.notFound("session " + sessionId);
    return pool.preparedQuery("SELECT 1 FROM session WHERE id = $1 AND user_id = $2").execute(Tuple.of(id, userId))
        .compose(rows -> rows.size() == 0 ? Fail.notFound("session " + sessionId) : Future.succeededFuture());
  }

  public Future<JsonObject> list(String userId, String q, int limit, String cursor) {
    List<Object> params = new ArrayList<>();
    params.add(userId);
    // sub-agent sessions are listed under their parent ("children"), not here
    StringBuilder sql = new StringBuilder("SELECT " + SESSION_COLUMNS + " FROM session s WHERE user_id = $1 AND parent_session_id IS NULL");
    String tsquery = q == null ? null : prefixQuery(q);
    if (q != null && !q.isBlank()) {
      if (tsquery == null) return Future.succeededFuture(new JsonObject().put("items", new JsonArray()).putNull("nextCursor"));
      params.add(tsquery);
      int p = params.size();
      sql.append(" AND (title_tsv @@ to_tsquery('simple', $").append(p).append(") OR EXISTS (SELECT 1 FROM message m")
          .append(" WHERE m.session_id = s.id AND m.text_tsv @@ to_tsquery('simple', $").append(p).append(")))");
    }
    return page(sql, params, limit, cursor, SessionStore::summaryJson);
  }

  public Future<JsonObject> updateSession(String userId, String sessionId, JsonObject patch) {
    UUID id = Fail.uuidOrNull(sessionId);
    if (id == null) return Fail.notFound("session " + sessionId);
    // each field is updated only when the patch names it (COALESCE would forbid clearing tools)
    return pool.preparedQuery("UPDATE session SET"
            + " title = CASE WHEN $3 THEN $4 ELSE title END,"
            + " model = CASE WHEN $5 THEN $6 ELSE model END,"
            + " provider = CASE WHEN $7 THEN $8 ELSE provider END,"
            + " credential_id = CASE WHEN $9 THEN $10 ELSE credential_id END,"
            + " tools = CASE WHEN $11 THEN $12::jsonb ELSE tools END,"
            + " system_prompt = CASE WHEN $13 THEN $14 ELSE system_prompt END,"
            + " params = CASE WHEN $15 THEN $16::jsonb ELSE params END,"
            + " updated_at = now() WHERE id = $1 AND user_id = $2 RETURNING " + SESSION_COLUMNS)
        .execute(Tuple.of(id, userId)
            .addValue(patch.containsKey("title")).addValue(patch.getString("title"))
            .addValue(patch.containsKey("model")).addValue(patch.getString("model"))
            .addValue(patch.containsKey("provider")).addValue(patch.getString("provider"))
            .addValue(patch.containsKey("credentialId")).addValue(patch.getString("credentialId"))
            .addValue(patch.containsKey("tools")).addValue(patch.getJsonArray("tools"))
            .addValue(patch.containsKey("systemPrompt")).addValue(patch.getString("systemPrompt"))
            .addValue(patch.containsKey("params")).addValue(patch.getJsonObject("params")))
        .compose(rows -> firstOrNotFound(rows, "session " + sessionId, SessionStore::sessionJson));
  }

  public Future<Void> deleteSession(String userId, String sessionId) {
    return deleteOwned("session", userId, sessionId);
  }

  public Future<Boolean> exists(String sessionId) {
    UUID id = Fail.uuidOrNull(sessionId);
    if (id == null) return Future.succeededFuture(false);
    return pool.preparedQuery("SELECT 1 FROM session WHERE id = $1").execute(Tuple.of(id)).map(r -> r.size() > 0);
  }

  /**
   * Reserves seq numbers up to ceiling: a later owner starts above anything ever published. Only while
   * fence's epoch is current (a stale owner must not extend its block into the new owner's numbers).
   */
  public Future<Void> setSeqCeiling(String sessionId, long ceiling, OwnerFence fence) {
    return pool.preparedQuery("UPDATE session SET seq_ceiling = GREATEST(seq_ceiling, $2) WHERE id = $1 AND owner_epoch = $3")
        .execute(Tuple.of(UUID.fromString(sessionId), ceiling, fence.epoch)).compose(r -> fence.check(r.rowCount()));
  }

  public Future<Void> addUsage(String sessionId, JsonObject usage, OwnerFence fence) {
    return pool.preparedQuery("UPDATE session SET input_tokens = input_tokens + $2, output_tokens = output_tokens + $3,"
            + " cache_read_tokens = cache_read_tokens + $4, cache_write_tokens = cache_write_tokens + $5,"
            + " cost_usd = cost_usd + $6, updated_at = now() WHERE id = $1 AND owner_epoch = $7")
        .execute(Tuple.of(UUID.fromString(sessionId), usage.getLong("inputTokens", 0L), usage.getLong("outputTokens", 0L),
            usage.getLong("cacheReadTokens", 0L), usage.getLong("cacheWriteTokens", 0L), usage.getDouble("costUsd", 0.0), fence.epoch))
        .compose(r -> fence.check(r.rowCount()));
  }

  // ---------------------------------------------------------------- messages and turns

  /**
   * What a live session keeps in memory: the messages not replaced by a summary (compacted ones
   * stay in the table for get and export), and the next free ordinal.
   */
  public Future<JsonObject> liveHistory(String sessionId) {
    UUID id = UUID.fromString(sessionId);
    return pool.preparedQuery("SELECT " + MESSAGE_COLUMNS + " FROM message WHERE session_id = $1 AND NOT compacted ORDER BY ordinal")
        .execute(Tuple.of(id))
        .compose(rows -> pool.preparedQuery("SELECT COALESCE(MAX(ordinal) + 1, 0) AS next FROM message WHERE session_id = $1")
            .execute(Tuple.of(id)).map(next -> {
              JsonArray list = new JsonArray();
              rows.forEach(r -> list.add(messageJson(r)));
              return new JsonObject().put("messages", list).put("nextOrdinal", next.iterator().next().getInteger("next"));
            }));
  }

  public Future<List<JsonObject>> messages(String sessionId) {
    return pool.preparedQuery("SELECT " + MESSAGE_COLUMNS + " FROM message WHERE session_id = $1 ORDER BY ordinal")
        .execute(Tuple.of(UUID.fromString(sessionId)))
        .map(rows -> {
          List<JsonObject> list = new ArrayList<>(rows.size());
          rows.forEach(r -> list.add(messageJson(r)));
          return list;
        });
  }

  /**
   * One statement: the session's count is bumped only while fence's epoch is current, and the message
   * is inserted only when that happened (a stale owner inserts nothing: STALE_OWNER).
   */
  private static Future<Void> insertMessage(SqlClient client, String sessionId, JsonObject m, OwnerFence fence) {
    JsonArray content = m.getJsonArray("content", new JsonArray());
    return client.preparedQuery("WITH owner AS (UPDATE session SET message_count = message_count + 1, updated_at = now()"
            + " WHERE id = $2 AND owner_epoch = $11 RETURNING id)"
            + " INSERT INTO message (id, session_id, ordinal, turn_id, role, content, status, usage, compacted, text_content)"
            + " SELECT $1::uuid, owner.id, $3::int, $4::uuid, $5::text, $6::jsonb, $7::text, $8::jsonb, $9::boolean, $10::text FROM owner")
        .execute(Tuple.of(UUID.fromString(m.getString("id")), UUID.fromString(sessionId), m.getInteger("ordinal"),
            Fail.uuidOrNull(m.getString("turnId")), m.getString("role"), content)
            .addValue(m.getString("status")).addValue(m.getJsonObject("usage"))
            .addValue(m.getBoolean("compacted", false)).addValue(Messages.searchText(content)).addValue(fence.epoch))
        .compose(r -> fence.check(r.rowCount()));
  }

  public Future<Void> insertMessage(String sessionId, JsonObject m, OwnerFence fence) {
    return insertMessage(pool, sessionId, m, fence);
  }

  /** Guarded like {@link #insertMessage}: the message's session must still be at fence's epoch. */
  public Future<Void> updateMessage(JsonObject m, OwnerFence fence) {
    JsonArray content = m.getJsonArray("content", new JsonArray());
    return pool.preparedQuery("UPDATE message SET content = $2, status = $3, usage = $4, text_content = $5 WHERE id = $1"
            + " AND EXISTS (SELECT 1 FROM session s WHERE s.id = message.session_id AND s.owner_epoch = $6)")
        .execute(Tuple.of(UUID.fromString(m.getString("id")), content, m.getString("status"), m.getJsonObject("usage"),
            Messages.searchText(content), fence.epoch))
        .compose(r -> fence.check(r.rowCount()));
  }

  /**
   * Records that a tool call is about to run, in the statement that checks fence's epoch: a stale owner
   * records nothing and gets STALE_OWNER, so it never sends the call to tool-service.
   */
  public Future<Void> recordToolRun(String sessionId, String turnId, String callId, OwnerFence fence) {
    return pool.preparedQuery("INSERT INTO tool_run (session_id, call_id, turn_id, owner_epoch)"
            + " SELECT id, $2::text, $3::uuid, owner_epoch FROM session WHERE id = $1 AND owner_epoch = $4")
        .execute(Tuple.of(UUID.fromString(sessionId), callId, Fail.uuidOrNull(turnId), fence.epoch))
        .compose(r -> fence.check(r.rowCount()));
  }

  /** What an activation claimed: its owner epoch and the first seq of the block of seqReserve numbers it reserved. */
  public record Claim(long epoch, long seqStart) {}

  /**
   * The turn start (issue 14): unless the user already has maxTurns turns running (counted across the
   * cluster, ignoring turns whose owner is gone: then TOO_MANY and nothing is stored; the count is taken
   * under an advisory lock per user, so two sends at once cannot both pass it), the user message and the
   * assistant placeholder (status streaming) in one INSERT, the turn, the message count and the idempotency
   * key. Either all of it is stored or none of it; the provider request is sent while this runs (see
   * TurnLoop). The starts of one user that wait for its lock are written together, one transaction and one
   * COMMIT for all of them, each still checked on its own ({@link TurnStarts}); the epoch first: a stale copy
   * fails with STALE_OWNER (and learns it is stale, on its own context).
   */
  public Future<Void> startTurn(String sessionId, String userId, JsonObject user, JsonObject assistant, String turnId,
                                String owner, int maxTurns, Predicate<String> ownerAlive, String idempotencyKey, OwnerFence fence) {
    return turnStarts.start(userId, new TurnStarts.Start(UUID.fromString(sessionId), user, assistant, turnId, owner, maxTurns,
            ownerAlive, idempotencyKey, fence.epoch))
        .recover(err -> err instanceof TurnStarts.Stale ? fence.refused() : Future.failedFuture(err));
  }

  /** The group commit of turn starts (tests count its transactions). */
  GroupCommit<TurnStarts.Start, Void> turnStartCommits() {
    return turnStarts.commits();
  }

  /**
   * The end of a turn in one statement (issue 14): the turn's status, and the last assistant message's
   * final content, status and usage with the session's usage totals (assistant null: no message to
   * write). A tool message of calls cut short (rare: a cancel while tools run) makes it a transaction
   * of two.
   */
  public Future<Void> endTurn(String sessionId, JsonObject assistant, JsonObject usage, JsonObject toolMessage, String turnId,
                              String status, JsonObject error, String unusedPlaceholder, OwnerFence fence) {
    // every write below is guarded by fence's epoch (data-modifying CTEs run whatever the outer statement
    // does, so each one checks the owner CTE); the outer UPDATE's row count says whether the epoch held
    if (unusedPlaceholder != null) {
      // the turn ended before its first request: the assistant row stored with its start goes, as if never written
      return pool.preparedQuery("WITH owner AS (SELECT id FROM session WHERE id = $5 AND owner_epoch = $6),"
              + " t AS (UPDATE turn SET status = $2, error = $3, ended_at = now() WHERE id = $1 AND EXISTS (SELECT 1 FROM owner)),"
              + " m AS (DELETE FROM message WHERE id = $4 AND EXISTS (SELECT 1 FROM owner))"
              + " UPDATE session SET message_count = message_count - 1 WHERE id IN (SELECT id FROM owner)")
          .execute(Tuple.of(UUID.fromString(turnId), status, error, UUID.fromString(unusedPlaceholder), UUID.fromString(sessionId),
              fence.epoch))
          .compose(r -> fence.check(r.rowCount()));
    }
    if (toolMessage != null) {
      return pool.withTransaction(conn -> insertMessage(conn, sessionId, toolMessage, fence)
          .compose(v -> endTurn(conn, sessionId, assistant, usage, turnId, status, error, fence)));
    }
    return endTurn(pool, sessionId, assistant, usage, turnId, status, error, fence);
  }

  private static Future<Void> endTurn(SqlClient client, String sessionId, JsonObject assistant, JsonObject usage, String turnId,
                                      String status, JsonObject error, OwnerFence fence) {
    Tuple turn = Tuple.of(UUID.fromString(turnId), status, error);
    if (assistant == null) {
      return client.preparedQuery("UPDATE turn SET status = $2, error = $3, ended_at = now() WHERE id = $1"
              + " AND EXISTS (SELECT 1 FROM session s WHERE s.id = turn.session_id AND s.owner_epoch = $4)")
          .execute(turn.addValue(fence.epoch)).compose(r -> fence.check(r.rowCount()));
    }
    JsonArray content = assistant.getJsonArray("content", new JsonArray());
    JsonObject u = usage == null ? new JsonObject() : usage;
    // data-modifying CTEs run whether or not the outer statement reads them: three rows, one statement
    return client.preparedQuery("WITH owner AS (SELECT id FROM session WHERE id = $9 AND owner_epoch = $15),"
            + " t AS (UPDATE turn SET status = $2, error = $3, ended_at = now() WHERE id = $1 AND EXISTS (SELECT 1 FROM owner)),"
            + " m AS (UPDATE message SET content = $5, status = $6, usage = $7, text_content = $8 WHERE id = $4"
            + " AND EXISTS (SELECT 1 FROM owner))"
            + " UPDATE session SET input_tokens = input_tokens + $10, output_tokens = output_tokens + $11,"
            + " cache_read_tokens = cache_read_tokens + $12, cache_write_tokens = cache_write_tokens + $13,"
            + " cost_usd = cost_usd + $14, updated_at = now() WHERE id IN (SELECT id FROM owner)")
        .execute(turn.addValue(UUID.fromString(assistant.getString("id"))).addValue(content).addValue(assistant.getString("status"))
            .addValue(assistant.getJsonObject("usage")).addValue(Messages.searchText(content)).addValue(UUID.fromString(sessionId))
            .addValue(u.getLong("inputTokens", 0L)).addValue(u.getLong("outputTokens", 0L))
            .addValue(u.getLong("cacheReadTokens", 0L)).addValue(u.getLong("cacheWriteTokens", 0L))
            .addValue(u.getDouble("costUsd", 0.0)).addValue(fence.epoch))
        .compose(r -> fence.check(r.rowCount()));
  }

  /**
   * Marks the session live at owner, unless its user already has maxLive other sessions live
   * (counted like {@link #startTurn}'s turns): then TOO_MANY. The same statement takes
   * the next owner epoch and reserves the next seqReserve seq numbers (issue 17): two nodes activating
   * the same session at once (a partition) get different epochs and disjoint seq blocks. The claims of one
   * user waiting for its lock are written in one transaction, each still counted and answered alone ({@link LiveClaims}).
   */
  public Future<Claim> claimLive(String userId, String sessionId, String owner, int maxLive, Predicate<String> ownerAlive,
                                 long seqReserve) {
    // group-committed with the user's other claims waiting for its lock (LiveClaims)
    return liveClaims.claim(userId, new LiveClaims.Claim(UUID.fromString(sessionId), owner, maxLive, ownerAlive, seqReserve));
  }

  /** The group commit of activations' claims (tests count its transactions). */
  GroupCommit<LiveClaims.Claim, Claim> liveClaimCommits() {
    return liveClaims.commits();
  }

  /** The session is no longer live at owner (a takeover by another owner is left alone). */
  public Future<Void> releaseLive(String sessionId, String owner) {
    return pool.preparedQuery("UPDATE session SET live_owner = NULL WHERE id = $1 AND live_owner = $2")
        .execute(Tuple.of(UUID.fromString(sessionId), owner)).mapEmpty();
  }

  /**
   * Sums the counts of rows (owner, n) whose owner is alive. Counted per owner in SQL: one row per owner,
   * not one per turn or session — a user with a thousand turns starting at once made every start read the
   * thousand rows of the others while holding the user's lock (bench e2e at 1,000 streams, issue 14).
   */
  static int countAlive(RowSet<Row> rows, String column, Predicate<String> ownerAlive) {
    long n = 0;
    for (Row r : rows) {
      String owner = r.getString(column);
      if (owner != null && ownerAlive.test(owner)) n += r.getLong("n");
    }
    return (int) Math.min(Integer.MAX_VALUE, n);
  }

  /**
   * A passivating owner writes back its exact last seq, so the session continues at lastSeq + 1 —
   * unless another owner reserved numbers meanwhile (the ceiling is no longer the one it reserved, or
   * the epoch is no longer its own).
   */
  public Future<Void> releaseSeqCeiling(String sessionId, long lastSeq, long reservedCeiling, long epoch) {
    return pool.preparedQuery("UPDATE session SET seq_ceiling = $2 WHERE id = $1 AND seq_ceiling = $3 AND owner_epoch = $4")
        .execute(Tuple.of(UUID.fromString(sessionId), lastSeq, reservedCeiling, epoch)).mapEmpty();
  }

  /** Stores a compaction summary and marks the messages it replaces compacted, in one transaction (guarded by fence). */
  public Future<Void> insertSummary(String sessionId, JsonObject summary, List<UUID> replaced, OwnerFence fence) {
    return pool.withTransaction(conn -> insertMessage(conn, sessionId, summary, fence)
        .compose(v -> conn.preparedQuery("UPDATE message SET compacted = true WHERE id = ANY($1)")
            .execute(Tuple.of(replaced.toArray(new UUID[0]))))
        .mapEmpty());
  }

  /**
   * Run by a new owner before it serves: turns still 'running' belonged to a dead or passivated
   * owner, so they and their streaming messages become 'interrupted'. Returns the turn ids. A turn
   * parked by a draining owner is left running: the new owner takes it ({@link ParkedTurns#take}).
   */
  public Future<List<String>> interruptRunning(String sessionId, OwnerFence fence) {
    UUID id = UUID.fromString(sessionId);
    // guarded too: an activation that lost the race to a newer one must not interrupt the newer one's turn
    String current = " AND EXISTS (SELECT 1 FROM session s WHERE s.id = $1 AND s.owner_epoch = $2)";
    return pool.withTransaction(conn -> conn.preparedQuery(
            "UPDATE turn SET status = 'interrupted', ended_at = now() WHERE session_id = $1 AND status = 'running' AND parked IS NULL"
                + current + " RETURNING id")
        .execute(Tuple.of(id, fence.epoch))
        .compose(turns -> conn.preparedQuery("UPDATE message SET status = 'interrupted' WHERE session_id = $1 AND status = 'streaming'" + current)
            .execute(Tuple.of(id, fence.epoch))
            .map(x -> {
              List<String> ids = new ArrayList<>();
              turns.forEach(r -> ids.add(r.getUUID("id").toString()));
              return ids;
            })));
  }

  /**
   * A turn's end went out as seq under epoch: stored with the turn (once, and only on a turn stored as
   * ended) so that a later owner can hand it to a client that resumes from before it (see {@link TurnEnds}).
   * Not guarded by the epoch: the event was published by a copy that was current when it stored the end,
   * and a copy fenced since publishes nothing.
   */
  public Future<Void> recordTurnEnd(String turnId, long seq, long epoch) {
    return pool.preparedQuery("UPDATE turn SET end_seq = $2, end_epoch = $3 WHERE id = $1 AND end_seq IS NULL AND status <> 'running'")
        .execute(Tuple.of(UUID.fromString(turnId), seq, epoch)).mapEmpty();
  }

  /** A published turn end as stored: the turn, its final status, and the seq and epoch it went out with. */
  public record TurnEnd(String turnId, String status, long seq, long epoch) { }

  /**
   * The turn ends published with afterSeq &lt; seq ≤ throughSeq by owners older than epoch, in seq order;
   * at most limit of them (the latest).
   */
  public Future<List<TurnEnd>> turnEndsBetween(String sessionId, long afterSeq, long throughSeq, long epoch, int limit) {
    return pool.preparedQuery("SELECT id, status, end_seq, end_epoch FROM turn WHERE session_id = $1 AND end_seq > $2"
            + " AND end_seq <= $3 AND end_epoch < $4 ORDER BY end_seq DESC LIMIT $5")
        .execute(Tuple.of(UUID.fromString(sessionId), afterSeq, throughSeq, epoch, limit))
        .map(rows -> {
          List<TurnEnd> ends = new ArrayList<>();
          for (Row r : rows) {
            ends.add(0, new TurnEnd(r.getUUID("id").toString(), r.getString("status"), r.getLong("end_seq"), r.getLong("end_epoch")));
          }
          return ends;
        });
  }

  /** The id of the turn stored as running, or null. */
  public Future<String> runningTurn(String sessionId) {
    return pool.preparedQuery("SELECT id FROM turn WHERE session_id = $1 AND status = 'running' LIMIT 1")
        .execute(Tuple.of(UUID.fromString(sessionId)))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getUUID("id").toString());
  }

  // ---------------------------------------------------------------- fork / import

  /** Copies a session and its messages with ordinal ≤ throughOrdinal (all when null) into a new session. */
  public Future<JsonObject> copySession(String userId, JsonObject source, List<JsonObject> messages, String title) {
    JsonObject spec = source.copy().put("title", title).put("forkedFrom", source.getString("id"));
    return insertWithMessages(userId, spec, messages);
  }

  /** A new session with the given messages (fresh ids, ordinals from 0), in one transaction. */
  public Future<JsonObject> insertWithMessages(String userId, JsonObject spec, List<JsonObject> messages) {
    UUID id = UUID.randomUUID();
    return pool.withTransaction(conn -> conn.preparedQuery(INSERT_SESSION).execute(sessionRow(id, userId, spec))
            .compose(v -> {
              if (messages.isEmpty()) return Future.succeededFuture();
              List<Tuple> batch = new ArrayList<>();
              int ordinal = 0;
              for (JsonObject m : messages) {
                JsonArray content = m.getJsonArray("content", new JsonArray());
                String status = m.getString("status", "complete");
                // a copied in-flight message can never finish in the copy
                if ("streaming".equals(status)) status = "interrupted";
                batch.add(Tuple.of(UUID.randomUUID(), id, ordinal++, m.getString("role"), content, status)
                    .addValue(m.getJsonObject("usage")).addValue(m.getBoolean("compacted", false))
                    .addValue(Messages.searchText(content))
                    .addValue(m.getString("createdAt") == null ? OffsetDateTime.now() : OffsetDateTime.parse(m.getString("createdAt"))));
              }
              return conn.preparedQuery("INSERT INTO message (id, session_id, ordinal, role, content, status, usage, compacted,"
                      + " text_content, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)").executeBatch(batch)
                  .compose(r -> {
                    JsonObject totals = totals(messages);
                    return conn.preparedQuery("UPDATE session SET message_count = $2, input_tokens = $3, output_tokens = $4,"
                            + " cache_read_tokens = $5, cache_write_tokens = $6, cost_usd = $7 WHERE id = $1")
                        .execute(Tuple.of(id, messages.size(), totals.getLong("inputTokens"), totals.getLong("outputTokens"),
                            totals.getLong("cacheReadTokens"), totals.getLong("cacheWriteTokens"), totals.getDouble("costUsd")));
                  });
            })
            .compose(v -> conn.preparedQuery("SELECT " + SESSION_COLUMNS + " FROM session WHERE id = $1").execute(Tuple.of(id))))
        .map(rows -> sessionJson(rows.iterator().next()));
  }

  static JsonObject totals(List<JsonObject> messages) {
    long in = 0, out = 0, cr = 0, cw = 0;
    double cost = 0;
    for (JsonObject m : messages) {
      JsonObject u = m.getJsonObject("usage");
      if (u == null) continue;
      in += u.getLong("inputTokens", 0L);
      out += u.getLong("outputTokens", 0L);
      cr += u.getLong("cacheReadTokens", 0L);
      cw += u.getLong("cacheWriteTokens", 0L);
      cost += u.getDouble("costUsd", 0.0);
    }
    return new JsonObject().put("inputTokens", in).put("outputTokens", out).put("cacheReadTokens", cr)
        .put("cacheWriteTokens", cw).put("costUsd", cost);
  }

  // ---------------------------------------------------------------- templates

  public Future<JsonObject> insertTemplate(String userId, JsonObject t) {
    return pool.preparedQuery("INSERT INTO template (id, user_id, name, description, provider, model, system_prompt, tools, params)"
            + " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING " + TEMPLATE_COLUMNS)
        .execute(Tuple.of(UUID.randomUUID(), userId, t.getString("name"), t.getString("description", ""),
            t.getString("provider"), t.getString("model"), t.getString("systemPrompt", ""),
            t.getJsonArray("tools")).addValue(t.getJsonObject("params", new JsonObject())))
        .map(rows -> templateJson(rows.iterator().next()));
  }

  public Future<JsonObject> template(String userId, String templateId) {
    UUID id = Fail.uuidOrNull(templateId);
    if (id == null) return Fail.notFound("template " + templateId);
    return pool.preparedQuery("SELECT " + TEMPLATE_COLUMNS + " FROM template WHERE id = $1 AND user_id = $2")
        .execute(Tuple.of(id, userId))
        .compose(rows -> firstOrNotFound(rows, "template " + templateId, SessionStore::templateJson));
  }

  public Future<JsonObject> listTemplates(String userId, int limit, String cursor) {
    List<Object> params = new ArrayList<>();
    params.add(userId);
    StringBuilder sql = new StringBuilder("SELECT " + TEMPLATE_COLUMNS + " FROM template WHERE user_id = $1");
    return page(sql, params, limit, cursor, SessionStore::templateJson);
  }

  public Future<JsonObject> replaceTemplate(String userId, String templateId, JsonObject t) {
    UUID id = Fail.uuidOrNull(templateId);
    if (id == null) return Fail.notFound("template " + templateId);
    return pool.preparedQuery("UPDATE template SET name = $3, description = $4, provider = $5, model = $6, system_prompt = $7,"
            + " tools = $8, params = $9, updated_at = now() WHERE id = $1 AND user_id = $2 RETURNING " + TEMPLATE_COLUMNS)
        .execute(Tuple.of(id, userId, t.getString("name"), t.getString("description", ""), t.getString("provider"),
            t.getString("model"), t.getString("systemPrompt", "")).addValue(t.getJsonArray("tools"))
            .addValue(t.getJsonObject("params", new JsonObject())))
        .compose(rows -> firstOrNotFound(rows, "template " + templateId, SessionStore::templateJson));
  }

  public Future<Void> deleteTemplate(String userId, String templateId) {
    return deleteOwned("template", userId, templateId);
  }

  /** table is spliced into the SQL, so callers pass a literal, never input; NOT_FOUND as in {@link #firstOrNotFound}. */
  private Future<Void> deleteOwned(String table, String userId, String rowId) {
    UUID id = Fail.uuidOrNull(rowId);
    if (id == null) return Fail.notFound(table + " " + rowId);
    return pool.preparedQuery("DELETE FROM " + table + " WHERE id = $1 AND user_id = $2").execute(Tuple.of(id, userId))
        .compose(r -> r.rowCount() == 0 ? Fail.notFound(table + " " + rowId) : Future.succeededFuture());
  }

  // ---------------------------------------------------------------- paging and mapping

  /**
   * Runs sql (a SELECT whose WHERE binds params) as one page, newest first. Keyset paging on
   * (updated_at, id) rather than OFFSET keeps pages stable while rows are added or touched; one row
   * past the limit is fetched only to know whether a next page exists.
   */
  private Future<JsonObject> page(StringBuilder sql, List<Object> params, int limit, String cursor,
      Function<Row, JsonObject> toJson) {
    if (cursor != null && !cursor.isBlank()) {
      String[] c = decodeCursor(cursor);
      if (c == null) return Fail.invalid("cursor", "not a cursor this service issued");
      params.add(OffsetDateTime.parse(c[0]));
      params.add(UUID.fromString(c[1]));
      sql.append(" AND (updated_at, id) < ($").append(params.size() - 1).append(", $").append(params.size()).append(")");
    }
    params.add(limit + 1);
    sql.append(" ORDER BY updated_at DESC, id DESC LIMIT $").append(params.size());
    return pool.preparedQuery(sql.toString()).execute(Tuple.from(params)).map(rows -> {
      JsonArray items = new JsonArray();
      Row last = null;
      int n = 0;
      for (Row r : rows) {
        if (n++ == limit) break;
        items.add(toJson.apply(r));
        last = r;
      }
      String next = rows.size() > limit && last != null
          ? encodeCursor(last.getOffsetDateTime("updated_at").toString(), last.getUUID("id").toString()) : null;
      return new JsonObject().put("items", items).put("nextCursor", next);
    });
  }

  /** Ownership is in the WHERE clause, so no row means missing or not yours: both answer NOT_FOUND. */
  private static Future<JsonObject> firstOrNotFound(RowSet<Row> rows, String what, Function<Row, JsonObject> toJson) {
    return rows.size() == 0 ? Fail.notFound(what) : Future.succeededFuture(toJson.apply(rows.iterator().next()));
  }

  private static String uuidOrNull(Row r, String column) {
    UUID id = r.getUUID(column);
    return id == null ? null : id.toString();
  }

  private static String instant(Row r, String column) {
    return r.getOffsetDateTime(column).toInstant().toString();
  }

  static JsonObject sessionJson(Row r) {
    return new JsonObject()
        .put("id", r.getUUID("id").toString())
        .put("userId", r.getString("user_id"))
        .put("title", r.getString("title"))
        .put("provider", r.getString("provider"))
        .put("model", r.getString("model"))
        .put("credentialId", r.getString("credential_id"))
        .put("templateId", uuidOrNull(r, "template_id"))
        .put("systemPrompt", r.getString("system_prompt"))
        .put("tools", (JsonArray) r.getValue("tools"))
        .put("params", (JsonObject) r.getValue("params"))
        .put("forkedFrom", uuidOrNull(r, "forked_from"))
        .put("messageCount", r.getInteger("message_count"))
        .put("usage", new JsonObject()
            .put("inputTokens", r.getLong("input_tokens"))
            .put("outputTokens", r.getLong("output_tokens"))
            .put("cacheReadTokens", r.getLong("cache_read_tokens"))
            .put("cacheWriteTokens", r.getLong("cache_write_tokens"))
            .put("costUsd", r.getDouble("cost_usd")))
        .put("seqCeiling", r.getLong("seq_ceiling"))
        .put("mode", r.getString("mode"))
        .put("createdAt", instant(r, "created_at"))
        .put("updatedAt", instant(r, "updated_at"));
  }

  static JsonObject summaryJson(Row r) {
    JsonObject s = sessionJson(r);
    return new JsonObject().put("id", s.getString("id")).put("title", s.getString("title"))
        .put("provider", s.getString("provider")).put("model", s.getString("model"))
        .put("createdAt", s.getString("createdAt")).put("updatedAt", s.getString("updatedAt"))
        .put("messageCount", s.getInteger("messageCount")).put("usage", s.getJsonObject("usage"))
        .put("openIn", new JsonArray());
  }

  static JsonObject messageJson(Row r) {
    return new JsonObject()
        .put("id", r.getUUID("id").toString())
        .put("ordinal", r.getInteger("ordinal"))
        .put("turnId", uuidOrNull(r, "turn_id"))
        .put("role", r.getString("role"))
        .put("content", (JsonArray) r.getValue("content"))
        .put("status", r.getString("status"))
        .put("usage", (JsonObject) r.getValue("usage"))
        .put("compacted", r.getBoolean("compacted"))
        .put("createdAt", instant(r, "created_at"));
  }

  static JsonObject templateJson(Row r) {
    return new JsonObject()
        .put("id", r.getUUID("id").toString())
        .put("name", r.getString("name"))
        .put("description", r.getString("description"))
        .put("provider", r.getString("provider"))
        .put("model", r.getString("model"))
        .put("systemPrompt", r.getString("system_prompt"))
        .put("tools", (JsonArray) r.getValue("tools"))
        .put("params", (JsonObject) r.getValue("params"))
        .put("createdAt", instant(r, "created_at"))
        .put("updatedAt", instant(r, "updated_at"));
  }

  /** "foo bar-baz" → "foo:* & bar:* & baz:*" (prefix match on every word); null when nothing is left. */
  static String prefixQuery(String q) {
    StringBuilder sb = new StringBuilder();
    for (String w : q.toLowerCase().split("[^\\p{L}\\p{N}_]+")) {
      if (w.isEmpty()) continue;
      if (sb.length() > 0) sb.append(" & ");
      sb.append(w).append(":*");
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  static String encodeCursor(String updatedAt, String id) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString((updatedAt + "|" + id).getBytes(StandardCharsets.UTF_8));
  }

  static String[] decodeCursor(String cursor) {
    try {
      String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|", 2);
      if (parts.length != 2) return null;
      OffsetDateTime.parse(parts[0]);
      UUID.fromString(parts[1]);
      return parts;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
