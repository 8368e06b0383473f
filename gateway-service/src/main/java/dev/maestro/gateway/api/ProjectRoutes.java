package dev.maestro.gateway.api;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.project.ProjectService;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.gateway.auth.Ids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The project operations (issue 15) and what projects add to the session operations: a session created with
 * {@code projectId} gets its worktree (the project is looked up as the caller first, so an ungranted member
 * gets 404 and no session), its GET shows {@code project}, and deleting it removes the worktree. Session
 * operations check ownership through session-service before tool-service is asked anything.
 */
final class ProjectRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(ProjectRoutes.class);
  private final ProjectService projects;
  private final SessionService sessions;

  ProjectRoutes(ProjectService projects, SessionService sessions) {
    this.projects = projects;
    this.sessions = sessions;
  }

  void mount(BiConsumer<String, ApiRoutes.Handler> op) {
    op.accept("listProjects", c -> projects.listProjects(c.userId(), c.admin()).map(l -> items(l, c.admin())));
    op.accept("createProject", c -> projects.createProject(c.body()).map(Reply::created));
    op.accept("getProject", c -> id(c).compose(id -> projects.getProject(c.userId(), c.admin(), id)).map(p -> Reply.ok(view(p, c.admin()))));
    op.accept("updateProject", c -> id(c).compose(id -> projects.updateProject(id, c.body())).map(Reply::ok));
    op.accept("deleteProject", c -> id(c).compose(projects::deleteProject).map(v -> Reply.noContent()));
    op.accept("setProjectMembers", c -> id(c).compose(id -> {
      List<String> ids = new ArrayList<>();
      c.body().getJsonArray("userIds", new JsonArray()).forEach(u -> ids.add(String.valueOf(u).toLowerCase()));
      return projects.setMembers(id, ids);
    }).map(Reply::ok));
    op.accept("listCheckpoints", c -> owned(c).compose(projects::checkpoints)
        .map(l -> Reply.ok(new JsonObject().put("items", new JsonArray(new ArrayList<>(l))).put("nextCursor", null))));
    op.accept("restoreCheckpoint", c -> idle(c).compose(id -> {
      String cid = c.path("checkpointId");
      if (!Ids.valid(cid)) return notFound("no such checkpoint");
      return projects.restore(id, cid);
    }).map(Reply::ok));
    op.accept("sessionChanges", c -> owned(c).compose(projects::changes).map(Reply::ok));
    op.accept("commitSession", c -> idle(c).compose(id -> projects.commit(id, c.body().getString("message"),
        new JsonObject().put("name", c.principal().username()).put("email", c.principal().username() + "@maestro.local"))).map(Reply::ok));
    op.accept("discardSession", c -> idle(c).compose(projects::discard).map(Reply::ok));
  }

  /** createSession: without projectId as before; with it, the grant is checked first and the worktree made after. */
  Future<Reply> createSession(Call c) {
    JsonObject body = c.body().copy();
    String projectId = (String) body.remove("projectId");
    String baseRef = (String) body.remove("baseRef");
    if (projectId == null) {
      if (baseRef != null) return badField("baseRef", "needs a projectId");
      return sessions.create(c.userId(), body).map(Reply::created);
    }
    return projects.getProject(c.userId(), c.admin(), projectId)
        .compose(p -> sessions.create(c.userId(), body))
        .compose(s -> projects.openSession(c.userId(), c.admin(), s.getString("id"), projectId, baseRef)
            .map(project -> Reply.created(s.put("project", project)))
            .recover(err -> sessions.delete(c.userId(), s.getString("id")).transform(x -> Future.failedFuture(err))));
  }

  /**
   * forkSession: a fork of a project session gets its own worktree on its own branch, started at the parent's
   * branch (its last commit: the parent's uncommitted changes stay with the parent). The grant is checked again
   * as the caller; when the worktree cannot be made the fork is deleted and the failure answered.
   */
  Future<Reply> forkSession(Call c) {
    String id = c.path("id");
    if (!Ids.valid(id)) return notFound("no such resource");
    return sessions.fork(c.userId(), id, c.body().getString("atMessageId")).compose(copy -> projects.sessionProject(id)
        .compose(p -> p == null || p.isEmpty() ? Future.succeededFuture(copy)
            : projects.openSession(c.userId(), c.admin(), copy.getString("id"), p.getString("projectId"), p.getString("branch"))
                .map(project -> copy.put("project", project)))
        .recover(err -> sessions.delete(c.userId(), copy.getString("id")).transform(x -> Future.failedFuture(err))))
        .map(Reply::created);
  }

  /** getSession plus {project} for a project session (left out when tool-service does not answer). */
  Future<Reply> getSession(Call c, Future<JsonObject> session) {
    return session.compose(s -> projects.sessionProject(s.getString("id"))
        .map(p -> p == null || p.isEmpty() ? s : s.put("project", p))
        .recover(err -> {
          LOG.warn("session {}: project unknown, tool-service: {}", s.getString("id"), err.getMessage());
          return Future.succeededFuture(s);
        })).map(Reply::ok);
  }

  /** After a session is deleted: its worktree goes (a failure is logged, the delete stands). */
  Future<Void> sessionDeleted(String sessionId) {
    return projects.closeSession(sessionId).recover(err -> {
      LOG.warn("session {}: worktree not removed: {}", sessionId, err.getMessage());
      return Future.succeededFuture();
    });
  }

  private Future<String> owned(Call c) {
    String id = c.path("id");
    if (!Ids.valid(id)) return notFound("no such resource");
    return sessions.get(c.userId(), id).map(s -> id);
  }

  /**
   * Restore, commit and discard change (or record) the worktree as a whole: while a turn of the session runs, its
   * agent is editing that worktree, so they are refused with 409 rather than racing the agent's tools.
   * session-service's {@code activeTurnId} is the one place that knows a turn is in flight.
   */
  private Future<String> idle(Call c) {
    String id = c.path("id");
    if (!Ids.valid(id)) return notFound("no such resource");
    return sessions.get(c.userId(), id).compose(s -> s.getString("activeTurnId") == null ? Future.succeededFuture(id)
        : ServiceException.fail(ErrorCodes.CONFLICT, "a turn of this session is running and changing its worktree;"
            + " wait for it to finish (or cancel it) first", new JsonObject().put("activeTurnId", s.getString("activeTurnId"))));
  }

  /** Members see who else was granted only as a count; the host path is an admin's business. */
  private static JsonObject view(JsonObject p, boolean admin) {
    if (admin || p == null) return p;
    JsonObject v = p.copy();
    v.put("memberCount", v.getJsonArray("members", new JsonArray()).size());
    v.remove("members");
    v.remove("gitUrl");
    v.remove("path");
    return v;
  }

  private static Reply items(List<JsonObject> l, boolean admin) {
    JsonArray items = new JsonArray();
    for (JsonObject p : l) items.add(view(p, admin));
    return Reply.ok(new JsonObject().put("items", items).put("nextCursor", null));
  }

  private static Future<String> id(Call c) {
    String id = c.path("id");
    return Ids.valid(id) ? Future.succeededFuture(id) : notFound("no such project");
  }

  private static <T> Future<T> notFound(String why) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, why, new JsonObject());
  }

  private static <T> Future<T> badField(String field, String message) {
    return ServiceException.fail(ErrorCodes.BAD_REQUEST, "the body does not match the schema", new JsonObject()
        .put("errors", new JsonArray().add(new JsonObject().put("field", field).put("message", message))));
  }
}
