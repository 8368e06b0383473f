package dev.maestro.tool.project;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** Tables tool.project, project_member, project_session and project_checkpoint. */
public final class ProjectStore {
  private static final String COLUMNS = "p.id, p.name, p.path, p.git_url, p.cloned, p.default_branch, p.status, p.error, p.created_at,"
      + " COALESCE((SELECT json_agg(m.user_id ORDER BY m.user_id) FROM project_member m WHERE m.project_id = p.id), '[]'::json) AS members";
  private static final String SESSION_COLUMNS = "s.session_id, s.project_id, p.name, p.path, s.branch, s.base_ref, s.base_commit,"
      + " s.worktree, s.rules";
  private final Pool pool;

  public ProjectStore(Pool pool) {
    this.pool = pool;
  }

  /** Every project (admin), or those granted to userId. */
  public Future<List<JsonObject>> list(String userId, boolean admin) {
    String sql = "SELECT " + COLUMNS + " FROM project p"
        + (admin ? "" : " WHERE EXISTS (SELECT 1 FROM project_member m WHERE m.project_id = p.id AND m.user_id = $1)")
        + " ORDER BY p.name";
    return pool.preparedQuery(sql).execute(admin ? Tuple.tuple() : Tuple.of(userId)).map(rows -> {
      List<JsonObject> out = new ArrayList<>();
      for (Row r : rows) out.add(project(r));
      return out;
    });
  }

  /** The project if it exists and (unless admin) userId was granted it; else null. */
  public Future<JsonObject> get(String userId, boolean admin, String id) {
    String sql = "SELECT " + COLUMNS + " FROM project p WHERE p.id = $1"
        + (admin ? "" : " AND EXISTS (SELECT 1 FROM project_member m WHERE m.project_id = p.id AND m.user_id = $2)");
    return pool.preparedQuery(sql).execute(admin ? Tuple.of(id) : Tuple.of(id, userId))
        .map(rows -> rows.size() == 0 ? null : project(rows.iterator().next()));
  }

  public Future<Void> insert(JsonObject p) {
    return pool.preparedQuery("INSERT INTO project (id, name, path, git_url, cloned, default_branch, status) VALUES ($1,$2,$3,$4,$5,$6,$7)")
        .execute(Tuple.of(p.getString("id"), p.getString("name"), p.getString("path"), p.getString("gitUrl"),
            p.getBoolean("cloned", false), p.getString("defaultBranch", ""), p.getString("status", "ready"))).mapEmpty();
  }

  public Future<Void> update(String id, String name, String defaultBranch) {
    return pool.preparedQuery("UPDATE project SET name = COALESCE($2, name), default_branch = COALESCE($3, default_branch) WHERE id = $1")
        .execute(Tuple.of(id, name, defaultBranch)).mapEmpty();
  }

  public Future<Void> status(String id, String status, String error, String defaultBranch) {
    return pool.preparedQuery("UPDATE project SET status = $2, error = $3, default_branch = COALESCE($4, default_branch) WHERE id = $1")
        .execute(Tuple.of(id, status, error, defaultBranch)).mapEmpty();
  }

  public Future<Void> delete(String id) {
    return pool.preparedQuery("DELETE FROM project WHERE id = $1").execute(Tuple.of(id)).mapEmpty();
  }

