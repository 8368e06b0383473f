package dev.maestro.session;

import dev.maestro.contracts.project.ProjectService;
import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a turn of a project session adds (issue 15), asked of tool-service's ProjectService: before the
 * turn, a checkpoint of the worktree and the AGENTS.md rules, which join the system prompt of this turn
 * (the stored session is not changed) and are announced as {@code rules_loaded}; after the turn, the files
 * it changed, announced as {@code files_changed}. A session without a project gets empty answers and
 * nothing happens; when tool-service does not answer the turn goes on without rules or checkpoint.
 */
final class ProjectRules {
  private static final Logger LOG = LoggerFactory.getLogger(ProjectRules.class);
  private final ProjectService projects;
  private final LiveState live;
  /** The turn loop's publish (held while a turn start commits). */
  private final java.util.function.Consumer<JsonObject> publish;
  /**
   * tool-service said this session has no project (issue 14: two bus round trips and two SELECTs in tool-service
   * per turn for nothing). Stable for the live session's life: a session's project is opened right after the
   * session is made (create, fork, a sub-agent with its own worktree), before it can have a turn, and never
   * later; the next activation asks again.
   */
  private boolean noProject;

  ProjectRules(ProjectService projects, LiveState live, java.util.function.Consumer<JsonObject> publish) {
    this.projects = projects;
    this.live = live;
    this.publish = publish;
  }

  Future<Void> beforeTurn(String turnId) {
    if (noProject) return Future.succeededFuture();
    return projects.beforeTurn(live.sessionId, turnId).<Void>map(r -> {
      // a project session's answer always has its checkpoint; an empty one means no project
      if (r == null || !r.containsKey("checkpointId")) noProject = true;
      JsonArray rules = r == null ? null : r.getJsonArray("rules");
      if (rules == null || rules.isEmpty()) return null;
      live.session = live.session.copy().put("systemPrompt", withRules(live.session.getString("systemPrompt", ""), rules));
      JsonArray paths = new JsonArray();
      rules.forEach(o -> paths.add(((JsonObject) o).getString("path")));
      publish.accept(SessionEvents.rulesLoaded(turnId, paths));
      return null;
    }).recover(err -> {
      LOG.warn("session {}: no checkpoint or project rules for turn {}: {}", live.sessionId, turnId, err.getMessage());
      return Future.succeededFuture();
    });
  }

  Future<Void> afterTurn(String turnId) {
    if (noProject) return Future.succeededFuture();
    return projects.afterTurn(live.sessionId, turnId).<Void>map(r -> {
      JsonArray files = r == null ? null : r.getJsonArray("files");
      if (files != null && !files.isEmpty()) publish.accept(SessionEvents.filesChanged(turnId, files));
      return null;
    }).recover(err -> {
      LOG.warn("session {}: files changed by turn {} unknown: {}", live.sessionId, turnId, err.getMessage());
      return Future.succeededFuture();
    });
  }

  /** The session's own prompt, then each rule file under its path (nearest directory first, the root's last). */
  static String withRules(String prompt, JsonArray rules) {
    StringBuilder sb = new StringBuilder(prompt == null ? "" : prompt);
    if (sb.length() > 0) sb.append("\n\n");
    sb.append("# Project rules\nFollow these rules of the repository you work in (from its AGENTS.md files).");
    for (Object o : rules) {
      JsonObject r = (JsonObject) o;
      sb.append("\n\n## ").append(r.getString("path")).append("\n\n").append(r.getString("text", "").strip());
    }
    return sb.toString();
  }
}
