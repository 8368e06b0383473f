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
  /** Issue 14: the tool list kept between turns until tool-service announces a change. */
  private final ToolListCache toolLists;
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
    /**
     * The turn's events while its start is being committed (null once committed): the request is
     * already on its way, but nothing of the turn is announced before turn_started, and nothing at
     * all when the commit fails.
     */
    List<JsonObject> held = new ArrayList<>();
    /** The first round's assistant message, stored with the turn start (null once that round has it). */
    JsonObject placeholder;
    /** The last assistant message, complete, written with the end of the turn (null: none waits). */
    JsonObject unsaved;
    /** The turn start's commit: the end of the turn is written only after it (and not at all when it failed). */
    Future<Void> committed = Future.succeededFuture();

    Turn(String id) {
      this.id = id;
      this.gate = new ToolGate(live.sessionId, tools, vertx, settings, TurnLoop.this::publish, resolvedElicitations);
      gate.subagents(subagents);
      gate.rules(rules);
      gate.auditAs(live.stored == null ? null : live.stored.getString("userId"));
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
    this.guard = new RequestGuard(live.sessionId, streams, store.budgetLedger(), models,
        credentials, this::publish);
    this.metrics = SessionMetrics.of(vertx);
    this.toolLists = new ToolListCache(tools, live.sessionId, ToolListCache.generation(vertx));
    this.projectRules = new ProjectRules(dev.maestro.contracts.project.ProjectService.createProxy(vertx), live, this::publish);
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
      return admitted(t, () -> store(t, turnId, content, messageId, idempotencyKey));
    });
  }

  /**
   * The start waits for its turn at this node's admission ahead of the database (issue 14: a thousand turn
   * starts at once overflowed the pool's wait queue and were refused); nothing of it, not even the provider
   * request, begins before. A stand-in for its commit meanwhile lets a cancel that comes while it waits end
   * the turn after the start is stored, as a cancel during the commit does. Refused (the queue is full, or
   * the wait too long): the send fails with 503 overloaded and nothing of the turn exists.
   */
  private Future<JsonObject> admitted(Turn t, java.util.function.Supplier<Future<JsonObject>> start) {
    io.vertx.core.Promise<Void> committed = io.vertx.core.Promise.promise();
    t.committed = committed.future();
    boolean[] ran = {false};
    // keyed by the user: the user's starts are written together (TurnStarts), so a burst of them shares places
    return store.admitted(live.stored == null ? null : live.stored.getString("userId"), () -> {
      ran[0] = true;
      Future<JsonObject> answer = start.get();
      // store() has set the real commit: the stand-in follows it
      t.committed.onComplete(ar -> {
        if (ar.succeeded()) committed.tryComplete();
        else committed.tryFail(ar.cause());
      });
      return answer;
    }).onFailure(err -> {
      if (ran[0]) return;
      t.finished = true;
      t.held = null;
      committed.tryFail(err);
      if (turn == t) turn = null;
    });
  }

  /**
   * Issue 14: the turn start is ONE transaction (user message, turn, assistant placeholder, message
   * count, idempotency key), and the provider request is prepared and sent while it commits; the
   * answer (the acknowledgement) still waits for the commit. A failed commit stops the request and
   * forgets the turn: the send fails with the cause, no event of the turn is published (they are
   * held until the commit), and no row of it exists.
   */
  private Future<JsonObject> store(Turn t, String turnId, JsonArray content, String messageId, String idempotencyKey) {
    // the row kept live (an edit is pushed here): no re-read per turn
    live.session = live.stored.copy();
    JsonObject user = live.history.newMessage(Messages.USER, turnId, content, SessionEvents.COMPLETE);
    if (messageId != null) user.put("id", messageId);
    int firstOrdinal = user.getInteger("ordinal");
    t.placeholder = live.history.newMessage(Messages.ASSISTANT, turnId, new JsonArray(), SessionEvents.STREAMING);
    // the request is built from the history, so the user message is in it before the commit ends
    live.history.add(user);
    Future<Void> committed;
    try {
      committed = store.startTurn(live.sessionId, live.stored.getString("userId"), user, t.placeholder, turnId, live.ownerId,
          settings.maxTurnsPerUser(), live.ownerAlive, idempotencyKey, live.fence);
    } catch (RuntimeException e) {
      committed = Future.failedFuture(e);
    }
    t.committed = committed;
    Future<JsonObject> answer = committed.transform(ar -> {
      if (ar.failed()) {
        abortStart(t, firstOrdinal, ar.cause());
        return Future.failedFuture(ar.cause());
      }
      // (a turn that ended meanwhile, e.g. cancelled or refused by its budget, was started all the same:
      // its end is written after this and its events follow turn_started)
      List<JsonObject> held = t.held;
      t.held = null;
      live.events.turnStarted();
      live.publish(SessionEvents.turnStarted(turnId));
      metrics.turnStarted();
      held.forEach(live::publish);
      return Future.succeededFuture(new JsonObject().put("messageId", user.getString("id")).put("turnId", turnId));
    });
    // registered after the answer's handler, so the start is announced before anything of the turn. The
    // turn runs in the send's trace: that message's scope ends once it is answered, so the work goes on in
    // a context carrying the trace (without it the provider and auth calls of the turn fell out of it)
    if (!committed.failed()) {
      dev.maestro.platform.Observability.continuingTrace(vertx).runOnContext(x -> {
        if (!t.finished) start(t);
      });
    }
    return answer;
  }

  /** The turn start was not stored: its request is stopped, its events dropped, the history as before. */
  private void abortStart(Turn t, int firstOrdinal, Throwable cause) {
    LOG.info("session {}: turn {} not started (its start was not stored): {}", live.sessionId, t.id, cause.getMessage());
    t.finished = true;
    t.held = null;
    if (t.stream != null) {
      streams.stopUpstream(t.stream);
      t.stream.fail(new ProviderFailure(ProviderEvents.CANCELLED, "the turn start was not stored"));
    }
    t.gate.cancelRunning();
    live.history.rollbackTo(firstOrdinal);
    if (turn == t) turn = null;
  }

  /** Every event of the turn loop goes out here: held while the turn start commits. */
  private void publish(JsonObject event) {
    Turn t = turn;
    if (t != null && t.held != null) t.held.add(event);
    else live.publish(event);
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

  // ------------------------------------------------------------------ handed over by a drain (issue 17)

  /**
   * For a drain: when the turn's only outstanding work is the user's decision on tool approvals (no
   * stream, no call running, no question of a running call open), its waiting state, to store for the
   * next owner; else null. The approvals stop expiring here until {@link #parked} or {@link #unparked}.
   */
  JsonObject parkable() {
    Turn t = turn;
    if (t == null || t.finished || t.held != null || t.stream != null || t.placeholder != null) return null;
    JsonObject waiting = t.gate.parkState();
    if (waiting == null) return null;
    rules.suspend();
    return waiting.put("v", 1).put("turnId", t.id).put("round", t.round)
        // the turn's own copy of the session (project rules and MCP instructions in its system prompt) and its tools
        .put("session", live.session.copy()).put("offered", new JsonArray(new ArrayList<>(t.gate.offered())));
  }

  /** The waiting state was not stored: the turn waits here as before. */
  void unparked() {
    rules.resume();
  }

  /** The waiting state is stored: the turn goes on at the next owner; here it is let go without an end. */
  void parked(String turnId) {
    Turn t = turn;
    if (t == null || !t.id.equals(turnId)) return;
    rules.forget();
    t.gate.parked();
    t.finished = true;
    turn = null;
  }

  /**
   * At activation: a turn parked by a draining owner ({@link #parkable}) goes on here. Its stored messages
   * are in the history already; the approvals it waits for are asked again under the same call ids, and
   * once decided the round ends as it would have on the previous owner (tool message, next round).
   */
  void resume(String turnId, JsonObject state) {
    Turn t = new Turn(turnId);
    t.held = null;
    // (not a first token of this turn's start: the metric would count the time spent waiting for the user)
    t.tokenSeen = true;
    t.round = state.getInteger("round", 1);
    turn = t;
    JsonObject session = state.getJsonObject("session");
    if (session != null) live.session = session;
    List<JsonObject> offered = new ArrayList<>();
    state.getJsonArray("offered", new JsonArray()).forEach(o -> offered.add((JsonObject) o));
    t.gate.offer(offered);
    List<JsonObject> calls = new ArrayList<>();
    state.getJsonArray("calls", new JsonArray()).forEach(o -> calls.add((JsonObject) o));
    Map<String, Long> since = new java.util.HashMap<>();
    state.getJsonArray("waiting", new JsonArray()).forEach(o -> {
      JsonObject w = (JsonObject) o;
      since.put(w.getString("callId"), w.getLong("since"));
    });
    live.events.turnStarted();
    live.lifecycle.resumed(turnId);
    LOG.info("session {}: turn {} taken over from a draining owner, waiting for {} approval(s)", live.sessionId, turnId, since.size());
    stored(t, t.gate.resume(calls, state.getJsonObject("results", new JsonObject()), since))
        .compose(v -> round(t))
        .onFailure(err -> fail(t, err));
  }

  /** Called periodically: a provider stream silent for too long is cancelled (the turn fails with timeout). */
  void checkStream() {
    Turn t = turn;
    if (t != null && !t.finished && t.stream != null) streams.cancelIfSilent(t.stream, settings.streamIdleTimeoutMs());
  }

  // ------------------------------------------------------------------ the loop

  private void start(Turn t) {
    projectRules.beforeTurn(t.id)
        .compose(v -> credentials.checkForTurn(live.session))
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
    return toolLists.tools(list).recover(err -> {
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
    return toolLists.instructions(mcpTools).otherwise(List.of()).map(list -> {
      live.session.put(ChatRequests.MCP_INSTRUCTIONS, new JsonArray(new ArrayList<>(list)));
      return offered;
    });
  }

  private Future<Void> round(Turn t) {
    if (t.finished) return Future.succeededFuture();
    t.round++;
    // the first round's request leaves while the start commits: steered messages join from the second round
    Future<Void> before = t.placeholder != null ? Future.succeededFuture() : beforeRound.apply(t.id);
    return before.compose(v -> t.finished ? Future.succeededFuture()
        : compactor.fit(t.gate.offered())
            .compose(request -> guard.reserve(live.session, live.history.messages(), request).compose(held -> stream(t, request, held))));
  }

  private Future<Void> stream(Turn t, ChatRequest request, BudgetLedger.Reservation held) {
    if (t.finished) {
      guard.release(held);
      return Future.succeededFuture();
    }
    JsonObject placeholder = t.placeholder;
    t.placeholder = null;
    JsonObject assistant = placeholder != null ? placeholder
        : live.history.newMessage(Messages.ASSISTANT, t.id, new JsonArray(), SessionEvents.STREAMING);
    t.assistant = new StreamedMessage(assistant, event -> {
      if (!t.tokenSeen) {
        t.tokenSeen = true;
        metrics.firstToken(t.startedNanos);
      }
      publish(event);
    });
    // the first round's row is part of the turn start's transaction
    Future<Void> stored = placeholder != null ? Future.succeededFuture() : store.insertMessage(live.sessionId, assistant, live.fence);
    return stored.compose(v -> {
      live.history.add(assistant);
      if (t.finished) {
        // cancelled while the row was being written: it must not stay 'streaming'
        if (SessionEvents.STREAMING.equals(assistant.getString("status"))) assistant.put("status", SessionEvents.CANCELLED);
        guard.release(held);
        return store.updateMessage(assistant, live.fence);
      }
      publish(SessionEvents.messageStarted(assistant.getString("id"), Messages.ASSISTANT));
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
    List<JsonObject> calls0 = message.toolCalls();
    if (calls0.isEmpty()) {
      // the answer: stored with the end of the turn, in its one statement
      t.unsaved = assistant;
      return finish(t, SessionEvents.COMPLETE, null);
    }
    // the first round's row comes with the turn start's transaction, which may still be committing (the
    // request left meanwhile): it is updated once that commit is done. Before, the update found no row,
    // and the owner fence took "no row" for a newer owner. A failed commit has ended the turn already.
    Future<Void> rowStored = t.committed == null ? Future.succeededFuture() : t.committed.transform(ar -> Future.<Void>succeededFuture());
    return rowStored.compose(c -> t.finished ? Future.<Void>succeededFuture()
        : store.updateMessage(assistant, live.fence).compose(v -> store.addUsage(live.sessionId, usage, live.fence))).compose(v -> {
      if (t.finished) return Future.succeededFuture();
      publish(SessionEvents.messageCompleted(assistant.getString("id"), usage));
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
    return stored(t, t.gate.run(calls));
  }

  /** The round's tool results, once all are there, stored as its tool message (not when the turn ended meanwhile). */
  private Future<Void> stored(Turn t, Future<JsonArray> toolResults) {
    return toolResults.compose(parts -> {
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
    if (t.stream != null) t.stream.fail(new ProviderFailure(ProviderEvents.CANCELLED, status));
    if (error != null) publish(SessionEvents.turnError(error.code, error.getMessage()));
    // a turn may end while its start commits: its end is written after the start, and not at all when that fails
    return t.committed.transform(ar -> ar.failed() ? Future.succeededFuture() : end(t, status, error));
  }

  private Future<Void> end(Turn t, String status, ProviderFailure error) {
    JsonObject write = t.unsaved;
    JsonObject assistant = t.assistant == null ? null : t.assistant.message;
    if (write == null && assistant != null && SessionEvents.STREAMING.equals(assistant.getString("status"))) {
      t.assistant.flush();
      JsonObject usage = ChatRequests.priced(live.session, models, t.stream == null ? new JsonObject() : t.stream.usage());
      assistant.put("status", status).put("usage", usage);
      write = assistant;
    }
    JsonObject toolMessage = null;
    JsonArray parts = t.gate.close(status);
    if (parts != null) {
      toolMessage = live.history.newMessage(Messages.TOOL, t.id, parts, status);
      live.history.add(toolMessage);
    }
    JsonObject errorJson = error == null ? null : new JsonObject().put("code", error.code).put("message", error.getMessage());
    JsonObject written = write;
    // the first round's placeholder, stored with the start, when the turn ended before its request: it goes
    String unused = t.placeholder == null ? null : t.placeholder.getString("id");
    t.placeholder = null;
    // the end of the turn is one statement (a tool message cut short makes it a transaction of two)
    return store.endTurn(live.sessionId, write, write == null ? null : write.getJsonObject("usage"), toolMessage, t.id, status, errorJson,
            unused, live.fence)
        .recover(err -> {
          LOG.warn("session {}: cannot store the end of turn {}: {}", live.sessionId, t.id, err.getMessage());
          return Future.succeededFuture();
        })
        .onComplete(ar -> {
          // the answer is announced complete once it is stored, as before
          if (written != null && written == t.unsaved) {
            publish(SessionEvents.messageCompleted(written.getString("id"), written.getJsonObject("usage")));
          }
        })
        .compose(v -> projectRules.afterTurn(t.id))
        .onComplete(ar -> {
          // (the start committed before the end is written: nothing of this turn is held back any more)
          live.publishTurnEnd(t.id, status);
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
