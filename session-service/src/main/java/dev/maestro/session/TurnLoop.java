package dev.maestro.session;

import dev.maestro.contracts.provider.ChatRequest;
import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.session.subagent.SubagentStore;
import dev.maestro.session.subagent.Subagents;
import dev.maestro.contracts.tool.ToolService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The turns of one live session, one at a time: the user message, then rounds of model response →
 * tool calls → tool results until the model stops, a limit is reached, the turn fails or is
 * cancelled. {@code turn_completed} is always the turn's last event. Lives on the session's context.
 */
final class TurnLoop {
  private static final Logger LOG = LoggerFactory.getLogger(TurnLoop.class);

  private final LiveState live;
  private final SessionStore store;
  private final ProviderStreams streams;
  private final ToolService tools;
  private final Compactor compactor;
  private final CredentialCheck credentials;
  private final ModelTable models;
  private final SessionSettings settings;
  private final Vertx vertx;
  private final Runnable touched;
  private final SessionMetrics metrics;
  private final Map<String, String> resolvedElicitations = ToolGate.resolvedLedger();
  /** Budgets and fallback models around each provider request. */
  private final RequestGuard guard;
  private final ProjectRules projectRules;
  private Turn turn;
  private final Subagents subagents;
  /** Issue 16: plan mode and approvals, steered messages before each round, the queue after each turn. */
  private RunRules rules = RunRules.NONE;
  private java.util.function.Function<String, Future<Void>> beforeRound = turnId -> Future.succeededFuture();
  private Runnable afterTurn = () -> {};

  /** One turn in flight: what cancel has to stop and what late events must be checked against. */
  private final class Turn {
    final String id;
    final ToolGate gate;
    int round;
    boolean finished;
    ProviderStream stream;
    StreamedMessage assistant;
    final long startedNanos = System.nanoTime();
    boolean tokenSeen;

    Turn(String id) {
      this.id = id;
      this.gate = new ToolGate(live.sessionId, tools, vertx, settings, live::publish, resolvedElicitations);
      gate.subagents(subagents);
      gate.rules(rules);
      gate.auditAs(live.session == null ? null : live.session.getString("userId"));
      // a tool runs only after its start is recorded under this copy's owner epoch (issue 17)
      gate.recordRuns(callId -> store.recordToolRun(live.sessionId, id, callId, live.fence));
    }
  }

  TurnLoop(LiveState live, SessionStore store, ProviderStreams streams, ToolService tools, Compactor compactor,
           CredentialCheck credentials, ModelTable models, SessionSettings settings, Vertx vertx, Runnable touched) {
    this.live = live;
    this.store = store;
    this.streams = streams;
    this.tools = tools;
    this.compactor = compactor;
    this.credentials = credentials;
    this.models = models;
    this.settings = settings;
    this.vertx = vertx;
    this.touched = touched;
    this.subagents = new Subagents(live.sessionId, () -> live.session, live::publish, new SubagentStore(store.pool()),
        SessionService.createProxy(vertx), settings.subagents(), dev.maestro.contracts.project.ProjectService.createProxy(vertx), vertx);
    this.guard = new RequestGuard(live.sessionId, streams, new BudgetLedger(store.pool(), java.time.Clock.systemUTC()), models,
        credentials, live::publish);
    this.metrics = SessionMetrics.of(vertx);
    this.projectRules = new ProjectRules(dev.maestro.contracts.project.ProjectService.createProxy(vertx), live);
  }

  /** The id of the turn in flight, or null. */
  String turnId() {
    return turn == null ? null : turn.id;
  }

  /** Issue 16 (RuntimeParts): what runs before each model round and after each turn. */
  void runtime(RunRules rules, java.util.function.Function<String, Future<Void>> beforeRound, Runnable afterTurn) {
    this.rules = rules;
    this.beforeRound = beforeRound;
    this.afterTurn = afterTurn;
  }

  /** Refuses (CONFLICT) while a turn runs: one turn at a time, nothing queued behind the user's back. */
  Future<JsonObject> send(String text) {
    return send(text, null, null, null);
  }

  /** The same with the user message's id given (a queued message keeps its id when it starts). */
  Future<JsonObject> send(String text, String messageId) {
    return send(text, messageId, null, null);
  }

