package dev.maestro.contracts.project;

import dev.maestro.contracts.Addresses;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceProxyBuilder;

import java.util.List;

/**
 * Projects (git repositories on the tool-service host) and the git worktree each session on a project
 * works in: served by tool-service. Who may do what is the caller's business for the admin operations
 * (the gateway checks the role); the member-facing reads take {@code userId, admin} and answer
 * NOT_FOUND for a project the user was not granted. Session operations take a session id whose
 * ownership the caller (gateway) has checked; a session without a project answers NOT_FOUND.
 * <p>Project: {@code {id, name, path, defaultBranch, members:[userId], status: ready|cloning|failed,
 * progress?, error?, createdAt}}. Session project: {@code {projectId, name, branch, baseRef, baseCommit,
 * rules:[path]}}.
 */
@ProxyGen
@VertxGen
public interface ProjectService {
  String ADDRESS = Addresses.PROJECT_SERVICE;
  /** git may take a while (worktree of a large repository, a diff, a commit). */
  long SEND_TIMEOUT_MS = 120_000;

  static ProjectService createProxy(Vertx vertx) {
    return new ServiceProxyBuilder(vertx).setAddress(ADDRESS)
        .setOptions(new DeliveryOptions().setSendTimeout(SEND_TIMEOUT_MS)).build(ProjectService.class);
  }

  /** Admins see every project, members the ones they were granted. */
  Future<List<JsonObject>> listProjects(String userId, boolean admin);

  Future<JsonObject> getProject(String userId, boolean admin, String projectId);

  /** {name, path?, gitUrl?, defaultBranch?}: exactly one of path (an existing repository) and gitUrl (cloned in the background). */
  Future<JsonObject> createProject(JsonObject project);

  /** {name?, defaultBranch?}. */
  Future<JsonObject> updateProject(String projectId, JsonObject patch);

  /** Removes the registration (a clone in progress is cancelled; a cloned copy is deleted, a registered path is left alone). */
  Future<Void> deleteProject(String projectId);

  Future<JsonObject> setMembers(String projectId, List<String> userIds);

  /** Makes the session's workspace a new worktree of the project on branch maestro/&lt;first 8 of sessionId&gt;. */
  Future<JsonObject> openSession(String userId, boolean admin, String sessionId, String projectId, String baseRef);

  /** The session's project, or an empty object for a session without one. */
  Future<JsonObject> sessionProject(String sessionId);

  /** The session is gone: its worktree is removed (its branch stays if it has commits). No-op without a project. */
  Future<Void> closeSession(String sessionId);

  /** Before a turn: a checkpoint of the worktree and the AGENTS.md rules → {checkpointId, rules:[{path,text}]}, or {} without a project. */
  Future<JsonObject> beforeTurn(String sessionId, String turnId);

  /** After a turn: {files:[path]} the turn changed (since its checkpoint), or {} without a project. */
  Future<JsonObject> afterTurn(String sessionId, String turnId);

  /** Newest first: {id, turnId, createdAt, filesChanged}. */
  Future<List<JsonObject>> checkpoints(String sessionId);

  /** The worktree exactly as it was at the checkpoint → {checkpointId, files:[path]} (the files it changed). */
  Future<JsonObject> restore(String sessionId, String checkpointId);

  /** {baseRef, branch, files:[{path,status,additions,deletions}], diff}: uncommitted work against the branch. */
  Future<JsonObject> changes(String sessionId);

  /** Commits the whole worktree on the session's branch → {commit, branch}. author: {name, email}. */
  Future<JsonObject> commit(String sessionId, String message, JsonObject author);

  /** The worktree back to the branch's last commit → {files:[path]}. */
  Future<JsonObject> discard(String sessionId);
}
