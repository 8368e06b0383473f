package dev.maestro.testkit.services;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.contracts.session.SessionService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import dev.maestro.platform.SessionFollowers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * In-memory SessionService with the ownership rule of the contract (another member's session or template
 * answers like a missing one), publishing real session-event envelopes. Two ways to answer a turn:
 * <ul>
 *   <li>{@link #demo(Vertx)} (the web UI's pages and demo) scripts turns with timers:
 *   <ul>
 *     <li>a text containing "tool" asks for approval of a {@code read_file} call, then answers;</li>
 *     <li>"drain" asks for two, and once the first is answered asks for both again with {@code restored: true}
 *     (as the node a drain hands the turn to does), then waits for the second;</li>
 *     <li>"elicit" has an MCP tool ask the user a form; "think" thinks first;</li>
 *     <li>a text containing "slow" streams for a long time (to be cancelled);</li>
 *     <li>"partition" streams the reply's start, then (as a client sees it after a partition, issue 17)
 *     a {@code truncated} marker announcing 3 numbers whose events never come and the turn's end; the
 *     stored reply is whole;</li>
 *     <li>anything else is echoed back in several steps with a code block.</li>
 *   </ul>
 *   approve, cancel and answerElicitation act on the running turn;</li>
 *   <li>{@link #recording(Vertx)} (the gateway's tests) echoes "echo: " + the text at once (or nothing with
 *   {@link #quietSend}) and records approve, cancel and answerElicitation in {@link #calls}, the
 *   pending elicitations being the ones a test puts in {@link #elicitations}.</li>
 * </ul>
 */
public final class FakeSessionService implements SessionService {
  public static final long STEP_MS = 80;

  private final boolean scripted;
  /** Every create, list, cancel, approve and answerElicitation, as {"op": …, …}. */
  public final List<JsonObject> calls = new CopyOnWriteArrayList<>();
  /** Runs inside {@link #events} before it answers: lets a test publish "in between". */
  public volatile Runnable beforeEventsReply;
  /** When true, send() (recording) does not stream a reply. */
  public volatile boolean quietSend;
  /** When set, the next send fails with it (e.g. 421: a stale owner refused it), once. */
  public volatile ServiceException failNextSend;
  /** Pending elicitations a test sets up (recording): elicitationId → requestedSchema. */
  public final Map<String, JsonObject> elicitations = new ConcurrentHashMap<>();
  private final Map<String, String> resolvedElicitations = new ConcurrentHashMap<>();

  private final Vertx vertx;
  public final Map<String, JsonObject> sessions = new ConcurrentHashMap<>();
  public final Map<String, List<JsonObject>> events = new ConcurrentHashMap<>();
  public final Map<String, JsonObject> templates = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<String, Turn> turns = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> sentKeys = new ConcurrentHashMap<>();
  /** When true, get() omits lastSeq (a session service that does not report it). */
  public volatile boolean hideLastSeq;

  private FakeSessionService(Vertx vertx, boolean scripted) {
    this.vertx = vertx;
    this.scripted = scripted;
  }

  /** Scripted turns that stream, ask for approval or a form, and can be cancelled (see the class comment). */
  public static FakeSessionService demo(Vertx vertx) {
    return new FakeSessionService(vertx, true);
  }

  /** An immediate echo per turn; approve, cancel and answerElicitation recorded (see the class comment). */
  public static FakeSessionService recording(Vertx vertx) {
    return new FakeSessionService(vertx, false);
  }

  /** The recorded calls of one op, in order. */
  public List<JsonObject> callsOf(String op) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject c : calls) if (op.equals(c.getString("op"))) out.add(c);
    return out;
  }

  private static final class Turn {
    final String turnId = UUID.randomUUID().toString();
    JsonObject message;
    long timer = -1;
    Promise<String> approval;
    String approvalCallId;
    /** The "drain" script's approvals, by call id (several wait at once). */
    final Map<String, Promise<String>> approvals = new ConcurrentHashMap<>();
    Promise<JsonObject> elicitation;
    String elicitationId;
    JsonObject elicitationSchema;
    boolean cancelled;
  }

  private JsonObject owned(String userId, String sessionId) {
    JsonObject s = sessions.get(sessionId == null ? "" : sessionId);
    if (s == null || !s.getString("userId").equals(userId)) return null;
    return s;
  }

  private static <T> Future<T> notFound(String what) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, what + " not found");
  }

  @Override
  public Future<JsonObject> create(String userId, JsonObject spec) {
    calls.add(new JsonObject().put("op", "create").put("userId", userId).put("spec", spec));
    if (spec.getString("provider") == null || spec.getString("model") == null) {
      return ServiceException.fail(ErrorCodes.BAD_REQUEST, "provider and model are required",
          new JsonObject().put("errors", new JsonArray().add(new JsonObject().put("field", "model").put("message", "required"))));
    }
    String id = UUID.randomUUID().toString();
    String now = Instant.now().toString();
    JsonObject s = new JsonObject().put("id", id).put("userId", userId)
        .put("title", spec.getString("title", "New session"))
        .put("provider", spec.getString("provider")).put("model", spec.getString("model"))
        .put("credentialId", spec.getString("credentialId"))
        .put("createdAt", now).put("updatedAt", now)
        .put("openIn", new JsonArray())
        .put("messages", new JsonArray());
    if (spec.getValue("budgetUsd") instanceof Number n) s.put("budgetUsd", n.doubleValue());
    sessions.put(id, s);
    events.put(id, new ArrayList<>());
    return Future.succeededFuture(view(s));
  }

  /** Sub-agents: what session-service reports for a session made by (or making) task calls. */
  public void setFamily(String sessionId, String parentSessionId, JsonArray children) {
    sessions.get(sessionId).put("parentSessionId", parentSessionId).put("children", children);
  }

  private JsonObject view(JsonObject s) {
    JsonObject v = s.copy();
    v.remove("userId");
    if (!hideLastSeq) {
      synchronized (this) {
        v.put("lastSeq", events.getOrDefault(s.getString("id"), List.of()).size() + skipped.getOrDefault(s.getString("id"), 0L));
      }
    }
    v.put("messageCount", s.getJsonArray("messages").size());
    return v;
  }

  @Override
  public Future<JsonObject> list(String userId, JsonObject query) {
    calls.add(new JsonObject().put("op", "list").put("userId", userId).put("query", query));
    String q = query.getString("q");
    JsonArray items = new JsonArray();
    sessions.values().stream()
        .filter(s -> s.getString("userId").equals(userId))
        .filter(s -> q == null || s.encode().toLowerCase().contains(q.toLowerCase()))
        .sorted((a, b) -> b.getString("updatedAt").compareTo(a.getString("updatedAt")))
        .forEach(s -> {
          JsonObject v = view(s);
          v.remove("messages");
          items.add(v);
        });
    return Future.succeededFuture(new JsonObject().put("items", items).putNull("nextCursor"));
  }

  /** How many times a session with its messages was loaded (get): the WebSocket's subscribe must not need it. */
  public final java.util.concurrent.atomic.AtomicInteger historyLoads = new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public Future<Void> checkAccess(String userId, String sessionId) {
    return owned(userId, sessionId) == null ? notFound("session") : Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> get(String userId, String sessionId) {
    historyLoads.incrementAndGet();
    JsonObject s = owned(userId, sessionId);
    return s == null ? notFound("session") : Future.succeededFuture(view(s));
  }

  @Override
  public Future<JsonObject> update(String userId, String sessionId, JsonObject patch) {
    JsonObject s = owned(userId, sessionId);
    if (s == null) return notFound("session");
    for (String k : List.of("title", "model", "provider", "credentialId")) {
      if (patch.containsKey(k)) s.put(k, patch.getValue(k));
    }
    return Future.succeededFuture(view(s));
  }

  @Override
  public Future<Void> delete(String userId, String sessionId) {
    if (owned(userId, sessionId) == null) return notFound("session");
    sessions.remove(sessionId);
    return Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> fork(String userId, String sessionId, String atMessageId) {
    JsonObject s = owned(userId, sessionId);
    if (s == null) return notFound("session");
    return create(userId, new JsonObject().put("title", s.getString("title") + " (fork)")
        .put("provider", s.getString("provider")).put("model", s.getString("model")))
        .map(copy -> {
          JsonArray msgs = new JsonArray();
          for (Object o : s.getJsonArray("messages")) {
            msgs.add(((JsonObject) o).copy());
            if (((JsonObject) o).getString("id").equals(atMessageId)) break;
          }
          sessions.get(copy.getString("id")).put("messages", msgs);
          return copy;
        });
  }

  @Override
  public Future<JsonObject> sendWithAttachments(String userId, String sessionId, String text, JsonArray attachments) {
    // the fake stores the references as parts of the user's message, so tests see what reached the session
    return send(userId, sessionId, text).map(r -> {
      JsonArray messages = sessions.get(sessionId).getJsonArray("messages");
      JsonArray content = messages.getJsonObject(messages.size() - 1).getJsonArray("content");
      attachments.forEach(a -> content.add(((JsonObject) a).copy().put("type", "attachment")));
      return r;
    });
  }

  @Override
  public Future<JsonObject> send(String userId, String sessionId, String text) {
    JsonObject s = owned(userId, sessionId);
    if (s == null) return notFound("session");
    ServiceException planned = failNextSend;
    if (planned != null) {
      failNextSend = null;
      return Future.failedFuture(planned);
    }
    if (!scripted) return echo(s, text);
    if (turns.containsKey(sessionId)) return ServiceException.fail(ErrorCodes.CONFLICT, "a turn is already running");
    JsonObject user = message("user", "complete");
    user.getJsonArray("content").add(new JsonObject().put("type", "text").put("text", text));
    s.getJsonArray("messages").add(user);
    s.put("updatedAt", Instant.now().toString());
    Turn turn = new Turn();
    user.put("turnId", turn.turnId);
    turns.put(sessionId, turn);
    emit(sessionId, SessionEvents.turnStarted(turn.turnId));
    emit(sessionId, SessionEvents.messageStarted(user.getString("id"), "user"));
    emit(sessionId, SessionEvents.messageCompleted(user.getString("id"), 0, 0));
    // The reply starts after the acknowledgement, as the real session verticle's does.
    vertx.setTimer(STEP_MS, t -> script(s, turn, text));
    return Future.succeededFuture(new JsonObject().put("messageId", user.getString("id")).put("turnId", turn.turnId));
  }

  /** recording: the user's message is stored and, unless {@link #quietSend}, "echo: " + text streams back at once. */
  private Future<JsonObject> echo(JsonObject s, String text) {
    String sessionId = s.getString("id");
    JsonObject user = message("user", "complete");
    user.getJsonArray("content").add(new JsonObject().put("type", "text").put("text", text));
    s.getJsonArray("messages").add(user);
    String turnId = UUID.randomUUID().toString();
    if (!quietSend) {
      vertx.runOnContext(v -> {
        String reply = UUID.randomUUID().toString();
        emit(sessionId, SessionEvents.turnStarted(turnId));
        emit(sessionId, SessionEvents.messageStarted(reply, "assistant"));
        emit(sessionId, SessionEvents.delta("echo: "));
        emit(sessionId, SessionEvents.delta(text));
        emit(sessionId, SessionEvents.messageCompleted(reply, 3, 4));
        emit(sessionId, SessionEvents.turnCompleted(turnId, "complete"));
      });
    }
    return Future.succeededFuture(new JsonObject().put("messageId", user.getString("id")).put("turnId", turnId));
  }

  private static JsonObject message(String role, String status) {
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("role", role)
        .put("content", new JsonArray()).put("status", status).put("createdAt", Instant.now().toString());
  }

  private static JsonObject drainArgs(String callId) {
    return new JsonObject().put("path", callId.contains("_a_") ? "README.md" : "SECURITY.md");
  }

  private void script(JsonObject s, Turn turn, String text) {
    String id = s.getString("id");
    JsonObject reply = startAssistant(s, turn);
    String lower = text.toLowerCase();
    if (lower.contains("elicit")) {
      // an MCP tool asks the user (form mode) and answers with what it got
      String callId = "call_" + UUID.randomUUID().toString().substring(0, 8);
      reply.getJsonArray("content").add(new JsonObject().put("type", "tool_call").put("callId", callId).put("name", "crm__signup")
          .put("arguments", new JsonObject()));
      emit(id, SessionEvents.toolCall(callId, "crm__signup", new JsonObject()));
      finish(s, reply, 5, 5);
      turn.elicitation = Promise.promise();
      turn.elicitationId = UUID.randomUUID().toString();
      turn.elicitationSchema = ELICITATION_FORM;
      emit(id, SessionEvents.elicitationRequired(callId, turn.elicitationId, "crm", "Who should be signed up?", ELICITATION_FORM));
      turn.elicitation.future().onSuccess(answer -> {
        emit(id, SessionEvents.elicitationResolved(turn.elicitationId, answer.getString("action")));
        JsonArray content = new JsonArray().add(new JsonObject().put("type", "text").put("text", "answer: " + answer.encode()));
        JsonObject resultMsg = message("tool", "complete");
        resultMsg.getJsonArray("content").add(new JsonObject().put("type", "tool_result").put("callId", callId)
            .put("content", content).put("isError", false));
        s.getJsonArray("messages").add(resultMsg);
        emit(id, SessionEvents.toolResult(callId, content, false));
        endTurn(id, turn, "complete");
      });
    } else if (lower.contains("drain")) {
      // two calls wait for approval; once the first is answered the turn "moves" to another node (a drain), which
      // asks for both again with restored: true: the answered one must not be asked again in the UI
      stream(id, turn, reply, List.of("Let me ", "read two files."))
          .compose(v -> {
            List<String> ids = List.of("call_drain_a_" + UUID.randomUUID().toString().substring(0, 6),
                "call_drain_b_" + UUID.randomUUID().toString().substring(0, 6));
            for (String callId : ids) {
              reply.getJsonArray("content").add(new JsonObject().put("type", "tool_call").put("callId", callId).put("name", "read_file")
                  .put("arguments", drainArgs(callId)));
              turn.approvals.put(callId, Promise.promise());
              emit(id, SessionEvents.toolCall(callId, "read_file", drainArgs(callId)));
              emit(id, SessionEvents.approvalRequired(callId, "read_file", drainArgs(callId)));
            }
            return turn.approvals.get(ids.get(0)).future().compose(first -> {
              for (String callId : ids) emit(id, SessionEvents.approvalRequired(callId, "read_file", drainArgs(callId)).put("restored", true));
              emit(id, SessionEvents.delta(" (moved to another node)"));
              return turn.approvals.get(ids.get(1)).future();
            }).map(second -> ids);
          })
          .onSuccess(ids -> {
            if (turn.cancelled) return;
            JsonObject resultMsg = message("tool", "complete");
            for (String callId : ids) {
              JsonArray content = new JsonArray().add(new JsonObject().put("type", "text").put("text", "read " + callId));
              resultMsg.getJsonArray("content").add(new JsonObject().put("type", "tool_result").put("callId", callId)
                  .put("content", content).put("isError", false));
              emit(id, SessionEvents.toolResult(callId, content, false));
            }
            finish(s, reply, 12, 8);
            s.getJsonArray("messages").add(resultMsg);
            endTurn(id, turn, "complete");
          });
    } else if (lower.contains("tool")) {
      stream(id, turn, reply, List.of("Let me ", "look at ", "the file."))
          .compose(v -> {
            String callId = "call_" + UUID.randomUUID().toString().substring(0, 8);
            JsonObject args = new JsonObject().put("path", "README.md");
            reply.getJsonArray("content").add(new JsonObject().put("type", "tool_call").put("callId", callId).put("name", "read_file").put("arguments", args));
            emit(id, SessionEvents.toolCall(callId, "read_file", args));
            emit(id, SessionEvents.approvalRequired(callId, "read_file", args));
            turn.approval = Promise.promise();
            turn.approvalCallId = callId;
            return turn.approval.future().map(decision -> {
              boolean allowed = "allow".equals(decision);
              JsonArray content = new JsonArray().add(new JsonObject().put("type", "text")
                  .put("text", allowed ? "# Maestro\nA workbench for LLM agents." : "The user denied this tool call."));
              JsonObject resultMsg = message("tool", "complete");
              resultMsg.getJsonArray("content").add(new JsonObject().put("type", "tool_result").put("callId", callId)
                  .put("content", content).put("isError", !allowed));
              finish(s, reply, 12, 8);
              s.getJsonArray("messages").add(resultMsg);
              emit(id, SessionEvents.toolResult(callId, content, !allowed));
              return allowed;
            });
          })
          .compose(allowed -> {
            if (turn.cancelled) return Future.succeededFuture();
            JsonObject second = startAssistant(s, turn);
            return stream(id, turn, second, allowed
                    ? List.of("The README ", "says: **a workbench** ", "for LLM agents.")
                    : List.of("Understood, ", "I will not ", "read the file."))
                .onSuccess(v -> finish(s, second, 30, 9));
          })
          .onSuccess(v -> endTurn(id, turn, "complete"));
    } else if (lower.contains("think")) {
      // Thinking first (its own part), then the answer.
      reply.getJsonArray("content").clear().add(new JsonObject().put("type", "thinking").put("text", ""));
      stream(id, turn, reply, List.of("Considering ", "the <question>…"))
          .compose(v -> {
            reply.getJsonArray("content").add(new JsonObject().put("type", "text").put("text", ""));
            return stream(id, turn, reply, List.of("Having thought ", "about it: ", "*yes*."));
          })
          .onSuccess(v -> { finish(s, reply, 7, 11); endTurn(id, turn, "complete"); });
    } else if (lower.contains("partition")) {
      stream(id, turn, reply, List.of("Before the split, ")).onSuccess(v -> {
        // the rest was streamed by a copy the client could not hear; what is stored is the whole reply
        JsonObject part = reply.getJsonArray("content").getJsonObject(0);
        part.put("text", part.getString("text") + "the part nobody could deliver, and the end.");
        reply.put("status", "complete").put("usage", new JsonObject().put("inputTokens", 4L).put("outputTokens", 12L));
        announceGap(id, 3, turn.turnId);
        endTurn(id, turn, "complete");
      });
    } else if (lower.contains("slow")) {
      List<String> chunks = new ArrayList<>();
      for (int i = 0; i < 200; i++) chunks.add("word" + i + " ");
      stream(id, turn, reply, chunks).onSuccess(v -> { finish(s, reply, 5, 200); endTurn(id, turn, "complete"); });
    } else {
      List<String> chunks = List.of("You said: ", text, "\n\nHere is ", "some code:\n\n", "```java\nSystem.out.println(\"<hi>\");\n```\n", "\nDone.");
      stream(id, turn, reply, chunks).onSuccess(v -> { finish(s, reply, 10, 20); endTurn(id, turn, "complete"); });
    }
  }

  private JsonObject startAssistant(JsonObject s, Turn turn) {
    JsonObject reply = message("assistant", "streaming").put("turnId", turn.turnId);
    reply.getJsonArray("content").add(new JsonObject().put("type", "text").put("text", ""));
    s.getJsonArray("messages").add(reply);
    turn.message = reply;
    emit(s.getString("id"), SessionEvents.messageStarted(reply.getString("id"), "assistant"));
    return reply;
  }

  /** Emits one delta per step; fails (stops) when the turn is cancelled. */
  private Future<Void> stream(String sessionId, Turn turn, JsonObject reply, List<String> chunks) {
    Promise<Void> done = Promise.promise();
    step(sessionId, turn, reply, chunks, 0, done);
    return done.future();
  }

  private void step(String sessionId, Turn turn, JsonObject reply, List<String> chunks, int i, Promise<Void> done) {
    if (turn.cancelled) return;
    if (i >= chunks.size()) {
      done.complete();
      return;
    }
    JsonArray content = reply.getJsonArray("content");
    JsonObject text = content.getJsonObject(content.size() - 1);
    text.put("text", text.getString("text") + chunks.get(i));
    emit(sessionId, "thinking".equals(text.getString("type")) ? SessionEvents.thinkingDelta(chunks.get(i)) : SessionEvents.delta(chunks.get(i)));
    turn.timer = vertx.setTimer(STEP_MS, t -> step(sessionId, turn, reply, chunks, i + 1, done));
  }

  private void finish(JsonObject s, JsonObject reply, long in, long out) {
    reply.put("status", "complete").put("usage", new JsonObject().put("inputTokens", in).put("outputTokens", out));
    emit(s.getString("id"), SessionEvents.messageCompleted(reply.getString("id"), in, out));
  }

  private void endTurn(String sessionId, Turn turn, String status) {
    if (turns.remove(sessionId, turn)) emit(sessionId, SessionEvents.turnCompleted(turn.turnId, status));
  }

  @Override
  public Future<Void> cancel(String userId, String sessionId) {
    if (owned(userId, sessionId) == null) return notFound("session");
    calls.add(new JsonObject().put("op", "cancel").put("sessionId", sessionId));
    Turn turn = turns.get(sessionId);
    if (turn == null) return Future.succeededFuture();
    turn.cancelled = true;
    vertx.cancelTimer(turn.timer);
    if (turn.message != null && "streaming".equals(turn.message.getString("status"))) turn.message.put("status", "cancelled");
    if (turn.approval != null) turn.approval.tryFail("cancelled");
    turn.approvals.values().forEach(p -> p.tryFail("cancelled"));
    if (turn.elicitation != null && turn.elicitation.tryFail("cancelled")) {
      emit(sessionId, SessionEvents.elicitationResolved(turn.elicitationId, ElicitationForm.CANCEL));
    }
    endTurn(sessionId, turn, "cancelled");
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> compact(String userId, String sessionId) {
    return owned(userId, sessionId) == null ? notFound("session") : Future.succeededFuture();
  }

  /** The form the "elicit" turn asks for: one field per kind, all with defaults but the required name. */
  static final JsonObject ELICITATION_FORM = new JsonObject().put("type", "object").put("required", new JsonArray().add("name"))
      .put("properties", new JsonObject()
          .put("name", new JsonObject().put("type", "string").put("title", "Name").put("description", "Full name"))
          .put("age", new JsonObject().put("type", "integer").put("default", 30))
          .put("score", new JsonObject().put("type", "number").put("default", 95.5))
          .put("status", new JsonObject().put("type", "string").put("enum", new JsonArray().add("active").add("inactive").add("pending"))
              .put("default", "active"))
          .put("verified", new JsonObject().put("type", "boolean").put("default", true)));

  @Override
  public Future<JsonObject> requestElicitation(String sessionId, JsonObject request) {
    return notFound("session");
  }

  /** session-service's rules: defaults applied, content checked against the schema, unknown → 404. */
  @Override
  public Future<Void> answerElicitation(String userId, String sessionId, String elicitationId, String action, JsonObject content) {
    if (owned(userId, sessionId) == null) return notFound("session");
    if (!scripted) return answerRecorded(sessionId, elicitationId, action, content);
    Turn turn = turns.get(sessionId);
    if (turn == null || turn.elicitation == null || !elicitationId.equals(turn.elicitationId)) return notFound("pending elicitation");
    JsonObject answer = new JsonObject().put("action", action);
    if (ElicitationForm.ACCEPT.equals(action)) {
      JsonObject filled = ElicitationForm.applyDefaults(turn.elicitationSchema, content);
      JsonArray errors = ElicitationForm.validate(turn.elicitationSchema, filled);
      if (!errors.isEmpty()) {
        return ServiceException.fail(ErrorCodes.BAD_REQUEST, "content does not match the requested schema: " + ElicitationForm.describe(errors));
      }
      answer.put("content", filled);
    }
    turn.elicitation.tryComplete(answer);
    return Future.succeededFuture();
  }

  /** recording: the same rules as session-service: unknown → 404, answered → 409, content checked by ElicitationForm. */
  private Future<Void> answerRecorded(String sessionId, String elicitationId, String action, JsonObject content) {
    if (resolvedElicitations.containsKey(elicitationId)) return ServiceException.fail(ErrorCodes.CONFLICT, "already resolved");
    JsonObject schema = elicitations.get(elicitationId);
    if (schema == null) return notFound("pending elicitation");
    JsonObject filled = null;
    if (ElicitationForm.ACCEPT.equals(action)) {
      filled = ElicitationForm.applyDefaults(schema, content);
      JsonArray errors = ElicitationForm.validate(schema, filled);
      if (!errors.isEmpty()) {
        return ServiceException.fail(ErrorCodes.BAD_REQUEST, "content does not match the requested schema: "
            + ElicitationForm.describe(errors), new JsonObject().put("errors", errors));
      }
    }
    elicitations.remove(elicitationId);
    resolvedElicitations.put(elicitationId, action);
    calls.add(new JsonObject().put("op", "answerElicitation").put("sessionId", sessionId).put("elicitationId", elicitationId)
        .put("action", action).put("content", filled));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> approve(String userId, String sessionId, String callId, String decision) {
    if (owned(userId, sessionId) == null) return notFound("session");
    calls.add(new JsonObject().put("op", "approve").put("sessionId", sessionId).put("callId", callId).put("decision", decision));
    if (!scripted) return Future.succeededFuture();
    Turn turn = turns.get(sessionId);
    Promise<String> waiting = turn == null ? null : turn.approvals.get(callId);
    if (waiting != null) {
      waiting.tryComplete(decision);
      return Future.succeededFuture();
    }
    if (turn == null || turn.approval == null || !callId.equals(turn.approvalCallId)) return notFound("pending approval");
    turn.approval.tryComplete(decision);
    return Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> events(String userId, String sessionId, long afterSeq) {
    if (owned(userId, sessionId) == null) return notFound("session");
    Runnable hook = beforeEventsReply;
    if (hook != null) hook.run();
    JsonArray items = new JsonArray();
    synchronized (this) {
      for (JsonObject e : events.getOrDefault(sessionId, List.of())) if (e.getLong("seq") > afterSeq) items.add(e);
    }
    return Future.succeededFuture(new JsonObject().put("items", items));
  }

  /**
   * Sends an event with the session's next seq to the nodes following it and keeps it for events().
   * (It is also published on the per-session address, for harnesses that listen there.)
   */
  public synchronized JsonObject emit(String sessionId, JsonObject event) {
    JsonObject envelope = hold(sessionId, event);
    // serialized once and sent as bytes with the seq header to each follower's inbox, like session-service's EventLog
    Buffer bytes = SessionEvents.encode(envelope);
    SessionFollowers f = followers.get(sessionId);
    if (f != null) f.send(vertx.eventBus(), envelope.getLong("seq"), -1, bytes);
    SessionEvents.publish(vertx.eventBus(), sessionId, envelope.getLong("seq"), bytes);
    return envelope;
  }

  private final Map<String, SessionFollowers> followers = new HashMap<>();

  /** Sends bytes as they are, with seq in its header, to the session's followers (nothing held). */
  public synchronized void sendRaw(String sessionId, long seq, Buffer bytes) {
    sendRaw(sessionId, seq, -1, bytes);
  }

  /** The same with an owner epoch in the header (issue 17). */
  public synchronized void sendRaw(String sessionId, long seq, long epoch, Buffer bytes) {
    SessionFollowers f = followers.get(sessionId);
    if (f != null) f.send(vertx.eventBus(), seq, epoch, bytes);
  }

  /** Holds an envelope as given (its own seq and epoch, e.g. an earlier owner's turn end) for events(), unpublished. */
  public synchronized void holdEnvelope(String sessionId, JsonObject envelope) {
    events.computeIfAbsent(sessionId, k -> new ArrayList<>()).add(envelope);
  }

  /**
   * Answers {@link Addresses#SESSION_FOLLOW} like session-service does for a live session (every session
   * of this fake is live): the inbox's lease, and the held events after afterSeq when asked.
   */
  public io.vertx.core.eventbus.MessageConsumer<JsonObject> bindFollows() {
    return vertx.eventBus().consumer(Addresses.SESSION_FOLLOW, m -> {
      JsonObject r = m.body();
      String sessionId = r.getString("sessionId");
      if (r.getString("userId") != null && owned(r.getString("userId"), sessionId) == null) {
        m.reply(new ServiceException(ErrorCodes.NOT_FOUND, "session not found")); // whole, as SessionRouter.fail does
        return;
      }
      JsonObject answer = new JsonObject().put("live", true).put("owner", "fake").put("epoch", -1L)
          .put("leaseMs", SessionFollowers.LEASE_MS);
      synchronized (this) {
        SessionFollowers f = followers.computeIfAbsent(sessionId, SessionFollowers::new);
        if (r.getBoolean("unfollow", false)) f.unfollow(r.getString("inbox"), r.getString("token"));
        else f.follow(r.getString("inbox"), r.getString("token"));
        if (r.getValue("afterSeq") instanceof Number after) {
          JsonArray items = new JsonArray();
          for (JsonObject e : events.getOrDefault(sessionId, List.of())) if (e.getLong("seq") > after.longValue()) items.add(e);
          answer.put("items", items);
        }
      }
      m.reply(answer);
    });
  }

  /**
   * Numbers and holds an event (a resume gets it) without publishing it: what a subscriber sees when
   * a delivery does not reach it (e.g. its cluster registration was not yet known to the publisher).
   */
  public synchronized JsonObject emitUnpublished(String sessionId, JsonObject event) {
    return hold(sessionId, event);
  }

  /**
   * Skips n seq numbers whose events nobody will deliver and emits the truncated marker announcing them
   * under the last of them, as session-service does before an earlier owner's turn end (issue 17).
   */
  public synchronized JsonObject announceGap(String sessionId, int n, String turnId) {
    long from = events.getOrDefault(sessionId, List.of()).size() + skipped.getOrDefault(sessionId, 0L) + 1;
    skipped.merge(sessionId, (long) n - 1, Long::sum);
    return emit(sessionId, SessionEvents.truncated(from, from + n - 1, turnId));
  }

  /** Seq numbers skipped per session ({@link #announceGap}): a held event's seq is its position plus these. */
  private final Map<String, Long> skipped = new HashMap<>();

  private JsonObject hold(String sessionId, JsonObject event) {
    List<JsonObject> held = events.computeIfAbsent(sessionId, k -> new ArrayList<>());
    JsonObject envelope = SessionEvents.envelope(sessionId, held.size() + 1L + skipped.getOrDefault(sessionId, 0L), event);
    held.add(envelope);
    return envelope;
  }

  @Override
  public Future<JsonObject> export(String userId, String sessionId, String format) {
    JsonObject s = owned(userId, sessionId);
    if (s == null) return notFound("session");
    if ("json".equals(format)) return Future.succeededFuture(new JsonObject().put("contentType", "application/json").put("body", view(s)));
    StringBuilder md = new StringBuilder("# ").append(s.getString("title")).append("\n\n");
    for (Object o : s.getJsonArray("messages")) {
      JsonObject m = (JsonObject) o;
      md.append("## ").append(m.getString("role")).append("\n\n");
      for (Object p : m.getJsonArray("content")) {
        JsonObject part = (JsonObject) p;
        if (part.getString("text") != null) md.append(part.getString("text")).append("\n\n");
      }
    }
    return Future.succeededFuture(new JsonObject().put("contentType", "text/markdown").put("body", md.toString()));
  }

  @Override
  public Future<JsonObject> importSession(String userId, JsonObject export) {
    return create(userId, new JsonObject().put("title", export.getString("title", "imported"))
        .put("provider", export.getString("provider", "openai")).put("model", export.getString("model", "m")));
  }

  @Override
  public synchronized Future<JsonObject> createTemplate(String userId, JsonObject template) {
    if (template.getString("name") == null) return ServiceException.fail(ErrorCodes.BAD_REQUEST, "name is required");
    String id = UUID.randomUUID().toString();
    JsonObject t = template.copy().put("id", id).put("userId", userId);
    templates.put(id, t);
    return Future.succeededFuture(t);
  }

  @Override
  public synchronized Future<JsonObject> listTemplates(String userId, JsonObject query) {
    JsonArray items = new JsonArray();
    templates.values().stream().filter(t -> userId.equals(t.getString("userId"))).forEach(items::add);
    return Future.succeededFuture(new JsonObject().put("items", items).putNull("nextCursor"));
  }

  @Override
  public synchronized Future<JsonObject> getTemplate(String userId, String templateId) {
    JsonObject t = templates.get(templateId);
    return t == null || !userId.equals(t.getString("userId")) ? notFound("template") : Future.succeededFuture(t);
  }

  @Override
  public synchronized Future<JsonObject> updateTemplate(String userId, String templateId, JsonObject template) {
    JsonObject t = templates.get(templateId);
    if (t == null || !userId.equals(t.getString("userId"))) return notFound("template");
    t.mergeIn(template);
    return Future.succeededFuture(t);
  }

  @Override
  public synchronized Future<Void> deleteTemplate(String userId, String templateId) {
    JsonObject t = templates.get(templateId);
    if (t == null || !userId.equals(t.getString("userId"))) return notFound("template");
    templates.remove(templateId);
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<JsonObject> sendIdempotent(String userId, String sessionId, String text, String idempotencyKey) {
    // as session-service's send_key table: a known key answers with the first send's ids, no second turn
    String k = sessionId + "/" + idempotencyKey;
    JsonObject first = sentKeys.get(k);
    if (first != null && owned(userId, sessionId) != null) return Future.succeededFuture(first.copy().put("duplicate", true));
    return send(userId, sessionId, text).onSuccess(r -> sentKeys.put(k, r.copy()));
  }
}
