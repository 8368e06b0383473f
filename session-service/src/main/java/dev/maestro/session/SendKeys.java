package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Idempotent sends of one live session: a message sent with a client-supplied idempotency key that
 * was already sent (stored in table send_key, or still being stored here) answers with the first
 * send's {messageId, turnId} and {@code duplicate: true} instead of starting a second turn. The key is
 * recorded in the transaction that stores the message ({@link #record}), so a crash cannot leave a
 * message without its key; the primary key refuses a second owner's insert during a split. Used on
 * the session verticle's context only.
 */
final class SendKeys {
  static final int MAX_KEY = 200;

  private final Pool pool;
  private final String sessionId;
  /** Sends with a key still being stored: a resend arriving meanwhile waits for the same outcome. */
  private final Map<String, Future<JsonObject>> inFlight = new HashMap<>();

  SendKeys(Pool pool, String sessionId) {
    this.pool = pool;
    this.sessionId = sessionId;
  }

  /** send: starts the turn, recording key with its message (TurnLoop.send(text, key)). */
  Future<JsonObject> send(String key, Supplier<Future<JsonObject>> send) {
    Future<JsonObject> running = inFlight.get(key);
    if (running != null) return running.map(SendKeys::duplicate);
    Future<JsonObject> result = find(key).compose(earlier -> earlier != null ? Future.succeededFuture(duplicate(earlier))
        : send.get().recover(err -> uniqueViolation(err)
            // another owner stored the same key first (a split): answer with its message
            ? find(key).compose(e -> e != null ? Future.succeededFuture(duplicate(e)) : Future.failedFuture(err))
            : Future.failedFuture(err)));
    inFlight.put(key, result);
    return result.andThen(ar -> inFlight.remove(key));
  }

  /** The earlier send with this key: {messageId, turnId}, or null. */
  Future<JsonObject> find(String key) {
    return pool.preparedQuery("SELECT message_id, turn_id FROM send_key WHERE session_id = $1 AND idempotency_key = $2")
        .execute(Tuple.of(UUID.fromString(sessionId), key))
        .map(rows -> {
          if (rows.size() == 0) return null;
          Row r = rows.iterator().next();
          return new JsonObject().put("messageId", r.getUUID("message_id").toString()).put("turnId", r.getUUID("turn_id").toString());
        });
  }

  /** Inside the transaction that stores the user message and opens its turn; key null: nothing. */
  static Future<Void> record(SqlClient conn, String sessionId, String key, String messageId, String turnId) {
    if (key == null) return Future.succeededFuture();
    return conn.preparedQuery("INSERT INTO send_key (session_id, idempotency_key, message_id, turn_id) VALUES ($1, $2, $3, $4)")
        .execute(Tuple.of(UUID.fromString(sessionId), key, UUID.fromString(messageId), UUID.fromString(turnId))).mapEmpty();
  }

  private static JsonObject duplicate(JsonObject first) {
    return new JsonObject().put("messageId", first.getString("messageId")).put("turnId", first.getString("turnId"))
        .put("duplicate", true);
  }

  private static boolean uniqueViolation(Throwable err) {
    return err instanceof PgException pg && "23505".equals(pg.getSqlState());
  }
}
