package dev.maestro.auth;

import dev.maestro.auth.crypto.SecretBox;
import dev.maestro.auth.oauth.TokenResponse;
import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Credential rows: what users see (always masked) and how new ones are written. */
public final class CredentialStore {
  static final String VIEW_COLS = "id, user_id, provider, kind, label, base_url, status, masked_secret, expires_at,"
      + " last_error, mcp_server_id, created_at";

  private final Pool pool;
  private final SecretBox box;
  private final RefreshPolicy policy;

  public CredentialStore(Pool pool, SecretBox box, RefreshPolicy policy) {
    this.pool = pool;
    this.box = box;
    this.policy = policy;
  }

  public static String secretContext(String id) {
    return "credential.secret:" + id;
  }

  public static String refreshContext(String id) {
    return "credential.refresh:" + id;
  }

  public Future<JsonObject> insertApiKey(String userId, String provider, String label, String baseUrl, String apiKey) {
    String id = UUID.randomUUID().toString();
    byte[] ct = box.encrypt(apiKey, secretContext(id));
    return pool.preparedQuery("INSERT INTO credential (id, user_id, provider, kind, label, base_url, secret_ct, key_id,"
            + " masked_secret) VALUES ($1,$2,$3,'api_key',$4,$5,$6,$7,$8)")
        .execute(Tuple.of(UUID.fromString(id), userId, provider, label, baseUrl, Buffer.buffer(ct),
            box.keys().current().idHex(), Masking.mask(apiKey)))
        .compose(x -> get(userId, id));
  }

  public Future<JsonObject> insertOAuth(SqlClient client, String userId, String provider, String label, String baseUrl,
                                        String oauthClientId, TokenResponse tokens, String mcpServerId, String resource,
                                        io.vertx.core.json.JsonArray scopes) {
    String id = UUID.randomUUID().toString();
    byte[] access = box.encrypt(tokens.accessToken(), secretContext(id));
    byte[] refresh = tokens.refreshToken() == null ? null : box.encrypt(tokens.refreshToken(), refreshContext(id));
    Double expiresIn = tokens.expiresIn() == null ? null : tokens.expiresIn().doubleValue();
    Double refreshIn = tokens.expiresIn() == null || refresh == null ? null : policy.refreshAfterSeconds(tokens.expiresIn());
    return client.preparedQuery("INSERT INTO credential (id, user_id, provider, kind, label, base_url, secret_ct,"
            + " refresh_ct, key_id, masked_secret, oauth_client_id, expires_at, next_refresh_at, mcp_server_id, resource, scopes) VALUES"
            + " ($1,$2,$3,'oauth',$4,$5,$6,$7,$8,$9,$10,"
            + " clock_timestamp() + make_interval(secs => $11::float8), clock_timestamp() + make_interval(secs => $12::float8), $13, $14, $15)"
            + " RETURNING " + VIEW_COLS)
        .execute(Tuple.of(UUID.fromString(id), userId, provider, label, baseUrl, Buffer.buffer(access))
            .addValue(refresh == null ? null : Buffer.buffer(refresh)).addValue(box.keys().current().idHex())
            .addValue(Masking.mask(tokens.accessToken())).addValue(UUID.fromString(oauthClientId))
            .addValue(expiresIn).addValue(refreshIn).addValue(mcpServerId).addValue(resource).addValue(scopes))
        .map(rows -> view(rows.iterator().next()));
  }

  public Future<List<JsonObject>> list(String userId) {
    return pool.preparedQuery("SELECT " + VIEW_COLS + " FROM credential WHERE user_id=$1 ORDER BY created_at, id")
        .execute(Tuple.of(userId))
        .map(rows -> {
          List<JsonObject> out = new ArrayList<>();
          rows.forEach(r -> out.add(view(r)));
          return out;
        });
  }

  /** Someone else's credential answers exactly like a missing one. */
  public Future<JsonObject> get(String userId, String id) {
    UUID uuid = parseId(id);
    return pool.preparedQuery("SELECT " + VIEW_COLS + " FROM credential WHERE id=$1 AND user_id=$2")
        .execute(Tuple.of(uuid, userId))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture(view(rows.iterator().next())));
  }

  public Future<Void> delete(String userId, String id) {
    UUID uuid = parseId(id);
    return pool.preparedQuery("DELETE FROM credential WHERE id=$1 AND user_id=$2").execute(Tuple.of(uuid, userId))
        .compose(rows -> rows.rowCount() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture());
  }

  /** Sets a status; completes with the owner's id when it changed, null otherwise. */
  public Future<String> setStatus(String id, String status, String lastError) {
    return pool.preparedQuery("UPDATE credential c SET status=$2, last_error=$3, updated_at=now()"
            + " FROM (SELECT id, status AS old FROM credential WHERE id=$1 FOR UPDATE) o"
            + " WHERE c.id=o.id RETURNING c.user_id, o.old")
        .execute(Tuple.of(UUID.fromString(id), status, lastError))
        .map(rows -> {
          if (rows.size() == 0) return null;
          Row r = rows.iterator().next();
          return status.equals(r.getString("old")) ? null : r.getString("user_id");
        });
  }

  static UUID parseId(String id) {
    try {
      return UUID.fromString(id);
    } catch (RuntimeException e) {
      throw notFound(id);
    }
  }

  static ServiceException notFound(String id) {
    return new ServiceException(ErrorCodes.NOT_FOUND, "credential " + id + " not found");
  }

  static JsonObject view(Row r) {
    JsonObject v = new JsonObject()
        .put("id", r.getUUID("id").toString())
        .put("provider", r.getString("provider"))
        .put("kind", r.getString("kind"))
        .put("label", r.getString("label"))
        .put("baseUrl", r.getString("base_url"))
        .put("status", r.getString("status"))
        .put("maskedSecret", r.getString("masked_secret"))
        .put("expiresAt", OAuthClientStore.time(r.getOffsetDateTime("expires_at")))
        .put("createdAt", OAuthClientStore.time(r.getOffsetDateTime("created_at")));
    if (r.getString("last_error") != null) v.put("lastError", r.getString("last_error"));
    if (r.getString("mcp_server_id") != null) v.put("mcpServerId", r.getString("mcp_server_id"));
    return v;
  }
}
