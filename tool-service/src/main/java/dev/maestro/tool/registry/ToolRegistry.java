package dev.maestro.tool.registry;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every known tool, kept in memory for fast lookups and mirrored in table {@code tool.tool} so the
 * user's enabled/policy choices survive restarts and rediscovery. Call only from the verticle's
 * context (MCP discovery hops onto it first).
 */
public final class ToolRegistry {
  private final Pool pool;
  private final Map<String, ToolDef> tools = new LinkedHashMap<>();

  /** Told after every change of the offered tools, with {reason, source?, tool?} (see Addresses.TOOLS_CHANGED). */
  private java.util.function.Consumer<JsonObject> onChange = c -> {};

  public ToolRegistry(Pool pool) {
    this.pool = pool;
  }

  /** Who hears of changes (tool-service publishes them, so sessions drop their cached tool lists). */
  public ToolRegistry onChange(java.util.function.Consumer<JsonObject> onChange) {
    this.onChange = onChange;
    return this;
  }

  /** After the write (whatever its outcome: memory changed already), so a reader that hears of it sees the change. */
  private <T> Future<T> told(Future<T> write, JsonObject change) {
    return write.andThen(ar -> onChange.accept(change));
  }

  public Future<Void> load() {
    return pool.query("SELECT name, source, description, input_schema::text AS schema, enabled, policy, remote_name, "
        + "annotations::text AS annotations FROM tool ORDER BY source <> 'builtin', name").execute().map(rows -> {
          tools.clear();
          for (Row r : rows) {
            Policy p = Policy.parse(r.getString("policy"));
            tools.put(r.getString("name"), new ToolDef(r.getString("name"), r.getString("source"),
                r.getString("description"), new JsonObject(r.getString("schema")), r.getBoolean("enabled"),
                p == null ? Policy.ASK : p, r.getString("remote_name"),
                r.getString("annotations") == null ? null : new JsonObject(r.getString("annotations"))));
          }
          return null;
        });
  }

  public ToolDef get(String name) {
    return name == null ? null : tools.get(name);
  }

  public List<ToolDef> all() {
    return new ArrayList<>(tools.values());
  }

  /**
   * Makes {@code source}'s tools exactly {@code discovered}: new tools get their default
   * enabled/policy, known ones keep the user's settings, vanished ones are removed.
   */
  public Future<Void> replaceSource(String source, Collection<ToolDef> discovered) {
    Set<String> keep = new HashSet<>();
    List<Tuple> upserts = new ArrayList<>();
    for (ToolDef d : discovered) {
      ToolDef existing = tools.get(d.name());
      if (existing != null && !existing.source().equals(source)) continue; // never shadow another source's tool
      keep.add(d.name());
      ToolDef merged = existing == null ? d : d.withSettings(existing.enabled(), existing.policy());
      tools.put(d.name(), merged);
      upserts.add(Tuple.of(merged.name(), source, merged.description(), merged.inputSchema(),
          merged.enabled(), merged.policy().wire(), merged.remoteName(), merged.annotations()));
    }
    List<String> gone = new ArrayList<>();
    tools.values().removeIf(t -> {
      boolean drop = t.source().equals(source) && !keep.contains(t.name());
      if (drop) gone.add(t.name());
      return drop;
    });
    Future<?> f = Future.succeededFuture();
    if (!upserts.isEmpty()) {
      f = pool.preparedQuery("INSERT INTO tool (name, source, description, input_schema, enabled, policy, remote_name, annotations) "
          + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO UPDATE SET source = EXCLUDED.source, "
          + "description = EXCLUDED.description, input_schema = EXCLUDED.input_schema, remote_name = EXCLUDED.remote_name, "
          + "annotations = EXCLUDED.annotations")
          .executeBatch(upserts);
    }
    if (!gone.isEmpty()) {
      f = f.compose(v -> pool.preparedQuery("DELETE FROM tool WHERE source = $1 AND name = ANY($2)")
          .execute(Tuple.of(source, gone.toArray(new String[0]))));
    }
    return told(f.mapEmpty(), new JsonObject().put("reason", "source_changed").put("source", source));
  }

  public Future<Void> removeSource(String source) {
    tools.values().removeIf(t -> t.source().equals(source));
    return told(pool.preparedQuery("DELETE FROM tool WHERE source = $1").execute(Tuple.of(source)).mapEmpty(),
        new JsonObject().put("reason", "source_removed").put("source", source));
  }

  public Future<ToolDef> update(String name, Boolean enabled, Policy policy) {
    ToolDef t = tools.get(name);
    if (t == null) return Future.failedFuture(new IllegalArgumentException("unknown tool " + name));
    ToolDef updated = t.withSettings(enabled == null ? t.enabled() : enabled, policy == null ? t.policy() : policy);
    tools.put(name, updated);
    return told(pool.preparedQuery("UPDATE tool SET enabled = $2, policy = $3 WHERE name = $1")
        .execute(Tuple.of(name, updated.enabled(), updated.policy().wire())).map(updated),
        new JsonObject().put("reason", "tool_updated").put("tool", name));
  }
}