  public Future<Long> sessionCount(String projectId) {
    return pool.preparedQuery("SELECT count(*) FROM project_session WHERE project_id = $1").execute(Tuple.of(projectId))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  public Future<Void> setMembers(String id, List<String> userIds) {
    return pool.withTransaction(c -> c.preparedQuery("DELETE FROM project_member WHERE project_id = $1").execute(Tuple.of(id))
        .compose(v -> {
          if (userIds.isEmpty()) return Future.succeededFuture();
          List<Tuple> batch = new ArrayList<>();
          for (String u : userIds) batch.add(Tuple.of(id, u));
          return c.preparedQuery("INSERT INTO project_member (project_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
              .executeBatch(batch).mapEmpty();
        })).mapEmpty();
  }

  public Future<Void> insertSession(String userId, SessionTree t) {
    return pool.preparedQuery("INSERT INTO project_session (session_id, project_id, user_id, branch, base_ref, base_commit, worktree)"
            + " VALUES ($1,$2,$3,$4,$5,$6,$7)")
        .execute(Tuple.of(t.sessionId(), t.projectId(), userId, t.branch(), t.baseRef(), t.baseCommit(), t.worktree().toString()))
        .mapEmpty();
  }

  /** Every session worktree (for the sandbox's lookup table at start). */
  public Future<List<SessionTree>> sessions() {
    return pool.query("SELECT " + SESSION_COLUMNS + " FROM project_session s JOIN project p ON p.id = s.project_id").execute()
        .map(rows -> {
          List<SessionTree> out = new ArrayList<>();
          for (Row r : rows) out.add(tree(r));
          return out;
        });
  }

  public Future<JsonObject> sessionRow(String sessionId) {
    return pool.preparedQuery("SELECT " + SESSION_COLUMNS + " FROM project_session s JOIN project p ON p.id = s.project_id"
        + " WHERE s.session_id = $1").execute(Tuple.of(sessionId)).map(rows -> {
          if (rows.size() == 0) return null;
          Row r = rows.iterator().next();
          return new JsonObject().put("projectId", r.getString("project_id")).put("name", r.getString("name"))
              .put("branch", r.getString("branch")).put("baseRef", r.getString("base_ref")).put("baseCommit", r.getString("base_commit"))
              .put("rules", json(r.getValue("rules")));
        });
  }

  public Future<Void> deleteSession(String sessionId) {
    return pool.preparedQuery("DELETE FROM project_session WHERE session_id = $1").execute(Tuple.of(sessionId)).mapEmpty();
  }

  public Future<Void> rules(String sessionId, JsonArray paths) {
    return pool.preparedQuery("UPDATE project_session SET rules = $2 WHERE session_id = $1").execute(Tuple.of(sessionId, paths)).mapEmpty();
  }

  public Future<Void> insertCheckpoint(String id, String sessionId, String turnId, String commit) {
    return pool.preparedQuery("INSERT INTO project_checkpoint (id, session_id, turn_id, commit_sha) VALUES ($1,$2,$3,$4)")
        .execute(Tuple.of(id, sessionId, turnId, commit)).mapEmpty();
  }

  /** The checkpoint taken before turnId (its latest), or null. */
  public Future<JsonObject> checkpointOfTurn(String sessionId, String turnId) {
    return pool.preparedQuery("SELECT id, turn_id, commit_sha, files_changed, created_at FROM project_checkpoint"
        + " WHERE session_id = $1 AND turn_id = $2 ORDER BY created_at DESC LIMIT 1").execute(Tuple.of(sessionId, turnId))
        .map(rows -> rows.size() == 0 ? null : checkpoint(rows.iterator().next()));
  }

  public Future<JsonObject> checkpoint(String sessionId, String id) {
    return pool.preparedQuery("SELECT id, turn_id, commit_sha, files_changed, created_at FROM project_checkpoint"
        + " WHERE session_id = $1 AND id = $2").execute(Tuple.of(sessionId, id))
        .map(rows -> rows.size() == 0 ? null : checkpoint(rows.iterator().next()));
  }

  public Future<List<JsonObject>> checkpoints(String sessionId) {
    return pool.preparedQuery("SELECT id, turn_id, commit_sha, files_changed, created_at FROM project_checkpoint"
        + " WHERE session_id = $1 ORDER BY created_at DESC LIMIT 500").execute(Tuple.of(sessionId)).map(rows -> {
          List<JsonObject> out = new ArrayList<>();
          for (Row r : rows) out.add(checkpoint(r));
          return out;
        });
  }

  public Future<Void> filesChanged(String id, JsonArray files) {
    return pool.preparedQuery("UPDATE project_checkpoint SET files_changed = $2 WHERE id = $1").execute(Tuple.of(id, files)).mapEmpty();
  }

  private static JsonObject checkpoint(Row r) {
    return new JsonObject().put("id", r.getString("id")).put("turnId", r.getString("turn_id")).put("commit", r.getString("commit_sha"))
        .put("filesChanged", r.getValue("files_changed") == null ? null : json(r.getValue("files_changed")))
        .put("createdAt", r.getOffsetDateTime("created_at").toInstant().toString());
  }

  private static SessionTree tree(Row r) {
    Path repo = Path.of(r.getString("path"));
    return new SessionTree(r.getString("session_id"), r.getString("project_id"), r.getString("name"), repo.resolve(".git"),
        Path.of(r.getString("worktree")), r.getString("branch"), r.getString("base_ref"), r.getString("base_commit"));
  }

  public Future<SessionTree> tree(String sessionId) {
    return pool.preparedQuery("SELECT " + SESSION_COLUMNS + " FROM project_session s JOIN project p ON p.id = s.project_id"
        + " WHERE s.session_id = $1").execute(Tuple.of(sessionId)).map(rows -> rows.size() == 0 ? null : tree(rows.iterator().next()));
  }

  private static JsonObject project(Row r) {
    OffsetDateTime created = r.getOffsetDateTime("created_at");
    JsonObject j = new JsonObject().put("id", r.getString("id")).put("name", r.getString("name")).put("path", r.getString("path"))
        .put("defaultBranch", r.getString("default_branch")).put("status", r.getString("status"))
        .put("cloned", r.getBoolean("cloned")).put("members", json(r.getValue("members")))
        .put("createdAt", created == null ? null : created.toInstant().toString());
    if (r.getString("git_url") != null) j.put("gitUrl", r.getString("git_url"));
    if (r.getString("error") != null) j.put("error", r.getString("error"));
    return j;
  }

  private static JsonArray json(Object v) {
    if (v == null) return new JsonArray();
    if (v instanceof JsonArray a) return a;
    if (v instanceof String s) return new JsonArray(s);
    return new JsonArray(String.valueOf(v));
  }
}
