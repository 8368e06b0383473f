package dev.maestro.webui;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * /projects (issue 15: admins add, clone with progress, grant and remove; members see theirs) and the Changes
 * panel of a project session's chat: the per-file diff, commit, discard and per-turn Undo, each a gateway
 * operation.
 */
final class ProjectPages {
  private final WebUiGateway gateway;
  private final PageRenderer pages;

  ProjectPages(WebUiGateway gateway, PageRenderer pages) {
    this.gateway = gateway;
    this.pages = pages;
  }

  void list(RoutingContext rc) {
    JsonObject user = Pages.principal(rc);
    boolean admin = user != null && "admin".equals(user.getString("role"));
    Future<JsonObject> projects = gateway.call(rc, "listProjects");
    Future<JsonObject> users = admin ? gateway.call(rc, "listUsers", Map.of(), Map.of("limit", "200"), null)
        .recover(e -> Future.succeededFuture(new JsonObject())) : Future.succeededFuture(new JsonObject());
    Future.all(projects, users).onSuccess(cf -> {
      JsonArray all = users.result().getJsonArray("items", new JsonArray());
      JsonArray items = new JsonArray();
      boolean cloning = false;
      for (Object o : projects.result().getJsonArray("items", new JsonArray())) {
        JsonObject p = ((JsonObject) o).copy();
        cloning |= "cloning".equals(p.getString("status"));
        p.put("isCloning", "cloning".equals(p.getString("status"))).put("isFailed", "failed".equals(p.getString("status")));
        JsonArray members = p.getJsonArray("members", new JsonArray());
        JsonArray choices = new JsonArray();
        for (Object u : all) {
          JsonObject uj = (JsonObject) u;
          choices.add(new JsonObject().put("id", uj.getString("id")).put("username", uj.getString("username"))
              .put("granted", members.contains(uj.getString("id"))));
        }
        p.put("choices", choices);
        items.add(p);
      }
      pages.render(rc, 200, "projects", "Projects", new JsonObject().put("projects", items).put("cloning", cloning));
    }).onFailure(err -> pages.error(rc, err));
  }

  void add(RoutingContext rc) {
    JsonObject body = new JsonObject();
    put(body, "name", Forms.field(rc, "name"));
    String source = Forms.field(rc, "source");
    if (source != null) body.put(source.startsWith("/") ? "path" : "gitUrl", source);
    put(body, "defaultBranch", Forms.field(rc, "defaultBranch"));
    gateway.call(rc, "createProject", Map.of(), body).onSuccess(p -> {
      PageRenderer.flash(rc, "ok", "cloning".equals(p.getString("status"))
          ? "Cloning " + p.getString("name") + "… progress shows below." : "Project " + p.getString("name") + " added.");
      PageRenderer.redirect(rc, "/projects");
    }).onFailure(err -> back(rc, "/projects", err));
  }

  void members(RoutingContext rc) {
    JsonArray ids = new JsonArray();
    for (String u : rc.request().formAttributes().getAll("userIds")) if (!u.isBlank()) ids.add(u.trim());
    gateway.call(rc, "setProjectMembers", Map.of("id", rc.pathParam("id")), new JsonObject().put("userIds", ids))
        .onSuccess(p -> { PageRenderer.flash(rc, "ok", "Members of " + p.getString("name") + " saved."); PageRenderer.redirect(rc, "/projects"); })
        .onFailure(err -> back(rc, "/projects", err));
  }

  void delete(RoutingContext rc) {
    gateway.call(rc, "deleteProject", Map.of("id", rc.pathParam("id")), null)
        .onSuccess(v -> { PageRenderer.flash(rc, "ok", "Project removed."); PageRenderer.redirect(rc, "/projects"); })
        .onFailure(err -> back(rc, "/projects", err));
  }