  /** As {@link #send(String)}, with MCP resources attached ([{serverId, uri}], read before anything is stored). */
  Future<JsonObject> send(String text, JsonArray attachments) {
    return send(text, null, attachments, null);
  }

  /** As {@link #send(String)}, recording idempotencyKey (null: none) with the message ({@link SendKeys}). */
  Future<JsonObject> sendKeyed(String text, String idempotencyKey) {
    return send(text, null, null, idempotencyKey);
  }

  private Future<JsonObject> send(String text, String messageId, JsonArray attachments, String idempotencyKey) {
    if (turn != null) {
      return Fail.conflict("a turn is already running in this session (turn " + turn.id
          + "); wait for turn_completed or cancel it first");
    }
    if (compactor.running()) return Fail.conflict("the session is being compacted; send again when it is done");
    String turnId = UUID.randomUUID().toString();
    Turn t = new Turn(turnId);
    turn = t;
    return Attachments.read(tools, live.sessionId, attachments).recover(err -> {
      turn = null;
      return Future.failedFuture(err);
    }).compose(parts -> {
      JsonArray content = Messages.textContent(text);
      parts.forEach(content::add);
      return store(t, turnId, content, messageId, idempotencyKey);
    });
  }

  private Future<JsonObject> store(Turn t, String turnId, JsonArray content, String messageId, String idempotencyKey) {
    JsonObject user = live.history.newMessage(Messages.USER, turnId, content, SessionEvents.COMPLETE);
    if (messageId != null) user.put("id", messageId);
    return store.insertUserMessageAndTurn(live.sessionId, live.session.getString("userId"), user, turnId, live.ownerId,
            settings.maxTurnsPerUser(), live.ownerAlive, idempotencyKey, live.fence)
        .recover(err -> {
          turn = null;
          live.history.unreserve();
          return Future.failedFuture(err);
        })
        .map(v -> {
          live.history.add(user);
          live.events.turnStarted();
          live.publish(SessionEvents.turnStarted(turnId));
          metrics.turnStarted();
          // the reply goes out first; the turn continues on this context's event loop, in the send's trace
          dev.maestro.platform.Observability.continuingTrace(vertx).runOnContext(x -> start(t));
          return new JsonObject().put("messageId", user.getString("id")).put("turnId", turnId);
        });
  }

  /** A user's compaction request: refused while a turn runs. */
  Future<JsonObject> compact() {
    if (turn != null) return Fail.conflict("a turn is running; compact after it completes or cancel it");
    return compactor.onRequest();
  }

  Future<JsonObject> approve(String callId, String decision) {
    Future<JsonObject> child = subagents.approve(callId, decision);
    if (child != null) return child;
    if (turn == null) return Fail.notFound("pending approval " + callId);
    return turn.gate.approve(callId, decision);
  }

  Future<JsonObject> elicit(JsonObject request) {
    Turn t = turn;
    if (t == null || t.finished) return ToolGate.cancelAnswer();
    return t.gate.elicit(request);
  }

  Future<JsonObject> answerElicitation(String elicitationId, String action, JsonObject content) {
    Future<JsonObject> child = subagents.answerElicitation(elicitationId, action, content);
    if (child != null) return child;
    Turn t = turn;
    if (t == null) return ToolGate.unknownElicitation(resolvedElicitations, elicitationId);
    return t.gate.answer(elicitationId, action, content);
  }

  /** Stops the stream and running tools, stores what was produced as cancelled, ends the turn at once. */
  Future<Void> cancel() {
    return stop(SessionEvents.CANCELLED);
  }

  /** The owner lets go mid-turn: the turn is stored as interrupted, not left running. */
  Future<Void> interrupt() {
    return stop(SessionEvents.INTERRUPTED);
  }

  private Future<Void> stop(String status) {
    Turn t = turn;
    if (t == null || t.finished) return Future.succeededFuture();
    // finish ends the stream here after marking the turn finished, so its failure is not a turn error
    if (t.stream != null) streams.stopUpstream(t.stream);
    t.gate.cancelRunning();
    subagents.cancelAll();
    return finish(t, status, null);
  }

