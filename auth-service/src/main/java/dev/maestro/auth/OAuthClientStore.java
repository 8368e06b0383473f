package dev.maestro.auth;

import dev.maestro.contracts.provider.Providers;
import dev.maestro.auth.crypto.SecretBox;
import dev.maestro.auth.oauth.OAuthClientConfig;
import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * OAuth client settings are data, managed by an admin. The client secret is encrypted and
 * write-only: views say only whether one is set.
 */
public final class OAuthClientStore {
  private static final String COLS = "id, provider, name, authorize_url, token_url, client_id, client_secret_ct,"
      + " scopes, extra_params, extra_headers, token_auth_method, created_at, updated_at";

  private final Pool pool;
  private final SecretBox box;

  public OAuthClientStore(Pool pool, SecretBox box) {
    this.pool = pool;
    this.box = box;
  }

  /** Presets an admin completes with their own client id (Maestro never ships a vendor's client id). */
  public static List<JsonObject> presets() {
    return List.of(new JsonObject()
        .put("preset", "google-gemini")
        .put("provider", Providers.GEMINI)
        .put("name", "Google (Gemini API)")
        .put("authorizeUrl", "https://accounts.google.com/o/oauth2/v2/auth")
        .put("tokenUrl", "https://oauth2.googleapis.com/token")
        .put("scopes", new JsonArray().add("https://www.googleapis.com/auth/cloud-platform")
            .add("https://www.googleapis.com/auth/generative-language.retriever"))
        .put("extraParams", new JsonObject().put("access_type", "offline").put("prompt", "consent"))
        .put("extraHeaders", new JsonObject()));
  }

  public Future<List<JsonObject>> list() {
    return pool.query("SELECT " + COLS + " FROM oauth_client ORDER BY created_at, id").execute()
        .map(rows -> {
          List<JsonObject> out = new ArrayList<>();
          rows.forEach(r -> out.add(view(r)));
          return out;
        });
  }

  public Future<JsonObject> get(String id) {
    return row(pool, id).map(OAuthClientStore::view);
  }

  public Future<JsonObject> create(JsonObject input) {
    JsonObject in = withPreset(input);
    Validated v = validate(in, true, null);
    String id = UUID.randomUUID().toString();
    byte[] ct = v.secret == null ? null : box.encrypt(v.secret, context(id));
    return pool.preparedQuery("INSERT INTO oauth_client (id, provider, name, authorize_url, token_url, client_id,"
            + " client_secret_ct, key_id, scopes, extra_params, extra_headers) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)")
        .execute(Tuple.of(UUID.fromString(id), v.provider, v.name, v.authorizeUrl, v.tokenUrl, v.clientId)
            .addValue(ct == null ? null : io.vertx.core.buffer.Buffer.buffer(ct))
            .addValue(ct == null ? null : box.keys().current().idHex())
            .addValue(v.scopes).addValue(v.extraParams).addValue(v.extraHeaders))
        .compose(x -> get(id));
  }

  public Future<JsonObject> update(String id, JsonObject input) {
    return row(pool, id).compose(existing -> {
      JsonObject merged = view(existing).mergeIn(input == null ? new JsonObject() : input);
      Validated v = validate(merged, input != null && input.containsKey("clientSecret"), existing);
      boolean secretGiven = input != null && input.containsKey("clientSecret");
      String sql = "UPDATE oauth_client SET provider=$2, name=$3, authorize_url=$4, token_url=$5, client_id=$6,"
          + " scopes=$7, extra_params=$8, extra_headers=$9, updated_at=now()"
          + (secretGiven ? ", client_secret_ct=$10, key_id=$11" : "") + " WHERE id=$1";
      Tuple t = Tuple.of(UUID.fromString(id), v.provider, v.name, v.authorizeUrl, v.tokenUrl, v.clientId)
          .addValue(v.scopes).addValue(v.extraParams).addValue(v.extraHeaders);
      if (secretGiven) {
        byte[] ct = v.secret == null ? null : box.encrypt(v.secret, context(id));
        t.addValue(ct == null ? null : io.vertx.core.buffer.Buffer.buffer(ct))
            .addValue(ct == null ? null : box.keys().current().idHex());
      }
      return pool.preparedQuery(sql).execute(t).compose(x -> get(id));
    });
  }

  public Future<Void> delete(String id) {
    UUID uuid = parseId(id);
    return pool.preparedQuery("DELETE FROM oauth_client WHERE id=$1").execute(Tuple.of(uuid))
        .compose(rows -> rows.rowCount() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture());
  }