  /** What the chat page's Changes panel shows: {changes:{branch, baseRef, files, fileCount}, checkpoints}. */
  Future<JsonObject> panel(RoutingContext rc, String sessionId) {
    Map<String, String> id = Map.of("id", sessionId);
    Future<JsonObject> changes = gateway.call(rc, "sessionChanges", id, null);
    Future<JsonObject> checkpoints = gateway.call(rc, "listCheckpoints", id, null);
    return Future.all(changes, checkpoints).map(cf -> {
      JsonArray files = DiffView.files(changes.result());
      JsonArray undo = new JsonArray();
      for (Object o : checkpoints.result().getJsonArray("items", new JsonArray())) {
        JsonObject c = (JsonObject) o;
        JsonArray changed = c.getJsonArray("filesChanged");
        if (changed == null || changed.isEmpty()) continue;
        undo.add(c.copy().put("label", Pages.timeLabel(c.getString("createdAt")))
            .put("filesText", String.join(", ", changed.stream().map(String::valueOf).toList())));
      }
      return new JsonObject().put("sessionId", sessionId).put("branch", changes.result().getString("branch"))
          .put("baseRef", changes.result().getString("baseRef")).put("files", files).put("hasFiles", !files.isEmpty())
          .put("fileCount", files.size()).put("undo", undo);
    });
  }

  /** The panel alone, fetched by the chat script when files_changed arrives. */
  void fragment(RoutingContext rc) {
    panel(rc, rc.pathParam("id"))
        .onSuccess(p -> pages.render(rc, 200, "changes", "Changes", new JsonObject().put("changes", p)))
        .onFailure(err -> rc.response().setStatusCode(OperationFailed.status(err)).putHeader("Content-Type", "text/plain; charset=utf-8")
            .end(OperationFailed.message(err)));
  }

  void commit(RoutingContext rc) {
    String id = rc.pathParam("id");
    String message = Forms.field(rc, "message");
    if (message == null) {
      PageRenderer.flash(rc, "error", "Write a commit message first.");
      PageRenderer.redirect(rc, "/sessions/" + id + "#changes");
      return;
    }
    gateway.call(rc, "commitSession", Map.of("id", id), new JsonObject().put("message", message)).onSuccess(c -> {
      PageRenderer.flash(rc, "ok", "Committed " + c.getString("commit").substring(0, 10) + " on " + c.getString("branch") + ".");
      PageRenderer.redirect(rc, "/sessions/" + id + "#changes");
    }).onFailure(err -> back(rc, "/sessions/" + id + "#changes", err));
  }

  void discard(RoutingContext rc) {
    String id = rc.pathParam("id");
    gateway.call(rc, "discardSession", Map.of("id", id), null)
        .onSuccess(r -> { PageRenderer.flash(rc, "ok", "Uncommitted changes discarded."); PageRenderer.redirect(rc, "/sessions/" + id + "#changes"); })
        .onFailure(err -> back(rc, "/sessions/" + id + "#changes", err));
  }

  void restore(RoutingContext rc) {
    String id = rc.pathParam("id");
    gateway.call(rc, "restoreCheckpoint", Map.of("id", id, "checkpointId", rc.pathParam("checkpointId")), null).onSuccess(r -> {
      List<String> files = new ArrayList<>();
      r.getJsonArray("files", new JsonArray()).forEach(f -> files.add(String.valueOf(f)));
      PageRenderer.flash(rc, "ok", files.isEmpty() ? "Nothing to undo: the files are as they were."
          : "Undone: " + String.join(", ", files) + " restored.");
      PageRenderer.redirect(rc, "/sessions/" + id + "#changes");
    }).onFailure(err -> back(rc, "/sessions/" + id + "#changes", err));
  }

  /** Projects for the new-session picker (empty when none or on failure). */
  Future<JsonArray> picker(RoutingContext rc) {
    return gateway.call(rc, "listProjects").map(p -> {
      JsonArray out = new JsonArray();
      for (Object o : p.getJsonArray("items", new JsonArray())) {
        JsonObject j = (JsonObject) o;
        if ("ready".equals(j.getString("status"))) out.add(j);
      }
      return out;
    }).recover(e -> Future.succeededFuture(new JsonArray()));
  }

  private void back(RoutingContext rc, String to, Throwable err) {
    int status = OperationFailed.status(err);
    if ((status == 404 && to.startsWith("/sessions/")) || status == 401 || status == 403) {
      pages.error(rc, err);
      return;
    }
    PageRenderer.flash(rc, "error", OperationFailed.message(err));
    PageRenderer.redirect(rc, to);
  }

  private static void put(JsonObject o, String k, String v) {
    if (v != null) o.put(k, v);
  }
}
