package dev.maestro.gateway.auth;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Users in schema {@code gateway}. Password hashes never leave this class except to {@link Accounts}. */
public class UserStore {
  /**
   * How long {@link #byId} answers from memory without a change announced: the bound on a lost announcement
   * (a user deleted, renamed or given another role through another gateway).
   */
  public static final long CACHE_TTL_MS = 30_000;
  /** Users kept at most (a full cache is emptied: users are few, this only bounds memory). */
  static final int CACHE_MAX = 10_000;

  private record Cached(JsonObject user, long atMs) {}

  private final Pool pool;
  /** null: no cache (every byId reads the table). */
  private Vertx vertx;
  private final Map<UUID, Cached> byId = new ConcurrentHashMap<>();
  /** Bumped by every change seen: a read that started before one is not kept (it may predate the change). */
  private final AtomicLong generation = new AtomicLong();
  private final AtomicLong reads = new AtomicLong();
  private MessageConsumer<JsonObject> changes;

  public UserStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * Answers {@link #byId} from memory from now on (issue 14: every front-door operation, so every WebSocket
   * command, read the caller's row). A change through this store (update, delete) empties this gateway's
   * entry before it answers and is announced on {@link Addresses#GATEWAY_USER_CHANGED}, which every gateway's
   * store consumes; an entry is used at most {@link #CACHE_TTL_MS} after it was read.
   */
  public Future<Void> cacheById(Vertx vertx) {
    this.vertx = vertx;
    changes = vertx.eventBus().consumer(Addresses.GATEWAY_USER_CHANGED, m -> forget(m.body() == null ? null : m.body().getString("userId")));
    return changes.completion();
  }

  /** Rows of app_user read by id so far (tests: what the cache saved). */
  public long byIdReads() {
    return reads.get();
  }

  private void forget(String id) {
    generation.incrementAndGet();
    UUID uuid = Ids.parse(id);
    if (uuid != null) byId.remove(uuid);
    else byId.clear();
  }

  /** This gateway forgets the user now, the others when the announcement arrives. */
  private void changed(UUID id) {
    if (vertx == null) return;
    forget(id.toString());
    vertx.eventBus().publish(Addresses.GATEWAY_USER_CHANGED, new JsonObject().put("userId", id.toString()));
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

  /** → user or null (a copy: callers may change it). */
  public Future<JsonObject> byId(String id) {
    UUID uuid = Ids.parse(id);
    if (uuid == null) return Future.succeededFuture(null);
    long now = System.currentTimeMillis();
    if (vertx != null) {
      Cached c = byId.get(uuid);
      if (c != null && now - c.atMs() < CACHE_TTL_MS) return Future.succeededFuture(c.user().copy());
    }
    long g = generation.get();
    reads.incrementAndGet();
    return pool.preparedQuery("SELECT id, username, role, created_at, updated_at FROM app_user WHERE id = $1")
        .execute(Tuple.of(uuid)).map(rows -> {
          if (rows.size() == 0) return null;
          JsonObject u = toJson(rows.iterator().next());
          // not kept when a change was seen meanwhile: this read may be older than it
          if (vertx != null && generation.get() == g) {
            if (byId.size() >= CACHE_MAX) byId.clear();
            byId.put(uuid, new Cached(u.copy(), now));
          }
          return u;
        });
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
        .compose(rows -> rows.size() == 0 ? notFound() : Future.succeededFuture(toJson(rows.iterator().next())))
        .onSuccess(u -> changed(uuid));
  }

  public Future<Void> delete(String id) {
    UUID uuid = Ids.parse(id);
    if (uuid == null) return notFound();
    return pool.preparedQuery("DELETE FROM app_user WHERE id = $1").execute(Tuple.of(uuid))
        .compose(rows -> rows.rowCount() == 0 ? notFound() : Future.<Void>succeededFuture())
        .onSuccess(v -> changed(uuid));
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
