package dev.maestro.session;

import dev.maestro.platform.ServiceFailures;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.provider.ChatRequest;
import dev.maestro.contracts.provider.ProviderEvents;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.contracts.tool.ToolService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
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

/**
 * The one live owner of a session: its history in memory, the event log with seq numbers, and the
 * turn loop. Deployed on demand by {@link SessionRouter} and undeployed when idle; everything it
 * needs survives in PostgreSQL, so a new owner (here or on another node) picks up where it left.
 * Commands arrive on a local address; provider events on a cluster-wide one.
 */
public class SessionVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SessionVerticle.class);

  static String commandAddress(String sessionId) {
    return "maestro.session." + sessionId + ".command";
  }

  /**
   * Where provider events for this live copy of the session arrive. It names the owner too: after a
   * takeover a stale registration of the previous owner may still be in the cluster's subscription
   * map, and point-to-point sends to a shared address would be split between the two copies.
   */
  static String streamAddress(String sessionId, String ownerId) {
    return "maestro.session." + sessionId + ".provider-stream." + ownerId;
  }

  private final String sessionId;
  private final String ownerId;
  private final SessionStore store;
  private final ProviderService provider;
  private final ToolService tools;
  private final ModelTable models;
  private final SessionSettings settings;
  private final Runnable onIdle;

  private JsonObject session;
  private final List<JsonObject> history = new ArrayList<>();
  private int nextOrdinal;
  private EventLog events;
  private long reservedCeiling;
  private Turn turn;
  private long lastActivity = System.currentTimeMillis();
  private long idleTimer = -1;
  private boolean compacting;

  SessionVerticle(String sessionId, String ownerId, SessionStore store, ProviderService provider, ToolService tools,
                  ModelTable models, SessionSettings settings, Runnable onIdle) {
    this.sessionId = sessionId;
    this.ownerId = ownerId;
    this.store = store;
    this.provider = provider;
    this.tools = tools;
    this.models = models;
    this.settings = settings;
    this.onIdle = onIdle;
  }

  /** One turn in flight: what cancel has to stop and what late events must be checked against. */
  private final class Turn {
    final String id;
    int round;
    boolean finished;
    String streamId;
    Promise<String> stream;
    JsonObject assistant;
    JsonObject usage = new JsonObject();
    long lastStreamEvent;
    final Map<String, Promise<String>> approvals = new LinkedHashMap<>();
    final Map<String, Elicitation> elicitations = new LinkedHashMap<>();
    final Map<String, JsonObject> pendingCalls = new LinkedHashMap<>();
    final Map<String, JsonObject> results = new LinkedHashMap<>();
    List<JsonObject> offeredTools = List.of();
    /** The part being streamed into and its text so far (appending to a JSON string would be quadratic). */
    JsonObject openPart;
    StringBuilder openText;

    /** Writes the streamed text into its part; called before anything reads or stores the message. */
    void flush() {
      if (openPart != null) openPart.put("text", openText.toString());
    }

    void append(JsonArray content, String type, String text) {
      JsonObject last = content.isEmpty() ? null : content.getJsonObject(content.size() - 1);
      if (last == null || last != openPart || !type.equals(last.getString("type"))) {
        flush();
        last = new JsonObject().put("type", type).put("text", "");
        content.add(last);
        openPart = last;
        openText = new StringBuilder();
      }
      openText.append(text);
    }

    Turn(String id) {
      this.id = id;
    }
  }

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

  /** Recently resolved elicitations (id → action), so a late second answer gets CONFLICT, not NOT_FOUND. */
  private final Map<String, String> resolvedElicitations = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > 256;
    }
  };

  @Override
  public Future<?> start() {
    return store.session(null, sessionId)
        .compose(s -> {
          session = s;
          return store.interruptRunning(sessionId);
        })
        .compose(interrupted -> store.liveHistory(sessionId).map(live -> {
          live.getJsonArray("messages").forEach(m -> history.add((JsonObject) m));
          nextOrdinal = live.getInteger("nextOrdinal");
          return interrupted;
        }))
        .compose(interrupted -> {
          long start = session.getLong("seqCeiling");
          reservedCeiling = start + EventLog.RESERVE;
          events = new EventLog(sessionId, vertx.eventBus(), start, reservedCeiling, settings.heldEvents(), c -> {
            reservedCeiling = c;
            store.setSeqCeiling(sessionId, c).onFailure(e -> LOG.warn("session {}: cannot reserve seq numbers: {}", sessionId, e.getMessage()));
          });
          return store.setSeqCeiling(sessionId, reservedCeiling).map(interrupted);
        })
        .compose(interrupted -> {
          // a turn that was in flight on a dead owner ends here, visibly
          for (String turnId : interrupted) {
            LOG.info("session {}: turn {} was interrupted (its owner went away)", sessionId, turnId);
            events.publish(SessionEvents.turnCompleted(turnId, SessionEvents.INTERRUPTED));
          }
          MessageConsumer<JsonObject> commands = vertx.eventBus().localConsumer(commandAddress(sessionId), this::onCommand);
          MessageConsumer<JsonObject> stream = vertx.eventBus().consumer(streamAddress(sessionId, ownerId), m -> onProviderEvent(m.body()));
          long period = Math.min(Math.min(settings.idleTimeoutMs(), settings.streamIdleTimeoutMs()) / 2, 10_000);
          idleTimer = vertx.setPeriodic(Math.max(250, period), t -> checkIdle());
          return Future.all(commands.completion(), stream.completion());
        });
  }

  @Override
  public Future<?> stop() {
    if (idleTimer >= 0) vertx.cancelTimer(idleTimer);
    Future<Void> endTurn = Future.succeededFuture();
    if (turn != null && !turn.finished) {
      // shutting down mid-turn: the turn is stored as interrupted, not left running
      Turn t = turn;
      if (t.streamId != null) provider.cancel(t.streamId);
      t.pendingCalls.keySet().forEach(callId -> tools.cancelCall(sessionId, callId));
      endTurn = finishTurn(t, SessionEvents.INTERRUPTED, null);
    }
    long exact = events == null ? -1 : events.lastSeq();
    long reserved = reservedCeiling;
    // the next owner continues at lastSeq + 1, unless another owner took over meanwhile
    return endTurn.recover(e -> Future.succeededFuture())
        .compose(v -> exact < 0 ? Future.succeededFuture() : store.pool()
            .preparedQuery("UPDATE session SET seq_ceiling = $2 WHERE id = $1 AND seq_ceiling = $3")
            .execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(sessionId), exact, reserved)).mapEmpty())
        .recover(e -> Future.succeededFuture());
  }

  private void checkIdle() {
    if (turn == null && !compacting && System.currentTimeMillis() - lastActivity > settings.idleTimeoutMs()) {
      vertx.cancelTimer(idleTimer);
      idleTimer = -1;
      onIdle.run();
    }
    Turn t = turn;
    if (t != null && t.stream != null && !t.finished
        && System.currentTimeMillis() - t.lastStreamEvent > settings.streamIdleTimeoutMs()) {
      provider.cancel(t.streamId);
      t.stream.tryFail(new ProviderFailure(ProviderEvents.TIMEOUT, "the provider sent nothing for "
          + settings.streamIdleTimeoutMs() / 1000 + " s"));
    }
  }

  // ------------------------------------------------------------------ commands

  private void onCommand(Message<JsonObject> msg) {
    lastActivity = System.currentTimeMillis();
    JsonObject cmd = msg.body();
    Future<JsonObject> result;
    try {
      result = switch (cmd.getString("op", "")) {
        case "send" -> send(cmd.getString("text"));
        case "cancel" -> cancel().map(new JsonObject());
        case "approve" -> approve(cmd.getString("callId"), cmd.getString("decision"));
        case "elicit" -> elicit(cmd.getJsonObject("request"));
        case "answerElicitation" -> answerElicitation(cmd.getString("elicitationId"), cmd.getString("action"),
            cmd.getJsonObject("content"));
        case "events" -> Future.succeededFuture(new JsonObject().put("items", events.after(cmd.getLong("afterSeq", 0L))));
        case "compact" -> compact();
        case "state" -> Future.succeededFuture(new JsonObject().put("lastSeq", events.lastSeq())
            .put("turnId", turn == null ? null : turn.id).put("owner", ownerId).put("heldEvents", events.heldCount()));
        case "evict" -> cancel().map(v -> {
          onIdle.run();
          return new JsonObject();
        });
        default -> Fail.invalid("op", "unknown command");
      };
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onSuccess(msg::reply).onFailure(err -> {
      if (err instanceof ServiceException) SessionRouter.fail(msg, err);
      else if (err instanceof ReplyException re) msg.fail(re.failureCode(), re.getMessage());
      else {
        LOG.warn("session {}: command {} failed", sessionId, cmd.getString("op"));
        SessionRouter.fail(msg, ServiceFailures.internal("session-service", err));
      }
    });
  }

  /** Refuses (CONFLICT) while a turn runs: one turn at a time, nothing queued behind the user's back. */
  private Future<JsonObject> send(String text) {
    if (turn != null) {
      return Fail.conflict("a turn is already running in this session (turn " + turn.id
          + "); wait for turn_completed or cancel it first");
    }
    if (compacting) return Fail.conflict("the session is being compacted; send again when it is done");
    String turnId = UUID.randomUUID().toString();
    Turn t = new Turn(turnId);
    turn = t;
    JsonObject user = newMessage(Messages.USER, turnId, Messages.textContent(text), SessionEvents.COMPLETE);
    return store.insertUserMessageAndTurn(sessionId, user, turnId, ownerId)
        .recover(err -> {
          turn = null;
          nextOrdinal--;
          return Future.failedFuture(err);
        })
        .map(v -> {
          history.add(user);
          events.turnStarted();
          events.publish(SessionEvents.turnStarted(turnId));
          // the reply goes out first; the turn continues on this context
          vertx.runOnContext(x -> startTurn(t));
          return new JsonObject().put("messageId", user.getString("id")).put("turnId", turnId);
        });
  }

  private JsonObject newMessage(String role, String turnId, JsonArray content, String status) {
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("ordinal", nextOrdinal++).put("turnId", turnId)
        .put("role", role).put("content", content).put("status", status).putNull("usage").put("compacted", false)
        .put("createdAt", java.time.Instant.now().toString());
  }

  private Future<JsonObject> approve(String callId, String decision) {
    Promise<String> p = turn == null ? null : turn.approvals.get(callId);
    if (p == null) return Fail.notFound("pending approval " + callId);
    p.tryComplete(decision);
    return Future.succeededFuture(new JsonObject());
  }

  /**
   * A running call of this turn asks its user something: published as elicitation_required, answered
   * when the user does. A call that is not (or no longer) running here gets cancel at once.
   */
  private Future<JsonObject> elicit(JsonObject request) {
    Turn t = turn;
    String callId = request.getString("callId");
    if (t == null || t.finished || !t.pendingCalls.containsKey(callId)) {
      return Future.succeededFuture(new JsonObject().put("action", ElicitationForm.CANCEL));
    }
    Elicitation e = new Elicitation(UUID.randomUUID().toString(), request.getJsonObject("schema"));
    t.elicitations.put(e.id, e);
    e.timer = vertx.setTimer(settings.elicitationTimeoutMs(), x -> {
      LOG.info("session {}: elicitation {} got no answer within {} ms; cancelled", sessionId, e.id, settings.elicitationTimeoutMs());
      resolveElicitation(t, e, ElicitationForm.CANCEL, null);
    });
    events.publish(SessionEvents.elicitationRequired(callId, e.id, request.getString("server"), request.getString("message", ""),
        e.schema));
    return e.answer.future();
  }

  private Future<JsonObject> answerElicitation(String elicitationId, String action, JsonObject content) {
    Turn t = turn;
    Elicitation e = t == null ? null : t.elicitations.get(elicitationId);
    if (e == null) {
      String earlier = resolvedElicitations.get(elicitationId);
      if (earlier != null) return Fail.conflict("elicitation " + elicitationId + " was already resolved (" + earlier + ")");
      return Fail.notFound("pending elicitation " + elicitationId);
    }
    JsonObject filled = null;
    if (ElicitationForm.ACCEPT.equals(action)) {
      filled = ElicitationForm.applyDefaults(e.schema, content);
      JsonArray errors = ElicitationForm.validate(e.schema, filled);
      if (!errors.isEmpty()) {
        return Future.failedFuture(new ServiceException(ErrorCodes.BAD_REQUEST,
            "content does not match the requested schema: " + ElicitationForm.describe(errors), new JsonObject().put("errors", errors)));
      }
    }
    resolveElicitation(t, e, action, filled);
    return Future.succeededFuture(new JsonObject());
  }

  private void resolveElicitation(Turn t, Elicitation e, String action, JsonObject content) {
    JsonObject answer = new JsonObject().put("action", action);
    if (content != null) answer.put("content", content);
    if (!e.answer.tryComplete(answer)) return;
    if (e.timer >= 0) vertx.cancelTimer(e.timer);
    t.elicitations.remove(e.id);
    resolvedElicitations.put(e.id, action);
    events.publish(SessionEvents.elicitationResolved(e.id, action));
  }

  // ------------------------------------------------------------------ the turn loop

  private void startTurn(Turn t) {
    store.session(null, sessionId)
        .onSuccess(s -> session = s)
        .compose(s -> offeredTools(s))
        .onSuccess(list -> t.offeredTools = list)
        .compose(v -> runRound(t))
        .onFailure(err -> failTurn(t, err));
  }

  private Future<List<JsonObject>> offeredTools(JsonObject s) {
    JsonArray names = s.getJsonArray("tools");
    if (names != null && names.isEmpty()) return Future.succeededFuture(List.of());
    List<String> list = new ArrayList<>();
    if (names != null) names.forEach(n -> list.add(String.valueOf(n)));
    return tools.toolsForSession(sessionId, list).recover(err -> {
      // the conversation goes on without tools rather than failing while tool-service is away
      LOG.warn("session {}: tool-service unavailable, turn runs without tools: {}", sessionId, err.getMessage());
      return Future.succeededFuture(List.of());
    });
  }

  private Future<Void> runRound(Turn t) {
    if (t.finished) return Future.succeededFuture();
    t.round++;
    return ensureContextFits(t).compose(request -> streamRound(t, request));
  }

  /**
   * Compacts first when the request would pass the threshold of the model's context window, and
   * refuses (context_too_long) rather than send what the provider must reject for length.
   */
  private Future<ChatRequest> ensureContextFits(Turn t) {
    String model = session.getString("model");
    long window = models.contextWindow(model);
    ChatRequest request = buildRequest(ContextBuilder.build(history), t.offeredTools);
    long estimate = Compaction.estimate(history, request);
    if (estimate + request.getMaxTokens() <= window * settings.compactThreshold()) return Future.succeededFuture(request);
    compacting = true;
    return summarize().eventually(() -> {
      compacting = false;
      return Future.succeededFuture();
    }).recover(err -> {
      LOG.warn("session {}: automatic compaction failed: {}", sessionId, err.getMessage());
      return Future.succeededFuture(false);
    }).compose(done -> {
      ChatRequest again = buildRequest(ContextBuilder.build(history), t.offeredTools);
      long size = Compaction.estimate(history, again);
      if (size + again.getMaxTokens() > window) {
        return Future.failedFuture(new ProviderFailure(ProviderEvents.CONTEXT_TOO_LONG, "the conversation needs about "
            + size + " tokens plus " + again.getMaxTokens() + " for the answer, more than the " + window
            + " of " + model + ", even after compaction"));
      }
      return Future.succeededFuture(again);
    });
  }

  private Future<Void> streamRound(Turn t, ChatRequest request) {
    if (t.finished) return Future.succeededFuture();
    JsonObject assistant = newMessage(Messages.ASSISTANT, t.id, new JsonArray(), SessionEvents.STREAMING);
    t.assistant = assistant;
    t.openPart = null;
    t.usage = new JsonObject();
    return store.insertMessage(sessionId, assistant).compose(v -> {
      history.add(assistant);
      if (t.finished) {
        // cancelled while the row was being written: it must not stay 'streaming'
        if (SessionEvents.STREAMING.equals(assistant.getString("status"))) assistant.put("status", SessionEvents.CANCELLED);
        return store.updateMessage(assistant);
      }
      events.publish(SessionEvents.messageStarted(assistant.getString("id"), Messages.ASSISTANT));
      t.streamId = UUID.randomUUID().toString();
      t.stream = Promise.promise();
      t.lastStreamEvent = System.currentTimeMillis();
      provider.stream(request.toJson(), streamAddress(sessionId, ownerId), t.streamId)
          .onFailure(err -> t.stream.tryFail(ProviderFailure.of(err)));
      return t.stream.future().compose(stopReason -> roundDone(t));
    });
  }

  private ChatRequest buildRequest(JsonArray context, List<JsonObject> offered) {
    JsonObject params = session.getJsonObject("params", new JsonObject());
    JsonArray toolSchemas = new JsonArray();
    for (JsonObject tool : offered) {
      if (!tool.getBoolean("enabled", true) || "deny".equals(tool.getString("policy"))) continue;
      toolSchemas.add(new JsonObject().put("name", tool.getString("name")).put("description", tool.getString("description", ""))
          .put("inputSchema", tool.getJsonObject("inputSchema", new JsonObject().put("type", "object"))));
    }
    ChatRequest r = new ChatRequest().setProvider(session.getString("provider"))
        .setCredentialId(session.getString("credentialId")).setModel(session.getString("model"))
        .setSystem(session.getString("systemPrompt", "")).setMessages(context).setTools(toolSchemas)
        .setMaxTokens(params.getInteger("maxTokens", models.maxOutputTokens(session.getString("model"))))
        .setExtras(params.getJsonObject("extras", new JsonObject()));
    if (params.getValue("temperature") instanceof Number n) r.setTemperature(n.doubleValue());
    return r;
  }

  private void onProviderEvent(JsonObject e) {
    if (compactStreamId != null && compactStreamId.equals(e.getString("streamId"))) {
      onCompactEvent(e);
      return;
    }
    Turn t = turn;
    if (t == null || t.finished || t.streamId == null || !t.streamId.equals(e.getString("streamId"))) return;
    t.lastStreamEvent = System.currentTimeMillis();
    JsonArray content = t.assistant.getJsonArray("content");
    switch (e.getString("type", "")) {
      case ProviderEvents.TEXT -> {
        String text = e.getString("text", "");
        t.append(content, "text", text);
        events.publish(SessionEvents.delta(text));
      }
      case ProviderEvents.THINKING -> {
        String text = e.getString("text", "");
        if (e.getString("redactedData") != null) {
          // a redacted block is opaque: stored as its own part and sent back unchanged
          t.flush();
          t.openPart = null;
          content.add(new JsonObject().put("type", "thinking").put("text", "").put("redactedData", e.getString("redactedData")));
          return;
        }
        t.append(content, "thinking", text);
        if (e.getString("signature") != null) {
          // the signature closes the block; it travels back with it on the next request
          t.flush();
          t.openPart.put("signature", e.getString("signature"));
          t.openPart = null;
        }
        if (!text.isEmpty()) events.publish(SessionEvents.thinkingDelta(text));
      }
      case ProviderEvents.TOOL_CALL -> {
        t.flush();
        t.openPart = null;
        JsonObject args = e.getValue("arguments") instanceof JsonObject a ? a : new JsonObject();
        JsonObject part = new JsonObject().put("type", "tool_call").put("callId", e.getString("id"))
            .put("name", e.getString("name")).put("arguments", args);
        // Gemini's thoughtSignature belongs to the call and must be sent back with it
        if (e.getString("signature") != null) part.put("signature", e.getString("signature"));
        content.add(part);
        events.publish(SessionEvents.toolCall(e.getString("id"), e.getString("name"), args));
      }
      case ProviderEvents.USAGE -> {
        for (String k : List.of("inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens")) {
          t.usage.put(k, Math.max(t.usage.getLong(k, 0L), e.getLong(k, 0L)));
        }
      }
      case ProviderEvents.DONE -> t.stream.tryComplete(e.getString("stopReason", "end_turn"));
      case ProviderEvents.ERROR -> t.stream.tryFail(new ProviderFailure(e.getString("code", "error"), e.getString("message", "")));
      default -> { }
    }
  }

  private Future<Void> roundDone(Turn t) {
    if (t.finished) return Future.succeededFuture();
    JsonObject assistant = t.assistant;
    t.flush();
    t.openPart = null;
    JsonObject usage = completeUsage(t.usage);
    assistant.put("status", SessionEvents.COMPLETE).put("usage", usage);
    t.stream = null;
    return store.updateMessage(assistant).compose(v -> store.addUsage(sessionId, usage)).compose(v -> {
      if (t.finished) return Future.succeededFuture();
      events.publish(SessionEvents.messageCompleted(assistant.getString("id"), usage));
      List<JsonObject> calls = new ArrayList<>();
      assistant.getJsonArray("content").forEach(p -> {
        if ("tool_call".equals(((JsonObject) p).getString("type"))) calls.add((JsonObject) p);
      });
      if (calls.isEmpty()) return finishTurn(t, SessionEvents.COMPLETE, null);
      if (t.round >= maxToolRounds()) {
        return finishTurn(t, SessionEvents.ERROR, new ProviderFailure("max_tool_rounds",
            "stopped after " + maxToolRounds() + " tool rounds; send a message to continue"));
      }
      return runTools(t, calls).compose(v2 -> runRound(t));
    });
  }

  private int maxToolRounds() {
    return session.getJsonObject("params", new JsonObject()).getInteger("maxToolRounds", settings.maxToolRounds());
  }

  private JsonObject completeUsage(JsonObject u) {
    JsonObject usage = new JsonObject()
        .put("inputTokens", u.getLong("inputTokens", 0L)).put("outputTokens", u.getLong("outputTokens", 0L))
        .put("cacheReadTokens", u.getLong("cacheReadTokens", 0L)).put("cacheWriteTokens", u.getLong("cacheWriteTokens", 0L));
    return usage.put("costUsd", models.cost(session.getString("model"), usage));
  }

  /** Every call of the response runs at once; each waits for approval first when its policy says ask. */
  private Future<Void> runTools(Turn t, List<JsonObject> calls) {
    List<Future<JsonObject>> all = new ArrayList<>();
    for (JsonObject call : calls) {
      t.pendingCalls.put(call.getString("callId"), call);
      all.add(runTool(t, call).map(result -> {
        t.pendingCalls.remove(call.getString("callId"));
        if (!t.finished) {
          t.results.put(call.getString("callId"), result);
          events.publish(SessionEvents.toolResult(call.getString("callId"), result.getJsonArray("content"),
              result.getBoolean("isError", false)));
        }
        return result;
      }));
    }
    return Future.join(all).transform(ar -> {
      if (t.finished) return Future.succeededFuture();
      JsonArray parts = new JsonArray();
      for (JsonObject call : calls) {
        JsonObject r = t.results.get(call.getString("callId"));
        parts.add(Messages.toolResultPart(call.getString("callId"), r.getJsonArray("content"), r.getBoolean("isError", false)));
      }
      t.results.clear();
      JsonObject toolMessage = newMessage(Messages.TOOL, t.id, parts, SessionEvents.COMPLETE);
      return store.insertMessage(sessionId, toolMessage).map(v -> {
        history.add(toolMessage);
        return null;
      });
    });
  }

  private Future<JsonObject> runTool(Turn t, JsonObject call) {
    String callId = call.getString("callId");
    String name = call.getString("name");
    JsonObject tool = t.offeredTools.stream().filter(x -> name.equals(x.getString("name"))).findFirst().orElse(null);
    if (tool == null || !tool.getBoolean("enabled", true)) {
      return Future.succeededFuture(errorResult(callId, "Unknown or disabled tool: " + name));
    }
    String policy = tool.getString("policy", "ask");
    if ("deny".equals(policy)) return Future.succeededFuture(errorResult(callId, "The tool " + name + " is denied by policy."));
    Future<String> decision;
    if ("allow".equals(policy)) {
      decision = Future.succeededFuture("allow");
    } else {
      Promise<String> p = Promise.promise();
      t.approvals.put(callId, p);
      events.publish(SessionEvents.approvalRequired(callId, name, call.getJsonObject("arguments", new JsonObject())));
      decision = p.future().andThen(ar -> t.approvals.remove(callId));
    }
    return decision.compose(d -> {
      if (t.finished) return Future.succeededFuture(errorResult(callId, "The turn was cancelled."));
      if (!"allow".equals(d)) return Future.succeededFuture(errorResult(callId, "The user denied this tool call."));
      JsonObject exec = new JsonObject().put("callId", callId).put("sessionId", sessionId).put("name", name)
          .put("arguments", call.getJsonObject("arguments", new JsonObject()))
          .put("timeoutSeconds", settings.toolTimeoutSeconds());
      return tools.execute(exec).recover(err -> Future.succeededFuture(
          errorResult(callId, "The tool could not run: " + err.getMessage())));
    });
  }

  private static JsonObject errorResult(String callId, String text) {
    return new JsonObject().put("callId", callId).put("content", Messages.textContent(text)).put("isError", true);
  }

  // ------------------------------------------------------------------ ending a turn

  /** Stops the stream and running tools, stores what was produced as cancelled, ends the turn at once. */
  private Future<Void> cancel() {
    Turn t = turn;
    if (t == null || t.finished) return Future.succeededFuture();
    if (t.streamId != null && t.stream != null) provider.cancel(t.streamId);
    t.pendingCalls.keySet().forEach(callId -> tools.cancelCall(sessionId, callId));
    return finishTurn(t, SessionEvents.CANCELLED, null);
  }

  private void failTurn(Turn t, Throwable err) {
    if (t.finished) return;
    ProviderFailure pf = err instanceof ProviderFailure p ? p : ProviderFailure.of(err);
    LOG.info("session {}: turn {} failed: {} {}", sessionId, t.id, pf.code, pf.getMessage());
    finishTurn(t, SessionEvents.ERROR, pf);
  }

  private Future<Void> finishTurn(Turn t, String status, ProviderFailure error) {
    if (t.finished) return Future.succeededFuture();
    t.finished = true;
    List<Future<?>> writes = new ArrayList<>();
    if (t.assistant != null && SessionEvents.STREAMING.equals(t.assistant.getString("status"))) {
      t.flush();
      String messageStatus = SessionEvents.COMPLETE.equals(status) ? SessionEvents.COMPLETE : status;
      JsonObject usage = completeUsage(t.usage);
      t.assistant.put("status", messageStatus).put("usage", usage);
      writes.add(store.updateMessage(t.assistant).compose(v -> store.addUsage(sessionId, usage)));
    }
    if (!t.pendingCalls.isEmpty() || !t.results.isEmpty()) {
      // results of calls that finished are kept; the others are recorded as not run
      JsonArray parts = new JsonArray();
      t.results.forEach((id, r) -> parts.add(Messages.toolResultPart(id, r.getJsonArray("content"), r.getBoolean("isError", false))));
      t.pendingCalls.keySet().forEach(id -> parts.add(Messages.toolResultPart(id,
          Messages.textContent("The tool call was " + status + " before it finished."), true)));
      JsonObject toolMessage = newMessage(Messages.TOOL, t.id, parts, status);
      history.add(toolMessage);
      writes.add(store.insertMessage(sessionId, toolMessage));
    }
    t.approvals.values().forEach(p -> p.tryComplete("deny"));
    new ArrayList<>(t.elicitations.values()).forEach(e -> resolveElicitation(t, e, ElicitationForm.CANCEL, null));
    if (t.stream != null) t.stream.tryFail(new ProviderFailure(ProviderEvents.CANCELLED, status));
    JsonObject errorJson = error == null ? null : new JsonObject().put("code", error.code).put("message", error.getMessage());
    if (error != null) events.publish(SessionEvents.turnError(error.code, error.getMessage()));
    return Future.join(writes)
        .transform(ar -> store.finishTurn(t.id, status, errorJson))
        .recover(err -> {
          LOG.warn("session {}: cannot store the end of turn {}: {}", sessionId, t.id, err.getMessage());
          return Future.succeededFuture();
        })
        .onComplete(ar -> {
          events.publish(SessionEvents.turnCompleted(t.id, status));
          events.turnEnded();
          if (turn == t) turn = null;
          lastActivity = System.currentTimeMillis();
        });
  }

  // ------------------------------------------------------------------ compaction

  private String compactStreamId;
  private Promise<String> compactStream;
  private StringBuilder compactText;
  private JsonObject compactUsage;

  /**
   * A user's request: summarize the older messages now (refused while a turn runs). Answers once
   * started; the outcome is the {@code compacted} or {@code compaction_failed} event.
   */
  private Future<JsonObject> compact() {
    if (turn != null) return Fail.conflict("a turn is running; compact after it completes or cancel it");
    if (compacting) return Fail.conflict("a compaction is already running");
    compacting = true;
    store.session(null, sessionId)
        .compose(s -> {
          session = s;
          return summarize();
        })
        .onComplete(ar -> {
          compacting = false;
          lastActivity = System.currentTimeMillis();
          if (ar.failed()) {
            ProviderFailure pf = ProviderFailure.of(ar.cause());
            events.publish(SessionEvents.compactionFailed(pf.code, pf.getMessage()));
          } else if (!ar.result()) {
            events.publish(SessionEvents.compactionFailed("nothing_to_compact", "the session is too short to compact"));
          }
        });
    return Future.succeededFuture(new JsonObject().put("accepted", true));
  }

  /**
   * The documented strategy: every message before the last few user exchanges is summarized by the
   * session's own model into one {@code summary} message; the originals stay in PostgreSQL marked
   * {@code compacted} and are no longer sent. Answers false when there is nothing old enough.
   */
  private Future<Boolean> summarize() {
    int cut = Compaction.cutIndex(history, settings.keepRecentMessages());
    if (cut <= 0) return Future.succeededFuture(false);
    List<JsonObject> old = new ArrayList<>(history.subList(0, cut));
    List<UUID> oldIds = new ArrayList<>();
    old.forEach(m -> oldIds.add(UUID.fromString(m.getString("id"))));
    ChatRequest request = buildRequest(Compaction.request(ContextBuilder.build(old)), List.of())
        .setSystem(Compaction.SYSTEM).setMaxTokens(Compaction.MAX_SUMMARY_TOKENS);
    compactStreamId = UUID.randomUUID().toString();
    compactStream = Promise.promise();
    compactText = new StringBuilder();
    compactUsage = new JsonObject();
    Promise<String> p = compactStream;
    long timer = vertx.setTimer(settings.streamIdleTimeoutMs(), x -> p.tryFail(new ProviderFailure(ProviderEvents.TIMEOUT, "summary timed out")));
    provider.stream(request.toJson(), streamAddress(sessionId, ownerId), compactStreamId).onFailure(err -> p.tryFail(ProviderFailure.of(err)));
    return p.future().andThen(ar -> {
      vertx.cancelTimer(timer);
      compactStreamId = null;
    }).compose(stop -> {
      String text = compactText.toString().trim();
      if (text.isEmpty()) return Future.failedFuture(new ProviderFailure("empty_summary", "the model returned an empty summary"));
      JsonObject usage = completeUsage(compactUsage);
      JsonObject summary = newMessage(Messages.SUMMARY, null, Messages.textContent(text), SessionEvents.COMPLETE).put("usage", usage);
      return store.pool().withTransaction(conn -> SessionStore.insertMessage(conn, sessionId, summary)
              .compose(v -> conn.preparedQuery("UPDATE message SET compacted = true WHERE id = ANY($1)")
                  .execute(io.vertx.sqlclient.Tuple.of(oldIds.toArray(new UUID[0])))))
          .compose(v -> store.addUsage(sessionId, usage))
          .map(v -> {
            old.forEach(m -> m.put("compacted", true));
            // the summary stands where the compacted messages were, ahead of the kept ones
            history.add(cut, summary);
            events.publish(SessionEvents.compacted(summary.getString("id"), old.size()));
            LOG.info("session {}: compacted {} messages into a summary", sessionId, cut);
            return true;
          });
    });
  }

  private void onCompactEvent(JsonObject e) {
    switch (e.getString("type", "")) {
      case ProviderEvents.TEXT -> compactText.append(e.getString("text", ""));
      case ProviderEvents.USAGE -> {
        for (String k : List.of("inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens")) {
          compactUsage.put(k, Math.max(compactUsage.getLong(k, 0L), e.getLong(k, 0L)));
        }
      }
      case ProviderEvents.DONE -> compactStream.tryComplete(e.getString("stopReason", "end_turn"));
      case ProviderEvents.ERROR -> compactStream.tryFail(new ProviderFailure(e.getString("code", "error"), e.getString("message", "")));
      default -> { }
    }
  }

  /** Failure of a provider stream or of the provider call itself, with a stable code for turn_error. */
  static final class ProviderFailure extends RuntimeException {
    final String code;

    ProviderFailure(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    static ProviderFailure of(Throwable err) {
      if (err instanceof ProviderFailure p) return p;
      if (err instanceof ReplyException re) {
        String code = switch (re.failureType()) {
          case NO_HANDLERS -> ProviderEvents.UPSTREAM_UNAVAILABLE;
          case TIMEOUT -> ProviderEvents.TIMEOUT;
          default -> re.failureCode() == ErrorCodes.BAD_REQUEST ? ProviderEvents.BAD_REQUEST
              : re.failureCode() == ErrorCodes.UNAUTHORIZED || re.failureCode() == ErrorCodes.FORBIDDEN ? ProviderEvents.AUTH_FAILED
              : re.failureCode() == ErrorCodes.TOO_MANY ? ProviderEvents.RATE_LIMITED
              : "provider_error";
        };
        return new ProviderFailure(code, re.getMessage() == null ? re.failureType().name() : re.getMessage());
      }
      return new ProviderFailure("internal", String.valueOf(err.getMessage()));
    }
  }
}