  /** Called periodically: a provider stream silent for too long is cancelled (the turn fails with timeout). */
  void checkStream() {
    Turn t = turn;
    if (t != null && !t.finished && t.stream != null) streams.cancelIfSilent(t.stream, settings.streamIdleTimeoutMs());
  }

  // ------------------------------------------------------------------ the loop

  private void start(Turn t) {
    store.session(null, live.sessionId)
        .onSuccess(s -> live.session = s)
        .compose(s -> projectRules.beforeTurn(t.id).map(s))
        .compose(s -> credentials.checkForTurn(s))
        .compose(v -> offeredTools(live.session))
        .map(subagents::withTaskTool)
        .compose(this::withInstructions)
        .onSuccess(t.gate::offer)
        .compose(v -> round(t))
        .onFailure(err -> fail(t, err));
  }

  private Future<List<JsonObject>> offeredTools(JsonObject s) {
    JsonArray names = s.getJsonArray("tools");
    if (names != null && names.isEmpty()) return Future.succeededFuture(List.of());
    List<String> list = new ArrayList<>();
    if (names != null) names.forEach(n -> list.add(String.valueOf(n)));
    return tools.toolsForSession(live.sessionId, list).recover(err -> {
      // the conversation goes on without tools rather than failing while tool-service is away
      LOG.warn("session {}: tool-service unavailable, turn runs without tools: {}", live.sessionId, err.getMessage());
      return Future.succeededFuture(List.of());
    });
  }

  /** The offered MCP servers' instructions go into this turn's system prompt (tool-service away: none). */
  private Future<List<JsonObject>> withInstructions(List<JsonObject> offered) {
    List<String> mcpTools = offered.stream().filter(x -> x.getString("source", "").startsWith("mcp:"))
        .map(x -> x.getString("name")).toList();
    if (mcpTools.isEmpty()) return Future.succeededFuture(offered);
    return tools.mcpInstructions(mcpTools).otherwise(List.of()).map(list -> {
      live.session.put(ChatRequests.MCP_INSTRUCTIONS, new JsonArray(new ArrayList<>(list)));
      return offered;
    });
  }

  private Future<Void> round(Turn t) {
    if (t.finished) return Future.succeededFuture();
    t.round++;
    return beforeRound.apply(t.id).compose(v -> t.finished ? Future.succeededFuture()
        : compactor.fit(t.gate.offered())
            .compose(request -> guard.reserve(live.session, live.history.messages(), request).compose(held -> stream(t, request, held))));
  }

  private Future<Void> stream(Turn t, ChatRequest request, BudgetLedger.Reservation held) {
    if (t.finished) {
      guard.release(held);
      return Future.succeededFuture();
    }
    JsonObject assistant = live.history.newMessage(Messages.ASSISTANT, t.id, new JsonArray(), SessionEvents.STREAMING);
    t.assistant = new StreamedMessage(assistant, event -> {
      if (!t.tokenSeen) {
        t.tokenSeen = true;
        metrics.firstToken(t.startedNanos);
      }
      live.publish(event);
    });
    return store.insertMessage(live.sessionId, assistant, live.fence).compose(v -> {
      live.history.add(assistant);
      if (t.finished) {
        // cancelled while the row was being written: it must not stay 'streaming'
        if (SessionEvents.STREAMING.equals(assistant.getString("status"))) assistant.put("status", SessionEvents.CANCELLED);
        guard.release(held);
        return store.updateMessage(assistant, live.fence);
      }
      live.publish(SessionEvents.messageStarted(assistant.getString("id"), Messages.ASSISTANT));
      StreamedMessage message = t.assistant;
      // every stream opened (the model, then each fallback) is one use of a credential, for the audit trail;
      // the partial text is checkpointed while it streams (a node killed mid-turn loses at most a second of it)
      return guard.send(live.session, request, held, message::accept, s -> {
            t.stream = s;
            SessionAudit.credentialUsed(vertx, live, t.id, request, s.end());
            StreamCheckpoints.during(vertx, store.pool(), message, s.end(), live.fence);
          }, () -> t.finished)
          .compose(answered -> roundDone(t, answered));
    }, err -> {
      guard.release(held);
      return Future.failedFuture(err);
    });
  }

