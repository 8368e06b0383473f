package dev.maestro.gateway.openai;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.contracts.session.SessionService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One {@code /v1/chat/completions} call: the conversation is imported as a fresh session of the caller
 * (earlier messages as history, system messages as its system prompt), the last user message is sent as
 * a turn, and the session's events are relayed: deltas as {@code chat.completion.chunk}s (stream) or
 * gathered into one {@code chat.completion}. A template's tools run server-side in the turn; a call that
 * needs approval waits for someone to approve it in Maestro (web UI, WebSocket, API), or is denied at
 * once when the template's params say {@code "openaiApprovals":"deny"}. The session is deleted when the
 * call ends (the audit trail keeps what it did); a client that goes away cancels the turn.
 * <p>A {@code truncated} marker (BUS.md, Session events) says some of the turn's events will never come (an
 * earlier owner streamed them, or the held events were capped): at the turn's end the reply is then taken from
 * the stored session instead of the deltas: the answer (non-streaming) is the stored text, and a stream gets
 * what it missed as one more chunk before the stop chunk (see {@link #complete}).
 */
final class ChatRun {
  private static final Logger LOG = LoggerFactory.getLogger(ChatRun.class);
  /** The longest a call may run (approvals included) before its turn is cancelled. */
  static final long MAX_RUN_MS = 10 * 60_000L;

  private final Vertx vertx;
  private final SessionService sessions;
  private final String userId;
  private final String modelName;
  private final boolean stream;
  private final boolean includeUsage;
  private final String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
  private final long created = System.currentTimeMillis() / 1000;
  private final Promise<JsonObject> done = Promise.promise();
  private final List<Buffer> pending = new ArrayList<>();
  private final StringBuilder lastMessage = new StringBuilder();
  /** Every delta's text relayed in this call, all messages of the turn (what a stream's client holds). */
  private final StringBuilder streamed = new StringBuilder();
  private ChatTarget target;
  private String sessionId;
  private dev.maestro.platform.SessionInbox.Follow follow;
  private HttpServerResponse out;
  private long inputTokens;
  private long outputTokens;
  private JsonObject turnError;
  /** The turn this call runs (turn_started), for a marker or end that names none. */
  private String turnId;
  /** The last truncated marker seen: the relayed deltas are not the whole reply. */
  private JsonObject truncated;
  /** The turn ended and its stored reply is being read: later events (a repeated end) are ignored. */
  private boolean ending;
  private long timer = -1;
  private boolean finished;

  ChatRun(Vertx vertx, SessionService sessions, String userId, JsonObject body) {
    this.vertx = vertx;
    this.sessions = sessions;
    this.userId = userId;
    this.modelName = body.getString("model");
    this.stream = body.getBoolean("stream", false);
    this.includeUsage = body.getJsonObject("stream_options", new JsonObject()).getBoolean("include_usage", false);
  }

  boolean streaming() {
    return stream;
  }

  /** The conversation and the target → the session created, subscribed and its turn sent. */
  Future<Void> start(ChatTarget target, Conversation conversation, java.util.function.Supplier<Future<Void>> sendLimit) {
    this.target = target;
    JsonObject export = new JsonObject().put("format", "maestro.session.v1").put("session", new JsonObject()
            .put("title", "openai " + modelName).put("provider", target.provider()).put("model", target.model())
            .put("systemPrompt", join(target.systemPrompt(), conversation.system()))
            .put("tools", target.tools()).put("params", target.params()))
        .put("messages", conversation.history());
    return sendLimit.get()
        .compose(v -> sessions.importSession(userId, export))
        .compose(s -> {
          sessionId = s.getString("id");
          return sessions.update(userId, sessionId, new JsonObject().put("credentialId", target.credentialId()));
        })
        .compose(s -> {
          // through this node's inbox (issue 14): the session is not live yet, its activation brings the follow
          follow = dev.maestro.platform.SessionInbox.of(vertx).follow(userId, sessionId, e -> onEvent(e.bytes()));
          return follow.ready();
        })
        .compose(v -> sessions.send(userId, sessionId, conversation.lastUserText()))
        .<Void>mapEmpty()
        .onSuccess(v -> timer = vertx.setTimer(MAX_RUN_MS, t -> {
          LOG.info("openai call {}: no answer within {} ms; cancelling its turn", id, MAX_RUN_MS);
          sessions.cancel(userId, sessionId);
        }))
        .onFailure(err -> cleanUp());
  }

  private static String join(String a, String b) {
    if (a == null || a.isEmpty()) return b;
    if (b == null || b.isEmpty()) return a;
    return a + "\n\n" + b;
  }

  /** Non-streaming: completes with the chat.completion (or fails with the turn's error). */
  Future<JsonObject> completion() {
    return done.future();
  }

  /** Streaming: takes the response (headers not yet written) and writes every chunk to it, then [DONE]. */
  void attach(HttpServerResponse res) {
    out = res;
    res.setChunked(true).setStatusCode(200).putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store").putHeader("X-Accel-Buffering", "no");
    res.closeHandler(v -> clientGone());
    res.write(sse(OpenAiShapes.chunk(id, created, modelName, new JsonObject().put("role", "assistant").put("content", ""), null)));
    pending.forEach(res::write);
    pending.clear();
    if (finished) res.end();
  }

  /** The client closed the connection before the end: the turn is cancelled (its end then cleans up). */
  void clientGone() {
    if (!finished && !ending && sessionId != null) {
      LOG.info("openai call {}: the client went away; cancelling the turn", id);
      sessions.cancel(userId, sessionId);
    }
  }

  private void onEvent(Object body) {
    JsonObject envelope = SessionEvents.read(body);
    if (envelope == null || !(envelope.getValue("event") instanceof JsonObject e) || ending) return;
    switch (e.getString("type", "")) {
      case SessionEvents.TURN_STARTED -> turnId = e.getString("turnId");
      case SessionEvents.MESSAGE_STARTED -> lastMessage.setLength(0);
      case SessionEvents.DELTA -> {
        String text = e.getString("text", "");
        lastMessage.append(text);
        streamed.append(text);
        if (stream) emit(sse(OpenAiShapes.chunk(id, created, modelName, new JsonObject().put("content", text), null)));
      }
      case SessionEvents.APPROVAL_REQUIRED -> {
        if (target.denyApprovals()) sessions.approve(userId, sessionId, e.getString("callId"), "deny");
        else LOG.info("openai call {}: tool call {} waits for approval in session {}", id, e.getString("callId"), sessionId);
      }
      case SessionEvents.MESSAGE_COMPLETED -> {
        JsonObject u = e.getJsonObject("usage", new JsonObject());
        inputTokens += u.getLong("inputTokens", 0L);
        outputTokens += u.getLong("outputTokens", 0L);
      }
      case SessionEvents.TURN_ERROR -> turnError = new JsonObject().put("code", e.getString("code")).put("message", e.getString("message"));
      case SessionEvents.TRUNCATED -> {
        truncated = e;
        LOG.info("openai call {}: events {}..{} of session {} will not come; its stored reply completes the answer", id,
            e.getValue("fromSeq"), e.getValue("throughSeq"), sessionId);
      }
      case SessionEvents.TURN_COMPLETED -> ended(e);
      default -> { }
    }
  }

  /** The turn's end: after a truncated marker its stored reply is read first (the session is deleted at the end). */
  private void ended(JsonObject e) {
    String status = e.getString("status", SessionEvents.ERROR);
    if (truncated == null || !SessionEvents.COMPLETE.equals(status)) {
      finish(status, null);
      return;
    }
    ending = true;
    String turn = e.getString("turnId", truncated.getString("turnId", turnId));
    Future<StoredReply> read = turn == null ? Future.failedFuture("the turn's id is unknown")
        : sessions.get(userId, sessionId).compose(s -> {
          StoredReply r = StoredReply.of(s, turn);
          return r != null ? Future.succeededFuture(r) : Future.failedFuture("no assistant message of turn " + turn + " is stored");
        });
    read.onComplete(ar -> {
      if (ar.failed()) {
        // what was relayed stands: a reply missing its lost part beats failing a turn that completed
        LOG.warn("openai call {}: the stored reply of session {} could not be read after a gap ({}); answering with what was relayed",
            id, sessionId, ar.cause().getMessage());
      }
      finish(status, ar.result());
    });
  }

  private void finish(String status, StoredReply stored) {
    if (finished) return;
    finished = true;
    if (stored != null && stored.hasUsage()) {
      // the message_completed events (and their usage) may have been among the lost ones: the stored counts
      // hold them too, so the larger of the two is the turn's
      inputTokens = Math.max(inputTokens, stored.inputTokens());
      outputTokens = Math.max(outputTokens, stored.outputTokens());
    }
    JsonObject usage = OpenAiShapes.usage(inputTokens, outputTokens);
    boolean ok = SessionEvents.COMPLETE.equals(status);
    if (stream) {
      if (ok) {
        if (stored != null) complete(stored);
        emit(sse(OpenAiShapes.chunk(id, created, modelName, new JsonObject(), "stop")));
        if (includeUsage) emit(sse(OpenAiShapes.chunk(id, created, modelName, null, null).put("choices", new JsonArray()).put("usage", usage)));
      } else {
        emit(sse(OpenAiErrors.of(failure(status)).getJsonObject("body")));
      }
      emit(Buffer.buffer("data: [DONE]\n\n"));
      if (out != null) out.end();
    } else if (ok) {
      String text = stored != null ? stored.finalText() : lastMessage.toString();
      done.tryComplete(OpenAiShapes.completion(id, created, modelName, text, "stop", usage));
    } else {
      done.tryFail(failure(status));
    }
    cleanUp();
  }

  /**
   * A stream after a gap: the stored text normally continues what was relayed (the gap lost its tail), so the
   * rest goes out as one more chunk. When it does not (the relayed part came from an attempt that was not
   * stored, or a hole lies inside it), nothing sent can be taken back: the stored final reply follows whole
   * after a blank line, so the client ends with the complete answer, below the fragment it already has.
   */
  private void complete(StoredReply stored) {
    String whole = stored.wholeText();
    String had = streamed.toString();
    String more;
    if (whole.startsWith(had)) {
      more = whole.substring(had.length());
    } else {
      LOG.warn("openai call {}: the stored reply of session {} does not continue the {} chars relayed; sending it whole", id, sessionId,
          had.length());
      more = "\n\n" + stored.finalText();
    }
    if (!more.isEmpty()) emit(sse(OpenAiShapes.chunk(id, created, modelName, new JsonObject().put("content", more), null)));
  }

  /** The turn's failure as the front door maps it: an upstream problem is a 502, a cancelled turn a 499-like 408. */
  private ServiceException failure(String status) {
    if (turnError != null) {
      String code = turnError.getString("code", "error");
      int http = code.contains("rate") || "429".equals(code) ? 429 : "budget_exceeded".equals(code) ? 402 : 502;
      return new ServiceException(http, "the model failed: " + turnError.getString("message", code), new JsonObject().put("code", code));
    }
    return new ServiceException(ErrorCodes.UNAVAILABLE, "the turn ended " + status, new JsonObject().put("code", status));
  }

  private void emit(Buffer b) {
    if (out != null) {
      if (!out.ended()) out.write(b);
    } else {
      pending.add(b);
    }
  }

  private static Buffer sse(JsonObject data) {
    return Buffer.buffer("data: " + data.encode() + "\n\n");
  }

  private void cleanUp() {
    finished = true;
    if (timer >= 0) vertx.cancelTimer(timer);
    if (follow != null) follow.close();
    if (sessionId != null) {
      String sid = sessionId;
      sessions.delete(userId, sid).onFailure(err -> LOG.info("openai call {}: session {} not deleted: {}", id, sid, err.getMessage()));
    }
  }
}
