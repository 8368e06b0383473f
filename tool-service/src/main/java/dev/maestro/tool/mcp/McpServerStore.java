package dev.maestro.tool.mcp;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/** Table tool.mcp_server: the configured servers (full values, secrets included; never returned raw). */
public final class McpServerStore {
  private static final String COLUMNS = "id, name, transport, command, args, env, url, headers, enabled, oauth_client, network, mounts";
  private static final String SELECT = COLUMNS + ", protocol_version";
  private final Pool pool;

  public McpServerStore(Pool pool) {
    this.pool = pool;
  }

  public Future<List<JsonObject>> list() {
    return pool.query("SELECT " + SELECT + " FROM mcp_server ORDER BY created_at, name").execute().map(McpServerStore::rows);
  }

  public Future<JsonObject> get(String id) {
    return pool.preparedQuery("SELECT " + SELECT + " FROM mcp_server WHERE id = $1").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : rows(rows).get(0));
  }

  public Future<Void> insert(JsonObject s) {
    return pool.preparedQuery("INSERT INTO mcp_server (" + COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
        .execute(tuple(s)).mapEmpty();
  }

  public Future<Void> update(JsonObject s) {
    return pool.preparedQuery("UPDATE mcp_server SET name = $2, transport = $3, command = $4, args = $5, env = $6, "
        + "url = $7, headers = $8, enabled = $9, oauth_client = $10, "
        + "network = $11, mounts = $12, "
        // another program or address may speak another revision: probed afresh
        + "protocol_version = CASE WHEN transport IS DISTINCT FROM $3 OR command IS DISTINCT FROM $4 OR args IS DISTINCT FROM $5 "
        + "OR url IS DISTINCT FROM $7 THEN NULL ELSE protocol_version END WHERE id = $1").execute(tuple(s)).mapEmpty();
  }

  /** The revision the server spoke when last connected (null: unknown). */
  public Future<Void> protocolVersion(String id, String version) {
    return pool.preparedQuery("UPDATE mcp_server SET protocol_version = $2 WHERE id = $1").execute(Tuple.of(id, version)).mapEmpty();
  }

  public Future<Void> delete(String id) {
    return pool.preparedQuery("DELETE FROM mcp_server WHERE id = $1").execute(Tuple.of(id)).mapEmpty();
  }

  private static Tuple tuple(JsonObject s) {
    return Tuple.tuple().addValue(s.getString("id")).addValue(s.getString("name")).addValue(s.getString("transport"))
        .addValue(s.getString("command"))
        .addValue(s.getJsonArray("args", new JsonArray()))
        .addValue(s.getJsonObject("env", new JsonObject()))
        .addValue(s.getString("url"))
        .addValue(s.getJsonObject("headers", new JsonObject()))
        .addValue(s.getBoolean("enabled", true))
        .addValue(s.getJsonObject("oauthClient"))
        .addValue(s.getBoolean("network", false))
        .addValue(s.getJsonArray("mounts", new JsonArray()));
  }

  private static List<JsonObject> rows(RowSet<Row> rows) {
    List<JsonObject> out = new ArrayList<>();
    for (Row r : rows) {
      JsonObject j = new JsonObject().put("id", r.getString("id")).put("name", r.getString("name"))
          .put("transport", r.getString("transport")).put("enabled", r.getBoolean("enabled"));
      if (r.getString("command") != null) j.put("command", r.getString("command"));
      if (r.getString("url") != null) j.put("url", r.getString("url"));
      j.put("args", json(r.getValue("args"), new JsonArray()));
      j.put("env", json(r.getValue("env"), new JsonObject()));
      j.put("headers", json(r.getValue("headers"), new JsonObject()));
      j.put("network", r.getBoolean("network")).put("mounts", json(r.getValue("mounts"), new JsonArray()));
      if (r.getValue("oauth_client") != null) j.put("oauthClient", json(r.getValue("oauth_client"), new JsonObject()));
      if (r.getString("protocol_version") != null) j.put("protocolVersion", r.getString("protocol_version"));
      out.add(j);
    }
    return out;
  }

  private static Object json(Object v, Object def) {
    if (v == null) return def;
    if (v instanceof String s) return s.trim().startsWith("[") ? new JsonArray(s) : new JsonObject(s);
    return v;
  }
}
