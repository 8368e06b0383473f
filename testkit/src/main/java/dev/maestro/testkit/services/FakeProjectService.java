package dev.maestro.testkit.services;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.project.ProjectService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * In-memory projects for tests of the front ends: projects with members (a member sees the granted ones,
 * else 404), session projects on branch maestro/&lt;8&gt;, one checkpoint per session, and a canned change
 * set (one modified file with a two-line diff) until a commit or discard clears it. No git.
 */
public final class FakeProjectService implements ProjectService {
  public final Map<String, JsonObject> projects = Collections.synchronizedMap(new LinkedHashMap<>());
  public final Map<String, JsonObject> sessions = Collections.synchronizedMap(new LinkedHashMap<>());
  public static final String DIFF = "diff --git a/hello.txt b/hello.txt\n--- a/hello.txt\n+++ b/hello.txt\n@@ -1 +1 @@\n-hello world\n+hello worktree\n";

  /** Adds a ready project (admin-made) and returns it. */
  public JsonObject project(String name, String... members) {
    JsonObject p = new JsonObject().put("id", UUID.randomUUID().toString()).put("name", name).put("path", "/srv/" + name)
        .put("defaultBranch", "main").put("status", "ready").put("members", new JsonArray(List.of((Object[]) members)));
    projects.put(p.getString("id"), p);
    return p;
  }

  @Override
  public Future<List<JsonObject>> listProjects(String userId, boolean admin) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject p : projects.values()) if (admin || p.getJsonArray("members").contains(userId)) out.add(p.copy());
    return Future.succeededFuture(out);
  }

  @Override
  public Future<JsonObject> getProject(String userId, boolean admin, String projectId) {
    JsonObject p = projects.get(projectId);
    if (p == null || !(admin || p.getJsonArray("members").contains(userId))) return notFound();
    return Future.succeededFuture(p.copy());
  }

  @Override
  public Future<JsonObject> createProject(JsonObject project) {
    return Future.succeededFuture(project(project.getString("name")).copy());
  }

  @Override
  public Future<JsonObject> updateProject(String projectId, JsonObject patch) {
    JsonObject p = projects.get(projectId);
    if (p == null) return notFound();
    p.mergeIn(patch);
    return Future.succeededFuture(p.copy());
  }

  @Override
  public Future<Void> deleteProject(String projectId) {
    return projects.remove(projectId) == null ? notFound() : Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> setMembers(String projectId, List<String> userIds) {
    JsonObject p = projects.get(projectId);
    if (p == null) return notFound();
    p.put("members", new JsonArray(new ArrayList<>(userIds)));
    return Future.succeededFuture(p.copy());
  }

  @Override
  public Future<JsonObject> openSession(String userId, boolean admin, String sessionId, String projectId, String baseRef) {
    return getProject(userId, admin, projectId).map(p -> {
      JsonObject s = new JsonObject().put("projectId", projectId).put("name", p.getString("name"))
          .put("branch", "maestro/" + sessionId.substring(0, 8)).put("baseRef", baseRef == null ? "main" : baseRef)
          .put("rules", new JsonArray()).put("changed", true).put("checkpoint", UUID.randomUUID().toString());
      sessions.put(sessionId, s);
      return view(s);
    });
  }

  private static JsonObject view(JsonObject s) {
    JsonObject v = s.copy();
    v.remove("changed");
    v.remove("checkpoint");
    return v;
  }

  @Override
  public Future<JsonObject> sessionProject(String sessionId) {
    JsonObject s = sessions.get(sessionId);
    return Future.succeededFuture(s == null ? new JsonObject() : view(s));
  }

  @Override
  public Future<Void> closeSession(String sessionId) {
    sessions.remove(sessionId);
    return Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> beforeTurn(String sessionId, String turnId) {
    return Future.succeededFuture(new JsonObject());
  }

  @Override
  public Future<JsonObject> afterTurn(String sessionId, String turnId) {
    return Future.succeededFuture(new JsonObject());
  }

  private Future<JsonObject> session(String sessionId) {
    JsonObject s = sessions.get(sessionId);
    return s == null ? notFound() : Future.succeededFuture(s);
  }

  @Override
  public Future<List<JsonObject>> checkpoints(String sessionId) {
    return session(sessionId).map(s -> List.of(new JsonObject().put("id", s.getString("checkpoint")).put("turnId", "turn-1")
        .put("createdAt", "2026-01-01T00:00:00Z").put("filesChanged", new JsonArray().add("hello.txt"))));
  }

  @Override
  public Future<JsonObject> restore(String sessionId, String checkpointId) {
    return session(sessionId).compose(s -> {
      if (!s.getString("checkpoint").equals(checkpointId)) return notFound();
      s.put("changed", false);
      return Future.succeededFuture(new JsonObject().put("checkpointId", checkpointId).put("files", new JsonArray().add("hello.txt")));
    });
  }

  @Override
  public Future<JsonObject> changes(String sessionId) {
    return session(sessionId).map(s -> {
      boolean changed = s.getBoolean("changed");
      JsonArray files = new JsonArray();
      if (changed) files.add(new JsonObject().put("path", "hello.txt").put("status", "modified").put("additions", 1).put("deletions", 1));
      return new JsonObject().put("baseRef", s.getString("baseRef")).put("branch", s.getString("branch")).put("files", files)
          .put("diff", changed ? DIFF : "");
    });
  }

  @Override
  public Future<JsonObject> commit(String sessionId, String message, JsonObject author) {
    return session(sessionId).compose(s -> {
      if (!s.getBoolean("changed")) return ServiceException.fail(ErrorCodes.CONFLICT, "nothing to commit", new JsonObject());
      s.put("changed", false);
      return Future.succeededFuture(new JsonObject().put("commit", "0123456789abcdef0123456789abcdef01234567").put("branch", s.getString("branch")));
    });
  }

  @Override
  public Future<JsonObject> discard(String sessionId) {
    return session(sessionId).map(s -> {
      s.put("changed", false);
      return new JsonObject().put("files", new JsonArray().add("hello.txt"));
    });
  }

  private static <T> Future<T> notFound() {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such project", new JsonObject());
  }
}
