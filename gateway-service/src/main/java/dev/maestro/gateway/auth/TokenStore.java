package dev.maestro.gateway.auth;

import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;

/**
 * API tokens: {@code mst_} + 32 random bytes, stored only as their SHA-256. Every request looks the
 * hash up in PostgreSQL, so a revocation is seen by every gateway instance at once.
 */
public class TokenStore {
  public static final String PREFIX = "mst_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pool;

  public TokenStore(Pool pool) {
    this.pool = pool;
  }

  /** → {id, token, name, expiresAt, createdAt}; the only time the token itself is returned. */
  public Future<JsonObject> issue(String userId, String name, Instant expiresAt) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    UUID id = UUID.randomUUID();
    OffsetDateTime exp = expiresAt == null ? null : expiresAt.atOffset(ZoneOffset.UTC);
    return pool.preparedQuery("INSERT INTO api_token (id, user_id, name, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5) "
            + "RETURNING created_at")
        .execute(Tuple.of(id, UUID.fromString(userId), name, hash(token), exp))
        .map(rows -> new JsonObject().put("id", id.toString()).put("token", token).put("name", name)
            .put("expiresAt", expiresAt == null ? null : expiresAt.toString())
            .put("createdAt", UserStore.ts(rows.iterator().next().getOffsetDateTime("created_at"))));
  }

  /** → the principal of a live (not revoked, not expired) token, or null. */
  public Future<Principal> authenticate(String token) {
    if (token == null || !token.startsWith(PREFIX) || token.length() > 200) return Future.succeededFuture(null);
    return pool.preparedQuery("SELECT t.id, t.expires_at, u.id AS user_id, u.username, u.role FROM api_token t "
            + "JOIN app_user u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL "
            + "AND (t.expires_at IS NULL OR t.expires_at > now())")
        .execute(Tuple.of(hash(token)))
        .map(rows -> {
          if (rows.size() == 0) return null;
          Row r = rows.iterator().next();
          OffsetDateTime exp = r.getOffsetDateTime("expires_at");
          return new Principal(r.getUUID("user_id").toString(), r.getString("username"), r.getString("role"),
              r.getUUID("id").toString(), exp == null ? null : exp.toInstant(), false);
        });
  }

  /** The caller's tokens, newest first (revoked ones included, marked). Cursor: the last id seen. */
  public Future<JsonObject> list(String userId, int limit, String cursor) {
    UUID after = Ids.parse(cursor);
    return pool.preparedQuery("SELECT id, name, created_at, expires_at, revoked_at FROM api_token WHERE user_id = $1 "
            + "AND ($2::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM api_token WHERE id = $2)) "
            + "ORDER BY created_at DESC, id DESC LIMIT $3")
        .execute(Tuple.of(UUID.fromString(userId), after, limit + 1))
        .map(rows -> {
          JsonArray items = new JsonArray();
          for (Row r : rows) {
            items.add(new JsonObject().put("id", r.getUUID("id").toString()).put("name", r.getString("name"))
                .put("createdAt", UserStore.ts(r.getOffsetDateTime("created_at")))
                .put("expiresAt", UserStore.ts(r.getOffsetDateTime("expires_at")))
                .put("revokedAt", UserStore.ts(r.getOffsetDateTime("revoked_at"))));
          }
          String next = null;
          if (items.size() > limit) {
            items.remove(limit);
            next = items.getJsonObject(limit - 1).getString("id");
          }
          return new JsonObject().put("items", items).put("nextCursor", next);
        });
  }

  /** Revokes one of the user's tokens; another user's token answers NOT_FOUND. */
  public Future<Void> revoke(String userId, String tokenId) {
    UUID id = Ids.parse(tokenId);
    if (id == null) return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such token", new JsonObject());
    return pool.preparedQuery("UPDATE api_token SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND user_id = $2")
        .execute(Tuple.of(id, UUID.fromString(userId)))
        .compose(rows -> rows.rowCount() == 0
            ? ServiceException.fail(ErrorCodes.NOT_FOUND, "no such token", new JsonObject())
            : Future.succeededFuture());
  }

  static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
