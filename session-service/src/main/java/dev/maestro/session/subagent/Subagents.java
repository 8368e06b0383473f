package dev.maestro.session.subagent;

import dev.maestro.contracts.project.ProjectService;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.session.SubagentEvents;
import dev.maestro.contracts.tool.ToolResults;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The sub-agents of one live session: runs a {@code task} call as a child session (made here, driven
 * through {@link SessionService} like any client would, so it has its own live owner, event log and
 * limits), relays the child's events onto this session, forwards answers to the child's approvals and
 * cancels the children with the turn. Lives on the session's context (event-bus handlers registered
 * here run there too), so its maps need no locking.
 */
public final class Subagents {
  private static final Logger LOG = LoggerFactory.getLogger(Subagents.class);

  private final String sessionId;
  private final Supplier<JsonObject> session;
  private final Consumer<JsonObject> publish;
  private final SubagentStore store;
  private final SessionService sessions;
  private final SubagentLimits limits;
  private final ProjectService projects;
  private final Vertx vertx;
  /** Running children by the task call that started them. */
  private final Map<String, ChildRun> running = new LinkedHashMap<>();
  /** Approvals a child waits for (its call id → the child), answered through this session. */
  private final Map<String, ChildRun> approvals = new HashMap<>();
  /** Elicitations a child's MCP tool waits for (elicitation id → the child), answered through this session. */
  private final Map<String, ChildRun> elicitations = new HashMap<>();
  private Future<JsonObject> lineage;

  /** session: this session's stored row as last read (id, userId, provider, model, ...); publish: onto this session. */
  public Subagents(String sessionId, Supplier<JsonObject> session, Consumer<JsonObject> publish, SubagentStore store,
                   SessionService sessions, SubagentLimits limits, ProjectService projects, Vertx vertx) {
    this.sessionId = sessionId;
    this.session = session;
    this.publish = publish;
    this.store = store;
    this.sessions = sessions;
    this.limits = limits;
    this.projects = projects;
    this.vertx = vertx;
  }

  /** One child at work for one task call. */
  private static final class ChildRun {
    final String callId;
    final String description;
    final Promise<JsonObject> result = Promise.promise();
    String childId;
    String userId;
    dev.maestro.platform.SessionInbox.Follow relay;
    boolean sent;
    boolean cancelled;
    boolean finished;
    String error;

    ChildRun(String callId, String description) {
      this.callId = callId;
      this.description = description;
    }
  }

  // ------------------------------------------------------------------ what the turn asks

  /** The offered tools plus {@code task}, unless the session names its tools without it. */
  public List<JsonObject> withTaskTool(List<JsonObject> offered) {
    JsonArray names = session.get().getJsonArray("tools");
    boolean wanted = names == null || names.contains(SubagentEvents.TASK_TOOL);
    if (!wanted || offered.stream().anyMatch(t -> SubagentEvents.TASK_TOOL.equals(t.getString("name")))) return offered;
    List<JsonObject> all = new ArrayList<>(offered);
    all.add(TaskTool.definition());
    return all;
  }

  public static boolean isTask(String toolName) {
    return SubagentEvents.TASK_TOOL.equals(toolName);
  }

  /**
   * The workspace this session's tools work in: its own, or (for a child) the one its parent uses.
   * Read once; a failed read is tried again next time.
   */
  public Future<String> workspaceId() {
    return lineage().map(l -> l.getString("workspaceId")).recover(err -> Future.succeededFuture(sessionId));
  }

  private Future<JsonObject> lineage() {
    if (lineage == null || lineage.failed()) lineage = store.lineage(sessionId);
    return lineage;
  }

