package dev.maestro.session;

import dev.maestro.contracts.tool.ToolResults;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.session.subagent.Subagents;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The tool calls of one turn: each call's policy (allow runs it, ask waits for the user's approval,
 * deny answers an error), the questions a running call asks its user (MCP elicitation), and what is
 * left when the turn ends early. Every call passes the session id to tool-service, which scopes call
 * ids by session. Lives on the session's context.
 */
final class ToolGate {
  private static final Logger LOG = LoggerFactory.getLogger(ToolGate.class);

  private final String sessionId;
  private final ToolService tools;
  private final Vertx vertx;
  private final SessionSettings settings;
  private final Consumer<JsonObject> publish;
  /** Recently resolved elicitations of the session (id → action), shared by its turns: a late answer gets CONFLICT. */
  private final Map<String, String> resolved;

  private List<JsonObject> offered = List.of();
  private Subagents subagents;
  private boolean closed;
  private final Map<String, Promise<String>> approvals = new LinkedHashMap<>();
  private final Map<String, Elicitation> elicitations = new LinkedHashMap<>();
  private final Map<String, JsonObject> pending = new LinkedHashMap<>();
  private final Map<String, JsonObject> results = new LinkedHashMap<>();
  /** The calls of the round being run, in order, and when each open approval was asked (ms): a drain parks them. */
  private List<JsonObject> calls = List.of();
  private final Map<String, Long> askedAt = new LinkedHashMap<>();
  /** Plan mode, tools allowed for the session, approval expiry (issue 16). */
  private RunRules rules = RunRules.NONE;

  /** A question of a running tool call to the user; answered once, by the user, the timeout or the turn's end. */
  private static final class Elicitation {
    final String id;
    final JsonObject schema;
    final Promise<JsonObject> answer = Promise.promise();
    long timer = -1;

    Elicitation(String id, JsonObject schema) {
      this.id = id;
      this.schema = schema;
    }
  }

  ToolGate(String sessionId, ToolService tools, Vertx vertx, SessionSettings settings, Consumer<JsonObject> publish,
           Map<String, String> resolved) {
    this.sessionId = sessionId;
    this.tools = tools;
    this.vertx = vertx;
    this.settings = settings;
    this.publish = publish;
    this.resolved = resolved;
  }

