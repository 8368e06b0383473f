package dev.maestro.gateway.auth;

import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.UUID;

/** Users in schema {@code gateway}. Password hashes never leave this class except to {@link Accounts}. */
public class UserStore {
  private final Pool pool;

  public UserStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * Inserts unless the username exists in any case (two gateways may bootstrap at once; 'Alice'
   * and 'alice' are the same name) → the new user or null.
   */
  public Future<JsonObject> createIfAbsent(String username, String passwordHash, String role) {
    return pool.preparedQuery("INSERT INTO app_user (id, username, password_hash, role) VALUES ($1, $2, $3, $4) "
            + "ON CONFLICT DO NOTHING RETURNING id, username, role, created_at, updated_at")
        .execute(Tuple.of(UUID.randomUUID(), username, passwordHash, role))
        .map(rows -> rows.size() == 0 ? null : toJson(rows.iterator().next()));
  }

  public Future<Long> count() {
    return pool.query("SELECT count(*) FROM app_user").execute().map(rows -> rows.iterator().next().getLong(0));
  }

  public Future<JsonObject> create(String username, String passwordHash, String role) {
    return createIfAbsent(username, passwordHash, role).compose(u -> u != null ? Future.succeededFuture(u)
        : ServiceException.fail(ErrorCodes.CONFLICT, "username '" + username + "' is taken", new JsonObject()));
  }

  /** Matches the name in any case → {id, username, role, passwordHash, sessionEpoch} or null. */
  public Future<JsonObject> byUsernameWithHash(String username) {
    return pool.preparedQuery("SELECT id, username, role, created_at, updated_at, password_hash, session_epoch FROM app_user "
            + "WHERE lower(username) = lower($1)")
        .execute(Tuple.of(username))
        .map(rows -> {
          if (rows.size() == 0) return null;
          Row r = rows.iterator().next();
          return toJson(r).put("passwordHash", r.getString("password_hash")).put("sessionEpoch", r.getInteger("session_epoch"));
        });
  }

  /** → {id, username, role, sessionEpoch} of a live user, or null (deleted). For {@link SessionGuard}. */
  public Future<JsonObject> sessionState(String id) {
    UUID uuid = Ids.parse(id);
    if (uuid == null) return Future.succeededFuture(null);
    return pool.preparedQuery("SELECT id, username, role, created_at, updated_at, session_epoch FROM app_user WHERE id = $1")
        .execute(Tuple.of(uuid)).map(rows -> {
          if (rows.size() == 0) return null;
          Row r = rows.iterator().next();
          return toJson(r).put("sessionEpoch", r.getInteger("session_epoch"));
        });
  }

  /** → user or null. */
  public Future<JsonObject> byId(String id) {
    UUID uuid = Ids.parse(id);
    if (uuid == null) return Future.succeededFuture(null);
    return pool.preparedQuery("SELECT id, username, role, created_at, updated_at FROM app_user WHERE id = $1")
        .execute(Tuple.of(uuid)).map(rows -> rows.size() == 0 ? null : toJson(rows.iterator().next()));
  }

  /** Keyset pagination by username; the cursor is the last username seen. */
  public Future<JsonObject> list(int limit, String cursor) {
    return pool.preparedQuery("SELECT id, username, role, created_at, updated_at FROM app_user "
            + "WHERE ($1::text IS NULL OR username > $1) ORDER BY username LIMIT $2")
        .execute(Tuple.of(cursor, limit + 1))
        .map(rows -> {
          JsonArray items = new JsonArray();
          for (Row r : rows) items.add(toJson(r));
          String next = null;
          if (items.size() > limit) {
            items.remove(limit);
            next = items.getJsonObject(limit - 1).getString("username");
          }
          return new JsonObject().put("items", items).put("nextCursor", next);
        });
  }

  /**
   * Any of username, passwordHash, role; → updated user or NOT_FOUND (CONFLICT: the name is taken in
   * any case). A new password hash also, in the same statement, moves the user's session epoch
   * (their browser sessions stop working) and revokes every live API token of theirs.
   */
  public Future<JsonObject> update(String id, String username, String passwordHash, String role) {
    UUID uuid = Ids.parse(id);
    if (uuid == null) return notFound();
    return pool.preparedQuery("WITH u AS (UPDATE app_user SET username = coalesce($2, username), "
            + "password_hash = coalesce($3, password_hash), role = coalesce($4, role), "
            + "session_epoch = session_epoch + (CASE WHEN $3::text IS NULL THEN 0 ELSE 1 END), updated_at = now() "
            + "WHERE id = $1 RETURNING id, username, role, created_at, updated_at), "
            + "t AS (UPDATE api_token SET revoked_at = now() WHERE user_id = $1 AND $3::text IS NOT NULL AND revoked_at IS NULL "
            + "AND EXISTS (SELECT 1 FROM u)) "
            + "SELECT * FROM u")
        .execute(Tuple.of(uuid, username, passwordHash, role))
        .recover(err -> err instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? ServiceException.fail(ErrorCodes.CONFLICT, "username '" + username + "' is taken", new JsonObject())
            : Future.failedFuture(err))
        .compose(rows -> rows.size() == 0 ? notFound() : Future.succeededFuture(toJson(rows.iterator().next())));
  }

  public Future<Void> delete(String id) {
    UUID uuid = Ids.parse(id);
    if (uuid == null) return notFound();
    return pool.preparedQuery("DELETE FROM app_user WHERE id = $1").execute(Tuple.of(uuid))
        .compose(rows -> rows.rowCount() == 0 ? notFound() : Future.succeededFuture());
  }

  private static <T> Future<T> notFound() {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such user", new JsonObject());
  }

  static JsonObject toJson(Row r) {
    return new JsonObject().put("id", r.getUUID("id").toString()).put("username", r.getString("username"))
        .put("role", r.getString("role"))
        .put("createdAt", ts(r.getOffsetDateTime("created_at")))
        .put("updatedAt", ts(r.getOffsetDateTime("updated_at")));
  }

  static String ts(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