  /** Runs a task call to its child's end → the tool result ({callId, content, isError}); never fails. */
  public Future<JsonObject> run(JsonObject call) {
    String callId = call.getString("callId");
    TaskTool.Request req;
    try {
      req = TaskTool.parse(call.getJsonObject("arguments"));
    } catch (IllegalArgumentException e) {
      return error(callId, e.getMessage());
    }
    if (running.size() >= limits.maxConcurrent()) {
      return error(callId, "too many sub-agents: this session already has " + running.size() + " running (the limit is "
          + limits.maxConcurrent() + ", " + SubagentLimits.MAX_CONCURRENT + "); wait for their results, or do this task yourself");
    }
    ChildRun run = new ChildRun(callId, req.description());
    // the slot is taken at once: the calls of one response arrive together
    running.put(callId, run);
    JsonObject parent = session.get();
    run.userId = parent.getString("userId");
    lineage().compose(l -> {
          if (l.getInteger("depth") >= limits.maxDepth()) {
            return Future.failedFuture(new IllegalArgumentException("sub-agent depth limit reached: sub-agents may nest at most " + limits.maxDepth()
                + " deep (" + SubagentLimits.MAX_DEPTH + ") and this session is at depth " + l.getInteger("depth")
                + ", so it cannot start another; do this task yourself"));
          }
          return childSpec(parent, req).compose(spec -> ownWorktree(l, spec).compose(project -> store.insertChild(parent, l, spec, project != null)
              .compose(childId -> project == null ? Future.succeededFuture(childId)
                  // like a fork: the child's own worktree on its own branch, started at the parent's branch's last commit
                  : projects.openSession(run.userId, false, childId, project.getString("projectId"), project.getString("branch"))
                      .map(p -> childId)
                      .recover(err -> {
                        run.childId = childId;
                        return Future.failedFuture(err);
                      }))));
        })
        .compose(childId -> {
          run.childId = childId;
          return start(run, req);
        })
        .onFailure(err -> {
          String why = err instanceof IllegalArgumentException ? err.getMessage() : "the sub-agent could not start: " + reason(err);
          if (run.childId == null) {
            running.remove(callId, run);
            run.result.tryComplete(ToolResults.error(callId, why));
          } else {
            run.error = why;
            finish(run, SessionEvents.ERROR);
          }
        });
    return run.result.future();
  }

  /** What the child is made of: the template's settings when one is named, else the parent's; model overrides. */
  private Future<JsonObject> childSpec(JsonObject parent, TaskTool.Request req) {
    Future<JsonObject> base = req.template() == null ? Future.succeededFuture(null) : store.template(parent.getString("userId"), req.template());
    return base.compose(t -> {
      if (req.template() != null && t == null) {
        return Future.failedFuture(new IllegalArgumentException("no agent template named '" + req.template()
            + "'; call task without template, or with the name of one of the user's templates"));
      }
      JsonObject from = t == null ? parent : t;
      boolean sameProvider = t == null || t.getString("provider").equals(parent.getString("provider"));
      JsonObject spec = new JsonObject()
          .put("title", req.description())
          .put("provider", from.getString("provider"))
          .put("model", req.model() != null ? req.model() : from.getString("model"))
          // a template of another provider cannot use the parent's key: the child then uses the provider's default
          .put("credentialId", sameProvider ? parent.getString("credentialId") : null)
          .put("templateId", t == null ? null : t.getString("id"))
          .put("systemPrompt", from.getString("systemPrompt", ""))
          .put("tools", from.getJsonArray("tools"))
          .put("params", from.getJsonObject("params", new JsonObject()));
      return Future.succeededFuture(spec);
    });
  }

  /** The template's params value that gives a child its own worktree (when the parent's workspace is a project's). */
  public static final String WORKSPACE_PARAM = "subagentWorkspace";
  public static final String OWN_WORKSPACE = "own";

  /**
   * The project whose worktree the parent's tools use ({projectId, branch, ...}) when the child's template asks
   * for its own worktree; null when it does not ask, or when the parent's workspace is not a project's (the
   * child then shares the parent's workspace, as without the param).
   */
  private Future<JsonObject> ownWorktree(JsonObject lineage, JsonObject spec) {
    if (!OWN_WORKSPACE.equals(spec.getJsonObject("params", new JsonObject()).getValue(WORKSPACE_PARAM))) return Future.succeededFuture(null);
    return projects.sessionProject(lineage.getString("workspaceId")).map(p -> p == null || p.isEmpty() ? null : p);
  }

  private Future<Void> start(ChildRun run, TaskTool.Request req) {
    // followed through this node's inbox (issue 14), like a gateway follows: the child's owner sends its
    // events here once; the child is not live yet, so its activation brings the follow with its backlog
    run.relay = dev.maestro.platform.SessionInbox.of(vertx).follow(run.userId, run.childId, e -> {
      JsonObject envelope = SessionEvents.read(e.bytes());
      if (envelope != null) onChildEvent(run, envelope);
    });
    // followed before the child's turn starts, so none of its events is missed
    return run.relay.ready().compose(v -> {
      publish.accept(SubagentEvents.started(run.childId, run.callId, run.description));
      if (run.cancelled) {
        finish(run, SessionEvents.CANCELLED);
        return Future.succeededFuture();
      }
      return sessions.send(run.userId, run.childId, req.prompt()).map(ack -> {
        run.sent = true;
        // the parent's turn was cancelled while the child's was starting
        if (run.cancelled) cancel(run);
        return null;
      });
    });
  }