  private Future<Void> roundDone(Turn t, JsonObject answered) {
    if (t.finished) return Future.succeededFuture();
    StreamedMessage message = t.assistant;
    JsonObject assistant = message.message;
    message.close();
    JsonObject usage = answered;
    assistant.put("status", SessionEvents.COMPLETE).put("usage", usage);
    t.stream = null;
    return store.updateMessage(assistant, live.fence).compose(v -> store.addUsage(live.sessionId, usage, live.fence)).compose(v -> {
      if (t.finished) return Future.succeededFuture();
      live.publish(SessionEvents.messageCompleted(assistant.getString("id"), usage));
      List<JsonObject> calls = message.toolCalls();
      if (calls.isEmpty()) return finish(t, SessionEvents.COMPLETE, null);
      if (t.round >= maxToolRounds()) {
        return finish(t, SessionEvents.ERROR, new ProviderFailure("max_tool_rounds",
            "stopped after " + maxToolRounds() + " tool rounds; send a message to continue"));
      }
      return runTools(t, calls).compose(v2 -> round(t));
    });
  }

  private int maxToolRounds() {
    return live.session.getJsonObject("params", new JsonObject()).getInteger("maxToolRounds", settings.maxToolRounds());
  }

  private Future<Void> runTools(Turn t, List<JsonObject> calls) {
    return t.gate.run(calls).compose(parts -> {
      if (parts == null || t.finished) return Future.succeededFuture();
      JsonObject toolMessage = live.history.newMessage(Messages.TOOL, t.id, parts, SessionEvents.COMPLETE);
      return store.insertMessage(live.sessionId, toolMessage, live.fence).map(v -> {
        live.history.add(toolMessage);
        return null;
      });
    });
  }

  // ------------------------------------------------------------------ ending a turn

  private void fail(Turn t, Throwable err) {
    if (t.finished) return;
    ProviderFailure pf = ProviderFailure.of(err);
    LOG.info("session {}: turn {} failed: {} {}", live.sessionId, t.id, pf.code, pf.getMessage());
    finish(t, SessionEvents.ERROR, pf);
  }

  private Future<Void> finish(Turn t, String status, ProviderFailure error) {
    if (t.finished) return Future.succeededFuture();
    t.finished = true;
    List<Future<?>> writes = new ArrayList<>();
    JsonObject assistant = t.assistant == null ? null : t.assistant.message;
    if (assistant != null && SessionEvents.STREAMING.equals(assistant.getString("status"))) {
      t.assistant.flush();
      JsonObject usage = ChatRequests.priced(live.session, models, t.stream == null ? new JsonObject() : t.stream.usage());
      assistant.put("status", status).put("usage", usage);
      writes.add(store.updateMessage(assistant, live.fence).compose(v -> store.addUsage(live.sessionId, usage, live.fence)));
    }
    JsonArray parts = t.gate.close(status);
    if (parts != null) {
      JsonObject toolMessage = live.history.newMessage(Messages.TOOL, t.id, parts, status);
      live.history.add(toolMessage);
      writes.add(store.insertMessage(live.sessionId, toolMessage, live.fence));
    }
    if (t.stream != null) t.stream.fail(new ProviderFailure(ProviderEvents.CANCELLED, status));
    JsonObject errorJson = error == null ? null : new JsonObject().put("code", error.code).put("message", error.getMessage());
    if (error != null) live.publish(SessionEvents.turnError(error.code, error.getMessage()));
    return Future.join(writes)
        .transform(ar -> store.finishTurn(t.id, status, errorJson, live.fence))
        .recover(err -> {
          LOG.warn("session {}: cannot store the end of turn {}: {}", live.sessionId, t.id, err.getMessage());
          return Future.succeededFuture();
        })
        .compose(v -> projectRules.afterTurn(t.id))
        .onComplete(ar -> {
          live.publish(SessionEvents.turnCompleted(t.id, status));
          metrics.turnCompleted(status);
          live.events.turnEnded();
          // every message of the turn is final now: held as bytes from here on
          live.history.settle();
          if (turn == t) turn = null;
          touched.run();
          afterTurn.run();
        });
  }
}
