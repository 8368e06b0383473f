package dev.maestro.session.subagent;

import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;
import java.util.List;

/** The SQL of sub-agents (columns of migration V5): lineage, making a child, listing children, its answer. */
public final class SubagentStore {
  private final Pool pool;

  public SubagentStore(Pool pool) {
    this.pool = pool;
  }

  /** Where a session sits: {@code {"depth","parentSessionId","workspaceId"}} (workspaceId: whose workspace its tools use). */
  public Future<JsonObject> lineage(String sessionId) {
    return pool.preparedQuery("SELECT depth, parent_session_id, workspace_session_id FROM session WHERE id = $1")
        .execute(Tuple.of(UUID.fromString(sessionId)))
        .compose(rows -> {
          if (rows.size() == 0) return ServiceException.fail(ErrorCodes.NOT_FOUND, "session " + sessionId + " not found");
          Row r = rows.iterator().next();
          UUID ws = r.getUUID("workspace_session_id");
          return Future.succeededFuture(new JsonObject().put("depth", r.getInteger("depth"))
              .put("parentSessionId", str(r.getUUID("parent_session_id")))
              .put("workspaceId", ws == null ? sessionId : ws.toString()));
        });
  }

  /**
   * A template of userId named by id or by name (the model may know either); null when there is none.
   * By name, the most recently updated one wins.
   */
  public Future<JsonObject> template(String userId, String ref) {
    UUID id = uuidOrNull(ref);
    return pool.preparedQuery("SELECT id, provider, model, system_prompt, tools, params FROM template WHERE user_id = $1"
            + " AND (id = $2 OR ($2::uuid IS NULL AND name = $3)) ORDER BY updated_at DESC LIMIT 1")
        .execute(Tuple.of(userId, id, ref))
        .map(rows -> {
          if (rows.size() == 0) return null;
          Row r = rows.iterator().next();
          return new JsonObject().put("id", r.getUUID("id").toString()).put("provider", r.getString("provider"))
              .put("model", r.getString("model")).put("systemPrompt", r.getString("system_prompt"))
              .put("tools", (JsonArray) r.getValue("tools")).put("params", (JsonObject) r.getValue("params"));
        });
  }

  /** Inserts a child of parent (same user, depth + 1, the parent's workspace or, ownWorkspace, its own) → its id. */
  public Future<String> insertChild(JsonObject parent, JsonObject lineage, JsonObject spec, boolean ownWorkspace) {
    UUID id = UUID.randomUUID();
    return pool.preparedQuery("INSERT INTO session (id, user_id, title, provider, model, credential_id, template_id, system_prompt,"
            + " tools, params, parent_session_id, depth, workspace_session_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)")
        .execute(Tuple.of(id, parent.getString("userId"), spec.getString("title"), spec.getString("provider"),
                spec.getString("model"), spec.getString("credentialId"))
            .addValue(uuidOrNull(spec.getString("templateId")))
            .addValue(spec.getString("systemPrompt", ""))
            .addValue(spec.getJsonArray("tools"))
            .addValue(spec.getJsonObject("params", new JsonObject()))
            .addValue(UUID.fromString(parent.getString("id")))
            .addValue(lineage.getInteger("depth") + 1)
            .addValue(ownWorkspace ? null : UUID.fromString(lineage.getString("workspaceId"))))
        .map(r -> id.toString());
  }

  /** The ids of the sessions below sessionId (any depth) whose tools use their own workspace (a sub-agent's own worktree). */
  public Future<List<String>> ownWorkspaceDescendants(String sessionId) {
    return pool.preparedQuery("WITH RECURSIVE below(id, workspace_session_id) AS ("
            + " SELECT id, workspace_session_id FROM session WHERE parent_session_id = $1"
            + " UNION ALL SELECT s.id, s.workspace_session_id FROM session s JOIN below b ON s.parent_session_id = b.id)"
            + " SELECT id FROM below WHERE workspace_session_id IS NULL OR workspace_session_id = id")
        .execute(Tuple.of(UUID.fromString(sessionId)))
        .map(rows -> {
          List<String> ids = new java.util.ArrayList<>();
          rows.forEach(r -> ids.add(r.getUUID("id").toString()));
          return ids;
        });
  }

  /**
   * {@code {"parentSessionId", "children":[{"id","title","status","createdAt"}]}} of a session; status is
   * the child's latest turn's (running | complete | cancelled | error | interrupted), or "pending" before it.
   */
  public Future<JsonObject> family(String sessionId) {
    UUID id = UUID.fromString(sessionId);
    return pool.preparedQuery("SELECT s.id, s.title, s.created_at,"
            + " (SELECT t.status FROM turn t WHERE t.session_id = s.id ORDER BY t.started_at DESC LIMIT 1) AS status"
            + " FROM session s WHERE s.parent_session_id = $1 ORDER BY s.created_at, s.id")
        .execute(Tuple.of(id))
        .compose(children -> pool.preparedQuery("SELECT parent_session_id FROM session WHERE id = $1").execute(Tuple.of(id))
            .map(parent -> {
              JsonArray items = new JsonArray();
              children.forEach(r -> items.add(new JsonObject().put("id", r.getUUID("id").toString())
                  .put("title", r.getString("title"))
                  .put("status", r.getString("status") == null ? "pending" : r.getString("status"))
                  .put("createdAt", r.getOffsetDateTime("created_at").toInstant().toString())));
              UUID p = parent.size() == 0 ? null : parent.iterator().next().getUUID("parent_session_id");
              return new JsonObject().put("parentSessionId", str(p)).put("children", items);
            }));
  }

  /** The text of the child's last assistant message: its answer to the task. */
  public Future<String> finalAnswer(String childSessionId) {
    return pool.preparedQuery("SELECT content FROM message WHERE session_id = $1 AND role = 'assistant'"
            + " ORDER BY ordinal DESC LIMIT 1")
        .execute(Tuple.of(UUID.fromString(childSessionId)))
        .map(rows -> {
          if (rows.size() == 0) return "";
          StringBuilder sb = new StringBuilder();
          for (Object o : (JsonArray) rows.iterator().next().getValue("content")) {
            if (o instanceof JsonObject p && "text".equals(p.getString("type"))) sb.append(p.getString("text", ""));
          }
          return sb.toString();
        });
  }

  private static String str(UUID id) {
    return id == null ? null : id.toString();
  }

  static UUID uuidOrNull(String id) {
    if (id == null) return null;
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