  private void onChildEvent(ChildRun run, JsonObject envelope) {
    JsonObject e = envelope.getJsonObject("event", new JsonObject());
    String type = e.getString("type", "");
    switch (type) {
      case SessionEvents.DELTA -> publish.accept(SubagentEvents.delta(run.childId, e.getString("text", "")));
      case SessionEvents.TOOL_CALL -> publish.accept(SubagentEvents.progress(run.childId, "calls " + e.getString("name")));
      case SessionEvents.APPROVAL_REQUIRED -> {
        // whoever is attached to the parent answers it, through the parent
        approvals.put(e.getString("callId"), run);
        JsonObject forwarded = e.copy();
        if (!forwarded.containsKey("childSessionId")) forwarded.put("childSessionId", run.childId);
        publish.accept(forwarded);
      }
      case SessionEvents.ELICITATION_REQUIRED -> {
        elicitations.put(e.getString("elicitationId"), run);
        JsonObject forwarded = e.copy();
        if (!forwarded.containsKey("childSessionId")) forwarded.put("childSessionId", run.childId);
        publish.accept(forwarded);
      }
      case SessionEvents.ELICITATION_RESOLVED -> {
        elicitations.remove(e.getString("elicitationId"), run);
        publish.accept(e.copy().put("childSessionId", run.childId));
      }
      case SessionEvents.TOOL_RESULT -> approvals.remove(e.getString("callId"), run);
      // the code leads, so the model (and whoever reads the tool result) can tell e.g. budget_exceeded apart
      case SessionEvents.TURN_ERROR -> run.error = e.getString("code") == null ? e.getString("message")
          : e.getString("code") + ": " + e.getString("message");
      case SessionEvents.TURN_COMPLETED -> finish(run, e.getString("status", SessionEvents.COMPLETE));
      default -> {
        // a grandchild's progress shows in the child's own view; the parent sees the child's text
        if (type.startsWith("subagent_") && !SubagentEvents.DELTA.equals(type)) publish.accept(e.copy());
      }
    }
  }

  private void finish(ChildRun run, String status) {
    if (run.finished) return;
    run.finished = true;
    running.remove(run.callId, run);
    approvals.values().removeIf(r -> r == run);
    elicitations.values().removeIf(r -> r == run);
    if (run.relay != null) run.relay.close();
    publish.accept(SubagentEvents.finished(run.childId, run.callId, status));
    if (!SessionEvents.COMPLETE.equals(status)) {
      String why = run.error != null ? run.error : "the sub-agent's turn ended " + status + " before it answered";
      run.result.tryComplete(ToolResults.error(run.callId, "Sub-agent " + run.childId + " did not finish: " + why));
      return;
    }
    store.finalAnswer(run.childId)
        .onSuccess(answer -> run.result.tryComplete(new JsonObject().put("callId", run.callId).put("isError", false)
            .put("content", ToolResults.textContent(answer.isBlank() ? "(the sub-agent finished without a text answer)" : answer))))
        .onFailure(err -> run.result.tryComplete(ToolResults.error(run.callId,
            "the sub-agent finished but its answer could not be read: " + err.getMessage())));
  }

  // ------------------------------------------------------------------ cancel and approvals

  /** The parent's turn ends early: every running child's turn is cancelled (their upstream streams close). */
  public void cancelAll() {
    for (ChildRun run : new ArrayList<>(running.values())) {
      run.cancelled = true;
      if (run.sent) cancel(run);
    }
  }

  private void cancel(ChildRun run) {
    sessions.cancel(run.userId, run.childId).onComplete(ar -> {
      if (ar.failed()) LOG.warn("session {}: cannot cancel sub-agent {}: {}", sessionId, run.childId, ar.cause().getMessage());
      // its turn_completed normally came first; this ends the run even if the relay missed it
      finish(run, SessionEvents.CANCELLED);
    });
  }

  /** Answers an approval a child waits for, through the child; null when no child waits for callId. */
  public Future<JsonObject> approve(String callId, String decision) {
    ChildRun run = approvals.remove(callId);
    if (run == null) return null;
    return sessions.approve(run.userId, run.childId, callId, decision).map(v -> new JsonObject());
  }

  /** Answers an elicitation a child's tool waits for, through the child; null when no child waits for it. */
  public Future<JsonObject> answerElicitation(String elicitationId, String action, JsonObject content) {
    ChildRun run = elicitations.get(elicitationId);
    if (run == null) return null;
    return sessions.answerElicitation(run.userId, run.childId, elicitationId, action, content).map(v -> new JsonObject());
  }

  /** What the model may read about a failure: a service's own message, never an internal one (that goes to the log). */
  private String reason(Throwable err) {
    if (err instanceof io.vertx.serviceproxy.ServiceException) return err.getMessage();
    LOG.warn("session {}: a sub-agent could not start", sessionId, err);
    return "an internal error (see the session-service log)";
  }

  private static Future<JsonObject> error(String callId, String text) {
    return Future.succeededFuture(ToolResults.error(callId, text));
  }
}