  /** The settings with the secret decrypted, read through {@code client} (a pool or a transaction). */
  public Future<OAuthClientConfig> config(SqlClient client, String id) {
    return row(client, id).map(r -> {
      io.vertx.core.buffer.Buffer ct = r.getBuffer("client_secret_ct");
      String secret = ct == null ? null
          : box.decrypt(ct.getBytes(), context(id), "the client secret of OAuth client " + id);
      return new OAuthClientConfig(id, r.getString("provider"), r.getString("name"), r.getString("authorize_url"),
          r.getString("token_url"), r.getString("client_id"), secret, json(r.getValue("scopes"), new JsonArray()),
          json(r.getValue("extra_params"), new JsonObject()), json(r.getValue("extra_headers"), new JsonObject()),
          r.getString("token_auth_method"));
    });
  }

  public static String context(String id) {
    return "oauth_client.client_secret:" + id;
  }

  private Future<Row> row(SqlClient client, String id) {
    UUID uuid = parseId(id);
    return client.preparedQuery("SELECT " + COLS + " FROM oauth_client WHERE id=$1").execute(Tuple.of(uuid))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture(rows.iterator().next()));
  }

  private static UUID parseId(String id) {
    try {
      return UUID.fromString(id);
    } catch (RuntimeException e) {
      throw notFound(id);
    }
  }

  private static ServiceException notFound(String id) {
    return new ServiceException(ErrorCodes.NOT_FOUND, "OAuth client " + id + " not found");
  }

  private static JsonObject withPreset(JsonObject input) {
    JsonObject in = input == null ? new JsonObject() : input.copy();
    Object preset = in.remove("preset");
    if (preset == null) return in;
    JsonObject p = presets().stream().filter(x -> x.getString("preset").equals(preset)).findFirst()
        .orElseThrow(() -> new ServiceException(ErrorCodes.BAD_REQUEST, "unknown OAuth client preset '" + preset
            + "' (known: google-gemini)", new JsonObject().put("errors", new JsonArray().add(
            new JsonObject().put("field", "preset").put("message", "must be google-gemini")))));
    JsonObject merged = p.copy();
    merged.remove("preset");
    return merged.mergeIn(in);
  }

  private record Validated(String provider, String name, String authorizeUrl, String tokenUrl, String clientId,
                           String secret, JsonArray scopes, JsonObject extraParams, JsonObject extraHeaders) {}

  private static Validated validate(JsonObject in, boolean secretGiven, Row existing) {
    Fields f = Fields.of(in);
    String provider = f.provider("provider");
    String name = f.requiredString("name", 200);
    String authorizeUrl = f.url("authorizeUrl", true);
    String tokenUrl = f.url("tokenUrl", true);
    String clientId = f.requiredString("clientId", 500);
    String secret = secretGiven ? f.optionalString("clientSecret", 2000) : null;
    JsonArray scopes = f.stringArray("scopes");
    JsonObject extraParams = f.stringMap("extraParams");
    JsonObject extraHeaders = f.stringMap("extraHeaders");
    f.check("OAuth client");
    return new Validated(provider, name, authorizeUrl, tokenUrl, clientId, secret, scopes, extraParams, extraHeaders);
  }

  static JsonObject view(Row r) {
    return new JsonObject()
        .put("id", r.getUUID("id").toString())
        .put("provider", r.getString("provider"))
        .put("name", r.getString("name"))
        .put("authorizeUrl", r.getString("authorize_url"))
        .put("tokenUrl", r.getString("token_url"))
        .put("clientId", r.getString("client_id"))
        .put("hasClientSecret", r.getBuffer("client_secret_ct") != null)
        .put("scopes", json(r.getValue("scopes"), new JsonArray()))
        .put("extraParams", json(r.getValue("extra_params"), new JsonObject()))
        .put("extraHeaders", json(r.getValue("extra_headers"), new JsonObject()))
        .put("createdAt", time(r.getOffsetDateTime("created_at")))
        .put("updatedAt", time(r.getOffsetDateTime("updated_at")));
  }

  @SuppressWarnings("unchecked")
  static <T> T json(Object v, T def) {
    if (v == null) return def;
    if (def instanceof JsonArray && v instanceof JsonArray) return (T) v;
    if (def instanceof JsonObject && v instanceof JsonObject) return (T) v;
    if (v instanceof String s) return def instanceof JsonArray ? (T) new JsonArray(s) : (T) new JsonObject(s);
    return def;
  }

  /** A jsonb array column, or null when the column is NULL or not an array. */
  static JsonArray jsonArrayOrNull(Object v) {
    if (v instanceof JsonArray a) return a;
    if (v instanceof String s && s.trim().startsWith("[")) return new JsonArray(s);
    return null;
  }

  static String time(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
