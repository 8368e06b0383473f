package dev.maestro.session;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What decides, beside a tool's policy, whether one live session's tool call runs (issue 16): the
 * session's plan/build mode (from the live row, which an edit on any node updates, so a switch applies at the next
 * round), the tools its user allowed "for this session", and the expiry of unanswered approvals (to
 * deny, after {@link RuntimeSettings#approvalTimeoutMs}). While an approval is open the session's
 * running turn is marked waiting, for the "running now" list. Lives on the session's context.
 */
final class RunRules {
  private static final Logger LOG = LoggerFactory.getLogger(RunRules.class);
  /** The decision an approval gets when nobody answered in time (anything but allow is a denial). */
  static final String EXPIRED = "expired";

  /** No plan mode, no allowances, approvals never expire: for a ToolGate used without a session runtime. */
  static final RunRules NONE = new RunRules(null, null, null, null, null);

  private final String sessionId;
  private final RuntimeStore store;
  private final RuntimeSettings settings;
  private final Vertx vertx;
  private final java.util.function.Consumer<JsonObject> publish;
  private String mode = SessionModes.BUILD;
  private final Set<String> allowed = new HashSet<>();
  /** Open approvals: callId → tool name and its decision. */
  private final Map<String, Open> open = new LinkedHashMap<>();

  private static final class Open {
    final String tool;
    final Promise<String> decision;
    final long deadline;
    long timer = -1;

    Open(String tool, Promise<String> decision, long deadline) {
      this.tool = tool;
      this.decision = decision;
      this.deadline = deadline;
    }

    void disarm(Vertx vertx) {
      if (timer >= 0) vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  RunRules(String sessionId, RuntimeStore store, RuntimeSettings settings, Vertx vertx, java.util.function.Consumer<JsonObject> publish) {
    this.sessionId = sessionId;
    this.store = store;
    this.settings = settings;
    this.vertx = vertx;
    this.publish = publish;
  }

  /** Loads the tools allowed for this session (at activation). */
  Future<Void> load() {
    if (store == null) return Future.succeededFuture();
    return store.allowedTools(sessionId).map(set -> {
      allowed.addAll(set);
      return null;
    });
  }

  /**
   * The session's mode from its live row (issue 14: no re-read per round; a PATCH on any node is pushed
   * to the live session, so it applies at the next round), or the mode set here when there is none.
   */
  private java.util.function.Supplier<String> liveMode;

  RunRules liveMode(java.util.function.Supplier<String> liveMode) {
    this.liveMode = liveMode;
    return this;
  }

  String mode() {
    String m = liveMode == null ? null : liveMode.get();
    return m == null ? mode : m;
  }

  /** The tool error for a call this mode refuses, or null when it may run (policy permitting). */
  String refusal(JsonObject tool) {
    if (SessionModes.PLAN.equals(mode()) && !SessionModes.readOnly(tool)) return SessionModes.planModeRefusal(tool.getString("name"));
    return null;
  }

  boolean allowedForSession(String tool) {
    return allowed.contains(tool);
  }

  /** A call waits for its user's approval: expires to deny unless answered; the turn is marked waiting meanwhile. */
  void awaiting(String callId, String tool, Promise<String> decision) {
    awaiting(callId, tool, decision, System.currentTimeMillis());
  }

  /**
   * The same for an approval asked at sinceMs (a turn handed over by a drain keeps its approvals' age:
   * the expiry counts from when the user was first asked, on whichever node).
   */
  void awaiting(String callId, String tool, Promise<String> decision, long sinceMs) {
    if (store == null) return;
    boolean first = open.isEmpty();
    Open o = new Open(tool, decision, sinceMs + settings.approvalTimeoutMs());
    open.put(callId, o);
    arm(callId, o);
    if (first) mark(true);
    decision.future().onComplete(ar -> {
      Open gone = open.remove(callId);
      if (gone != null) gone.disarm(vertx);
      if (open.isEmpty()) mark(false);
    });
  }

  private void arm(String callId, Open o) {
    o.timer = vertx.setTimer(Math.max(1, o.deadline - System.currentTimeMillis()), t -> {
      if (o.decision.tryComplete(EXPIRED)) {
        LOG.info("session {}: approval of {} ({}) expired after {} ms: denied", sessionId, callId, o.tool, settings.approvalTimeoutMs());
        publish.accept(new JsonObject().put("type", "approval_expired").put("callId", callId).put("name", o.tool));
      }
    });
  }

  /** A drain is storing the waiting turn: the approvals do not expire meanwhile (see {@link #resume}, {@link #forget}). */
  void suspend() {
    open.values().forEach(o -> o.disarm(vertx));
  }

  /** The turn was not handed over after all: its approvals expire again, at their original deadline. */
  void resume() {
    open.forEach((callId, o) -> {
      if (o.timer < 0) arm(callId, o);
    });
  }

  /**
   * The turn went to another owner, which asks again: these approvals are forgotten here without
   * unmarking the turn as waiting (it still waits, on the next owner).
   */
  void forget() {
    suspend();
    open.clear();
  }

  /**
   * "Allow for this session": the call's tool is remembered as allowed (stored), and every open
   * approval of that tool is allowed now. NOT_FOUND when callId is not waiting.
   */
  Future<JsonObject> allowForSession(String callId) {
    Open o = open.get(callId);
    if (o == null || store == null) return Fail.notFound("pending approval " + callId);
    allowed.add(o.tool);
    return store.allowTool(sessionId, o.tool).map(v -> {
      List<Open> same = new ArrayList<>();
      open.values().forEach(x -> {
        if (x.tool.equals(o.tool)) same.add(x);
      });
      same.forEach(x -> x.decision.tryComplete("allow"));
      return new JsonObject().put("allowedForSession", o.tool);
    });
  }

  private void mark(boolean waiting) {
    store.setWaiting(sessionId, waiting)
        .onFailure(e -> LOG.warn("session {}: cannot mark the turn {}waiting: {}", sessionId, waiting ? "" : "not ", e.getMessage()));
  }
}