  /** A bounded map for {@code resolved}: the session's recently resolved elicitations. */
  static Map<String, String> resolvedLedger() {
    return new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
        return size() > 256;
      }
    };
  }

  /** Runs {@code task} calls and says where the session's tools work (a child: its parent's workspace). */
  ToolGate subagents(Subagents subagents) {
    this.subagents = subagents;
    return this;
  }

  void rules(RunRules rules) {
    this.rules = rules;
  }

  private String auditUserId;
  /** Records a call's start under the owner epoch before it runs; fails (STALE_OWNER) for a stale copy (issue 17). */
  private java.util.function.Function<String, Future<Void>> recordRun = callId -> Future.succeededFuture();

  void recordRuns(java.util.function.Function<String, Future<Void>> record) {
    this.recordRun = record;
  }

  /** Whose tool calls these are, for the audit entries of their execution. */
  void auditAs(String userId) {
    this.auditUserId = userId;
  }

  private Future<JsonObject> audited(JsonObject call, Future<JsonObject> result) {
    return result.andThen(ar -> SessionAudit.toolCall(vertx, auditUserId, sessionId, call.getString("callId"), call.getString("name"),
        ar.failed() || ar.result().getBoolean("isError", false) ? dev.maestro.contracts.audit.AuditEvents.FAILURE
            : dev.maestro.contracts.audit.AuditEvents.SUCCESS));
  }

  void offer(List<JsonObject> tools) {
    offered = tools;
  }

  List<JsonObject> offered() {
    return offered;
  }

  /**
   * Runs every call of one model response at once (each waits for approval first when its policy says
   * ask) → their tool_result parts in call order, or null when the turn ended meanwhile.
   */
  Future<JsonArray> run(List<JsonObject> calls) {
    return runAll(calls, this::runOne);
  }

  /**
   * A round parked by a draining owner ({@link #parkState}), continued here: the calls that had finished
   * keep their results (they ran once, on the previous owner), the others wait for their approvals again,
   * under the same call ids, announced anew as approval_required with {@code "restored": true} (clients
   * that saw them already show them once; a client that joins now sees them). The expiry counts from when
   * the user was first asked. → as {@link #run}.
   */
  Future<JsonArray> resume(List<JsonObject> calls, JsonObject finished, Map<String, Long> waitingSince) {
    finished.forEach(e -> results.put(e.getKey(), (JsonObject) e.getValue()));
    return runAll(calls, call -> {
      Long since = waitingSince.get(call.getString("callId"));
      return decided(call, awaitApproval(call, since == null ? System.currentTimeMillis() : since, true));
    });
  }

  private Future<JsonArray> runAll(List<JsonObject> calls, java.util.function.Function<JsonObject, Future<JsonObject>> one) {
    this.calls = calls;
    List<Future<JsonObject>> all = new ArrayList<>();
    for (JsonObject call : calls) {
      String callId = call.getString("callId");
      if (results.containsKey(callId)) continue;
      pending.put(callId, call);
      all.add(one.apply(call).map(result -> {
        pending.remove(callId);
        if (!closed) {
          results.put(callId, result);
          publish.accept(SessionEvents.toolResult(callId, result.getJsonArray("content"), result.getBoolean("isError", false)));
        }
        return result;
      }));
    }
    return Future.join(all).transform(ar -> {
      if (closed) return Future.succeededFuture(null);
      JsonArray parts = new JsonArray();
      for (JsonObject call : calls) {
        JsonObject r = results.get(call.getString("callId"));
        parts.add(Messages.toolResultPart(call.getString("callId"), r.getJsonArray("content"), r.getBoolean("isError", false)));
      }
      results.clear();
      return Future.succeededFuture(parts);
    });
  }

  private Future<JsonObject> runOne(JsonObject call) {
    String callId = call.getString("callId");
    String name = call.getString("name");
    JsonObject tool = offered.stream().filter(x -> name.equals(x.getString("name"))).findFirst().orElse(null);
    if (tool == null) {
      List<String> available = offered.stream().filter(x -> x.getBoolean("enabled", true)).map(x -> x.getString("name")).toList();
      return Future.succeededFuture(errorResult(callId, ToolResults.unknownTool(name, available)));
    }
    if (!tool.getBoolean("enabled", true)) return Future.succeededFuture(errorResult(callId, ToolResults.disabled(name)));
    String refused = rules.refusal(tool);
    if (refused != null) return Future.succeededFuture(errorResult(callId, refused));
    String policy = tool.getString("policy", "ask");
    if ("deny".equals(policy)) {
      SessionAudit.toolCall(vertx, auditUserId, sessionId, callId, name, dev.maestro.contracts.audit.AuditEvents.DENIED);
      return Future.succeededFuture(errorResult(callId, ToolResults.deniedByPolicy(name)));
    }
    Future<String> decision = "allow".equals(policy) || rules.allowedForSession(name) ? Future.succeededFuture("allow")
        : awaitApproval(call, System.currentTimeMillis(), false);
    return decided(call, decision);
  }

  /** Publishes approval_required and waits for the user's decision (or the expiry's). */
  private Future<String> awaitApproval(JsonObject call, long sinceMs, boolean restored) {
    String callId = call.getString("callId");
    String name = call.getString("name");
    Promise<String> p = Promise.promise();
    approvals.put(callId, p);
    askedAt.put(callId, sinceMs);
    rules.awaiting(callId, name, p, sinceMs);
    JsonObject required = SessionEvents.approvalRequired(callId, name, call.getJsonObject("arguments", new JsonObject()));
    publish.accept(restored ? required.put("restored", true) : required);
    return p.future().andThen(ar -> {
      approvals.remove(callId);
      askedAt.remove(callId);
    });
  }

  /** The call runs once its decision is allow (and its start is recorded under a current owner epoch). */
  private Future<JsonObject> decided(JsonObject call, Future<String> decision) {
    String callId = call.getString("callId");
    String name = call.getString("name");
    return decision.compose(d -> {
      if (closed) return Future.succeededFuture(errorResult(callId, ToolResults.TURN_CANCELLED));
      if (!"allow".equals(d)) {
        SessionAudit.toolCall(vertx, auditUserId, sessionId, callId, name, dev.maestro.contracts.audit.AuditEvents.DENIED);
        return Future.succeededFuture(errorResult(callId, ToolResults.USER_DENIED));
      }
      // nothing runs (here or in tool-service) unless the start is recorded under a current owner epoch
      return recordRun.apply(callId).compose(v -> execute(call, callId, name),
          err -> Future.succeededFuture(errorResult(callId, ToolResults.couldNotRun(OwnerFence.isStale(err)
              ? "the session moved to another node before the tool could start" : "its start could not be recorded"))));
    });
  }

  /**
   * For a drain (issue 17): when the only thing this round still waits for is the user's decision on
   * approvals — no call decided and running, no question of a running call open (an MCP elicitation or
   * input request belongs to a call running in tool-service for this node, which cannot move) — its
   * waiting state: {calls, results (of the calls that finished), waiting [{callId, since}]}. Else null.
   */
  JsonObject parkState() {
    if (closed || pending.isEmpty() || !elicitations.isEmpty()) return null;
    JsonArray waiting = new JsonArray();
    for (String callId : pending.keySet()) {
      Promise<String> p = approvals.get(callId);
      if (p == null || p.future().isComplete()) return null;
      waiting.add(new JsonObject().put("callId", callId).put("since", askedAt.get(callId)));
    }
    JsonObject finished = new JsonObject();
    results.forEach(finished::put);
    return new JsonObject().put("calls", new JsonArray(new ArrayList<>(calls))).put("results", finished).put("waiting", waiting);
  }

  /** The round went to the next owner ({@link #parkState}): nothing of it happens here any more, nothing is denied. */
  void parked() {
    closed = true;
    approvals.clear();
    askedAt.clear();
  }

  private Future<JsonObject> execute(JsonObject call, String callId, String name) {
    if (subagents != null && Subagents.isTask(name)) return subagents.run(call);
    JsonObject exec = new JsonObject().put("callId", callId).put("sessionId", sessionId).put("name", name)
        .put("arguments", call.getJsonObject("arguments", new JsonObject()))
        .put("timeoutSeconds", settings.toolTimeoutSeconds())
        // tool-service kills the call if this node dies mid-call (DeadRequesterWatch)
        .put(dev.maestro.platform.DeadRequesterWatch.FIELD, dev.maestro.platform.DeadRequesterWatch.localNode(vertx));
    Future<String> workspace = subagents == null ? Future.succeededFuture(sessionId) : subagents.workspaceId();
    return audited(call, workspace.compose(ws -> tools.execute(exec.put("workspaceId", ws))).recover(err -> Future.succeededFuture(
        errorResult(callId, ToolResults.couldNotRun(err.getMessage())))));
  }

  static JsonObject errorResult(String callId, String text) {
    return ToolResults.error(callId, text);
  }

  Future<JsonObject> approve(String callId, String decision) {
    Promise<String> p = approvals.get(callId);
    if (p == null) return Fail.notFound("pending approval " + callId);
    p.tryComplete(decision);
    return Future.succeededFuture(new JsonObject());
  }

  /**
   * A running call of this turn asks its user something: published as elicitation_required, answered
   * when the user does. A call that is not (or no longer) running here gets cancel at once.
   */
  Future<JsonObject> elicit(JsonObject request) {
    String callId = request.getString("callId");
    if (closed || !pending.containsKey(callId)) return cancelAnswer();
    Elicitation e = new Elicitation(UUID.randomUUID().toString(), request.getJsonObject("schema"));
    elicitations.put(e.id, e);
    e.timer = vertx.setTimer(settings.elicitationTimeoutMs(), x -> {
      LOG.info("session {}: elicitation {} got no answer within {} ms; cancelled", sessionId, e.id, settings.elicitationTimeoutMs());
      resolve(e, ElicitationForm.CANCEL, null);
    });
    publish.accept(SessionEvents.elicitationRequired(callId, e.id, request.getString("server"), request.getString("message", ""),
        e.schema));
    return e.answer.future();
  }

  static Future<JsonObject> cancelAnswer() {
    return Future.succeededFuture(new JsonObject().put("action", ElicitationForm.CANCEL));
  }

  Future<JsonObject> answer(String elicitationId, String action, JsonObject content) {
    Elicitation e = elicitations.get(elicitationId);
    if (e == null) return unknownElicitation(resolved, elicitationId);
    JsonObject filled = null;
    if (ElicitationForm.ACCEPT.equals(action)) {
      filled = ElicitationForm.applyDefaults(e.schema, content);
      JsonArray errors = ElicitationForm.validate(e.schema, filled);
      if (!errors.isEmpty()) {
        return Future.failedFuture(new ServiceException(ErrorCodes.BAD_REQUEST,
            "content does not match the requested schema: " + ElicitationForm.describe(errors), new JsonObject().put("errors", errors)));
      }
    }
    resolve(e, action, filled);
    return Future.succeededFuture(new JsonObject());
  }

  /** An answer to an elicitation that is not open: CONFLICT when it was resolved lately, else NOT_FOUND. */
  static Future<JsonObject> unknownElicitation(Map<String, String> resolved, String elicitationId) {
    String earlier = resolved.get(elicitationId);
    if (earlier != null) return Fail.conflict("elicitation " + elicitationId + " was already resolved (" + earlier + ")");
    return Fail.notFound("pending elicitation " + elicitationId);
  }

  private void resolve(Elicitation e, String action, JsonObject content) {
    JsonObject answer = new JsonObject().put("action", action);
    if (content != null) answer.put("content", content);
    if (!e.answer.tryComplete(answer)) return;
    if (e.timer >= 0) vertx.cancelTimer(e.timer);
    elicitations.remove(e.id);
    resolved.put(e.id, action);
    publish.accept(SessionEvents.elicitationResolved(e.id, action));
  }

  /** Asks tool-service to stop every call still running (the turn is being cancelled or interrupted). */
  void cancelRunning() {
    // (a copy: a call may end, and leave the map, while its cancel is being sent)
    new ArrayList<>(pending.keySet()).forEach(callId -> tools.cancelCall(sessionId, callId));
  }

  /**
   * The turn ended (status): no result is taken any more. → the tool_result parts to store (results of
   * calls that finished, the others recorded as not run), or null when there are none. Open approvals
   * are denied and open elicitations cancelled (each publishing elicitation_resolved).
   */
  JsonArray close(String status) {
    closed = true;
    JsonArray parts = null;
    if (!pending.isEmpty() || !results.isEmpty()) {
      parts = new JsonArray();
      JsonArray p = parts;
      results.forEach((id, r) -> p.add(Messages.toolResultPart(id, r.getJsonArray("content"), r.getBoolean("isError", false))));
      pending.keySet().forEach(id -> p.add(Messages.toolResultPart(id,
          ToolResults.textContent(ToolResults.endedBefore(status)), true)));
    }
    new ArrayList<>(approvals.values()).forEach(p -> p.tryComplete("deny"));
    new ArrayList<>(elicitations.values()).forEach(e -> resolve(e, ElicitationForm.CANCEL, null));
    return parts;
  }

  boolean closed() {
    return closed;
  }
}
