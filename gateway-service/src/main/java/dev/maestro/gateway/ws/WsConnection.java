package dev.maestro.gateway.ws;

import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.gateway.api.Caller;
import dev.maestro.gateway.api.Operations;
import dev.maestro.gateway.api.Query;
import dev.maestro.gateway.api.SendOnce;
import dev.maestro.gateway.auth.Ids;
import dev.maestro.gateway.auth.Principal;
import dev.maestro.gateway.presence.Presence;
import dev.maestro.platform.ServiceFailures;
import dev.maestro.platform.SessionInbox;
import dev.maestro.platform.TextRules;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One client socket speaking the protocol of API.md. Everything runs on the socket's event loop,
 * so no state here needs locking. Outbound frames are counted until the kernel has them; past
 * {@code maxQueued} the client is too slow and is closed with {@link CloseCodes#SLOW_CONSUMER}
 * instead of letting memory grow.
 * Session events arrive as the bytes their publisher serialized (with the seq in a header) and are
 * written to the socket as those bytes: the gateway never parses or re-encodes a relayed event.
 */
public class WsConnection {
  final String id = UUID.randomUUID().toString();
  final ServerWebSocket ws;
  final Principal principal;
  final String client;
  private final Vertx vertx;
  private final Operations operations;
  private final Presence presence;
  private final int maxQueued;
  private final Runnable onClose;
  private final String remoteAddress;
  private final Map<String, Subscription> subs = new HashMap<>();
  /** The socket's context (set at start), where subscriptions are touched. */
  private io.vertx.core.Context context;
  private int inflight;
  private boolean closed;
  private FrameRateLimit frameLimit;
  long lastSeen = System.currentTimeMillis();

  /** The largest frame written; a longer event goes out as continuation frames (clients' frame limit, 64 KiB by default). */
  static final int MAX_FRAME = 65_536;

  /** A session event as relayed: its seq (-1: none, e.g. presence) and its JSON bytes. */
  record Relayed(long seq, long epoch, Buffer bytes) { }

  /** Live events arriving while the backlog is fetched wait in {@code pending}. */
  private static final class Subscription {
    final String sessionId;
    SessionInbox.Follow follow;
    long lastSeq;
    /** Drops what a stale owner of the session publishes after a newer owner was heard (issue 17). */
    final StaleEpochFilter epochs = new StaleEpochFilter();
    boolean ready;
    List<Relayed> pending = new ArrayList<>();

    Subscription(String sessionId, long lastSeq) {
      this.sessionId = sessionId;
      this.lastSeq = lastSeq;
    }
  }

  private final io.micrometer.core.instrument.Timer relayLatency;

  static io.micrometer.core.instrument.Timer relayLatency(Vertx vertx) {
    return io.micrometer.core.instrument.Timer.builder(dev.maestro.platform.MetricNames.RELAY_CHUNK_LATENCY)
        .description("from a session event's arrival at the gateway to its frame handed to the socket")
        .register(dev.maestro.platform.Observability.registry(vertx));
  }

  WsConnection(Vertx vertx, ServerWebSocket ws, Principal principal, String client, Operations operations,
               Presence presence, int maxQueued, Runnable onClose) {
    this.vertx = vertx;
    this.ws = ws;
    this.relayLatency = relayLatency(vertx);
    this.principal = principal;
    this.client = client;
    this.operations = operations;
    this.presence = presence;
    this.maxQueued = maxQueued;
    this.onClose = onClose;
    this.remoteAddress = ws.remoteAddress() == null ? null : ws.remoteAddress().hostAddress();
  }

  /** Caps the frames this client may send per second ({@link FrameRateLimit}). */
  void limitFrames(int perSecond, int burst) {
    frameLimit = new FrameRateLimit(perSecond, burst, System.nanoTime());
  }

  /** False when the frame must be dropped (the client was told, or is being closed). */
  private boolean admit() {
    if (frameLimit == null) return true;
    switch (frameLimit.onFrame(System.nanoTime())) {
      case ACCEPT:
        return true;
      case DROP_AND_TELL:
        send(errorFrame(null, null, "rate_limited", "too many frames: this socket may send " + frameLimit + "; the frame was dropped")
            .put("retryAfterMs", frameLimit.retryAfterMs()));
        return false;
      case CLOSE:
        close(CloseCodes.TOO_MANY_FRAMES, "too many frames");
        return false;
      default:
        return false;
    }
  }

  void start() {
    context = vertx.getOrCreateContext();
    ws.textMessageHandler(text -> {
      if (admit()) onText(text);
    });
    ws.binaryMessageHandler(b -> {
      if (admit()) error(null, null, "bad_frame", "send JSON objects in text frames");
    });
    ws.pongHandler(b -> lastSeen = System.currentTimeMillis());
    // Vert.x reports an over-long message as an exception and keeps the socket open; we close it (1009)
    // rather than keep reading a client that ignores the limit.
    ws.exceptionHandler(err -> {
      if (String.valueOf(err.getMessage()).contains("overflow max message size")) close(CloseCodes.TOO_BIG, "message too big");
    });
    ws.closeHandler(v -> cleanup());
  }

  List<Presence.Entry> presenceEntries() {
    List<Presence.Entry> list = new ArrayList<>();
    for (String s : subs.keySet()) list.add(new Presence.Entry(s, id, client));
    return list;
  }

  void close(short code, String reason) {
    if (closed) return;
    ws.close(code, reason).onComplete(ar -> cleanup());
    cleanup();
  }

  private void cleanup() {
    if (closed) return;
    closed = true;
    for (Subscription s : subs.values()) {
      s.follow.close();
      presence.leave(new Presence.Entry(s.sessionId, id, client));
    }
    subs.clear();
    onClose.run();
  }

  private void onText(String text) {
    lastSeen = System.currentTimeMillis();
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (RuntimeException e) {
      error(null, null, "bad_frame", "a frame must be one JSON object");
      return;
    }
    Object ref = frame.getValue("id");
    if (ref != null && !(ref instanceof String || ref instanceof Number)) ref = null;
    JsonArray badText = TextRules.check(frame, "(frame)");
    if (!badText.isEmpty()) {
      if (ref instanceof String r && TextRules.problem(r) != null) ref = null;
      JsonObject first = badText.getJsonObject(0);
      send(errorFrame(ref, null, "bad_frame", "\"" + first.getString("field") + "\" " + first.getString("message")).put("errors", badText));
      return;
    }
    Object type = frame.getValue("type");
    if (!(type instanceof String t)) {
      error(ref, null, "bad_frame", "the frame needs a string \"type\"");
      return;
    }
    if (t.equals("ping")) {
      send(new JsonObject().put("type", "pong"));
      return;
    }
    Object sid = frame.getValue("sessionId");
    if (!(sid instanceof String sessionId) || !Ids.valid(sessionId)) {
      if (!List.of("subscribe", "unsubscribe", "send", "cancel", "approve", "elicit").contains(t)) {
        error(ref, null, "bad_frame", "unknown frame type '" + truncate(t) + "'");
      } else {
        error(ref, null, "bad_frame", "\"sessionId\" must be a session id (UUID)");
      }
      return;
    }
    switch (t) {
      case "subscribe" -> {
        Object after = frame.getValue("afterSeq");
        if (after != null && !(after instanceof Integer || after instanceof Long)) {
          error(ref, sessionId, "bad_frame", "\"afterSeq\" must be an integer");
        } else if (after != null && ((Number) after).longValue() < -1) {
          error(ref, sessionId, "bad_frame", "\"afterSeq\" must be -1 or more");
        } else {
          subscribe(ref, sessionId, after == null ? null : ((Number) after).longValue());
        }
      }
      case "unsubscribe" -> {
        Subscription s = subs.remove(sessionId);
        if (s != null) {
          s.follow.close();
          presence.leave(new Presence.Entry(sessionId, id, client));
        }
        ack(ref, "unsubscribe", sessionId, new JsonObject());
      }
      case "send" -> {
        Object textValue = frame.getValue("text");
        if (!(textValue instanceof String msg) || msg.isEmpty() || msg.length() > 200_000) {
          error(ref, sessionId, "bad_frame", "\"text\" must be a non-empty string of at most 200000 characters");
          return;
        }
        Object mode = frame.getValue("mode");
        if (mode != null && !"queue".equals(mode) && !"steer".equals(mode)) {
          error(ref, sessionId, "bad_frame", "\"mode\" must be queue or steer");
          return;
        }
        Object key = frame.getValue("idempotencyKey");
        if (key != null && (!(key instanceof String k) || k.isEmpty() || k.length() > SendOnce.MAX_KEY)) {
          error(ref, sessionId, "bad_frame", "\"idempotencyKey\" must be a string of 1 to " + SendOnce.MAX_KEY + " characters");
          return;
        }
        JsonObject sendBody = new JsonObject().put("text", msg);
        if (mode != null) sendBody.put("mode", mode);
        if (key != null) sendBody.put("idempotencyKey", key);
        // MCP resources attached ([{serverId, uri}]): checked by sendMessage's schema like the HTTP body
        if (frame.getValue("attachments") != null) sendBody.put("attachments", frame.getValue("attachments"));
        reply(ref, "send", sessionId, op("sendMessage", sessionId, Map.of(), sendBody));
      }
      case "cancel" -> reply(ref, "cancel", sessionId, op("cancelTurn", sessionId, Map.of(), null).map(v -> new JsonObject()));
      case "approve" -> {
        Object callId = frame.getValue("callId");
        Object decision = frame.getValue("decision");
        if (!(callId instanceof String c) || c.isEmpty() || c.length() > 200) {
          error(ref, sessionId, "bad_frame", "\"callId\" must be a string");
        } else if (!"allow".equals(decision) && !"deny".equals(decision)) {
          error(ref, sessionId, "bad_frame", "\"decision\" must be allow or deny");
        } else {
          JsonObject approveBody = new JsonObject().put("decision", decision);
          if (Boolean.TRUE.equals(frame.getValue("forSession"))) approveBody.put("forSession", true);
          reply(ref, "approve", sessionId, op("approveToolCall", sessionId, Map.of("callId", c), approveBody).map(v -> new JsonObject()));
        }
      }
      case "elicit" -> {
        Object elicitationId = frame.getValue("elicitationId");
        Object action = frame.getValue("action");
        Object content = frame.getValue("content");
        if (!(elicitationId instanceof String e) || e.isEmpty() || e.length() > 200) {
          error(ref, sessionId, "bad_frame", "\"elicitationId\" must be a string");
        } else if (!(action instanceof String a) || !ElicitationForm.isAction(a)) {
          error(ref, sessionId, "bad_frame", "\"action\" must be accept, decline or cancel");
        } else if (content != null && !(content instanceof JsonObject)) {
          error(ref, sessionId, "bad_frame", "\"content\" must be an object");
        } else {
          JsonObject answer = new JsonObject().put("action", a);
          if (content != null) answer.put("content", content);
          reply(ref, "elicit", sessionId, op("answerElicitation", sessionId, Map.of("elicitationId", e), answer)
              .map(v -> new JsonObject()));
        }
      }
      default -> error(ref, sessionId, "bad_frame", "unknown frame type '" + truncate(t) + "'");
    }
  }

  /**
   * Follows the session through this node's inbox first ({@link SessionInbox}: no cluster registration
   * per subscription, issue 14) and only then fetches what the server holds after {@code afterSeq}, so
   * an event published in between is seen by one path or the other; the per-subscription
   * {@code lastSeq} drops whichever copy comes second.
   */
  private void subscribe(Object ref, String sessionId, Long afterSeq) {
    Subscription old = subs.remove(sessionId);
    if (old != null) old.follow.close();
    Subscription sub = new Subscription(sessionId, afterSeq == null ? Long.MIN_VALUE : afterSeq);
    subs.put(sessionId, sub);
    // called from the socket's frame handler: this is the socket's context (its event loop), where the
    // inbox delivers too
    io.vertx.core.Context socketContext = vertx.getOrCreateContext();
    sub.follow = SessionInbox.of(vertx).follow(principal.userId(), sessionId, e -> onEvent(sub, e));
    sub.follow.ready()
        .compose(v -> afterSeq == null
            // only the access: the session's history is not loaded, nor the session activated (issue 14)
            ? op("checkSessionAccess", sessionId, Map.of(), null).map(s -> new JsonArray())
            : op("sessionEvents", sessionId, Map.of("afterSeq", String.valueOf(afterSeq)), null)
                .map(j -> j.getJsonArray("items", new JsonArray())))
        // the answer may complete on another thread (a pool's, Redis'): back to the socket's loop, where
        // the relay consumer runs too, so pending/subs see one thread and ack + backlog are one tick (one flush)
        .onComplete(ar -> socketContext.runOnContext(x -> {
          if (ar.succeeded()) backlogReady(ref, sessionId, afterSeq, sub, ar.result());
          else subscribeFailed(ref, sessionId, sub, ar.cause());
        }));
  }

  private void backlogReady(Object ref, String sessionId, Long afterSeq, Subscription sub, JsonArray items) {
    if (closed || subs.get(sessionId) != sub) return;
    ack(ref, "subscribe", sessionId, new JsonObject().put("afterSeq", afterSeq));
    deliverBacklog(sub, items);
    presence.join(new Presence.Entry(sessionId, id, client));
  }

  private void subscribeFailed(Object ref, String sessionId, Subscription sub, Throwable err) {
    if (subs.get(sessionId) == sub) {
      subs.remove(sessionId);
      sub.follow.close();
    }
    error(ref, sessionId, err);
  }

  private void onEvent(Subscription sub, SessionInbox.Event e) {
    if (closed) return;
    long arrived = System.nanoTime();
    Relayed body = new Relayed(e.seq(), e.epoch(), e.bytes());
    if (!sub.ready) {
      sub.pending.add(body);
      if (sub.pending.size() > maxQueued) close(CloseCodes.SLOW_CONSUMER, "slow consumer");
      return;
    }
    // (not yet raising the epoch seen: what the gap holds may be an earlier owner's turn end, issue 17)
    if (sub.lastSeq != Long.MIN_VALUE && body.seq() > sub.lastSeq + 1 && sub.epochs.wouldAccept(body.epoch())) {
      fillGap(sub, body);
      return;
    }
    if (deliver(sub, body)) relayLatency.record(System.nanoTime() - arrived, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /**
   * An event numbered past the next one: what lies between was published before this subscription
   * reached the publisher (a cluster registration becomes known to the other members a little after
   * it completes here) or is a new owner's jump to its own seq block. Either way the held events after
   * the last one delivered are fetched from the owner and delivered in order, live ones waiting
   * meanwhile, so a client never sees a gap the server could have filled (chaos gateway-kill, issue 17).
   */
  private void fillGap(Subscription sub, Relayed first) {
    sub.ready = false;
    sub.pending = new ArrayList<>();
    sub.pending.add(first);
    long after = sub.lastSeq;
    io.vertx.core.Context socketContext = vertx.getOrCreateContext();
    op("sessionEvents", sub.sessionId, Map.of("afterSeq", String.valueOf(after)), null)
        .map(j -> j.getJsonArray("items", new JsonArray()))
        .otherwise(err -> new JsonArray()) // the owner away: what was relayed still goes out, in order
        .onComplete(ar -> socketContext.runOnContext(x -> {
          if (closed || subs.get(sub.sessionId) != sub) return;
          deliverBacklog(sub, ar.result());
        }));
  }

  /**
   * Fetches, for every subscription that is live, the held events after the last one delivered (the
   * cluster re-formed after a split: see WsGateway). Live events wait meanwhile, as for a gap.
   */
  void catchUp() {
    if (context == null) return;
    context.runOnContext(v -> {
      if (closed) return;
      for (Subscription sub : new ArrayList<>(subs.values())) {
        if (!sub.ready || sub.lastSeq == Long.MIN_VALUE) continue;
        sub.ready = false;
        sub.pending = new ArrayList<>();
        op("sessionEvents", sub.sessionId, Map.of("afterSeq", String.valueOf(sub.lastSeq)), null)
            .map(j -> j.getJsonArray("items", new JsonArray()))
            .otherwise(err -> new JsonArray())
            .onComplete(ar -> context.runOnContext(x -> {
              if (closed || subs.get(sub.sessionId) != sub) return;
              deliverBacklog(sub, ar.result());
            }));
      }
    });
  }

  private void deliverBacklog(Subscription sub, JsonArray items) {
    List<JsonObject> backlog = new ArrayList<>();
    for (Object o : items) if (o instanceof JsonObject j) backlog.add(envelope(sub.sessionId, j));
    backlog.sort(Comparator.comparingLong(j -> j.getLong("seq", 0L)));
    sub.ready = true;
    for (JsonObject e : backlog) deliver(sub, new Relayed(e.getLong("seq", -1L), e.getLong(SessionEvents.EPOCH, -1L), e.toBuffer()));
    List<Relayed> pending = sub.pending;
    sub.pending = null;
    for (Relayed e : pending) deliver(sub, e);
  }

  /** False when the envelope was already delivered (by seq) or comes from a stale owner (by epoch). */
  private boolean deliver(Subscription sub, Relayed envelope) {
    if (!sub.epochs.accept(envelope.epoch())) return false;
    long seq = envelope.seq();
    if (seq >= 0) {
      if (seq <= sub.lastSeq) return false;
      sub.lastSeq = seq;
    }
    sendText(envelope.bytes());
    return true;
  }

  private static JsonObject envelope(String sessionId, JsonObject item) {
    if ("event".equals(item.getString("type"))) return item;
    return SessionEvents.envelope(item.getString("sessionId", sessionId), item.getLong("seq", 0L), item.getJsonObject("event"));
  }

  /**
   * A frame's work is the API operation of the same name, through {@link Operations}: the user and
   * role are read again from the store (a user deleted or demoted since the handshake is refused),
   * rate limits and schema as for HTTP. {@code extra} holds path parameters other than the session
   * id, or query parameters for reads.
   */
  private Future<JsonObject> op(String operationId, String sessionId, Map<String, String> extra, JsonObject body) {
    Map<String, String> path = new HashMap<>(extra);
    path.put("id", sessionId);
    MultiMap query = MultiMap.caseInsensitiveMultiMap();
    extra.forEach(query::add);
    return operations.invoke(operationId, Caller.of(principal, remoteAddress), path, new Query(query), body)
        .map(r -> r.body() instanceof JsonObject j ? j : new JsonObject());
  }

  private void reply(Object ref, String action, String sessionId, Future<JsonObject> result) {
    result.onSuccess(r -> ack(ref, action, sessionId, r == null ? new JsonObject() : r))
        .onFailure(err -> error(ref, sessionId, err));
  }

  private void ack(Object ref, String action, String sessionId, JsonObject extra) {
    JsonObject frame = new JsonObject().put("type", "ack").put("action", action).put("sessionId", sessionId).mergeIn(extra);
    if (ref != null) frame.put("id", ref);
    send(frame);
  }

  private void error(Object ref, String sessionId, Throwable err) {
    JsonObject problem = ServiceFailures.toProblem(err);
    int status = problem.getInteger("status");
    String code = switch (status) {
      case 400 -> "bad_request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 409 -> "conflict";
      case 410 -> "gone";
      case 421 -> "unavailable"; // a stale owner refused it, nothing was done: the same frame again reaches the current one
      case 429 -> "rate_limited";
      case 502 -> "upstream";
      case 503 -> "unavailable";
      case 504 -> "timeout";
      default -> "internal";
    };
    JsonObject frame = errorFrame(ref, sessionId, code, problem.getString("detail"));
    if (problem.containsKey("retryAfter")) frame.put("retryAfter", problem.getValue("retryAfter"));
    if (problem.containsKey("errors")) frame.put("errors", problem.getValue("errors"));
    send(frame);
  }

  private void error(Object ref, String sessionId, String code, String message) {
    send(errorFrame(ref, sessionId, code, message));
  }

  private static JsonObject errorFrame(Object ref, String sessionId, String code, String message) {
    JsonObject frame = new JsonObject().put("type", "error").put("code", code).put("message", message);
    if (sessionId != null) frame.put("sessionId", sessionId);
    if (ref != null) frame.put("id", ref);
    return frame;
  }

  void send(JsonObject frame) {
    if (closed) return;
    if (inflight >= maxQueued) {
      close(CloseCodes.SLOW_CONSUMER, "slow consumer");
      return;
    }
    inflight++;
    ws.writeTextMessage(frame.encode()).onComplete(ar -> inflight--);
  }

  /**
   * Writes bytes that already are a JSON text as one text message, as they are (no decode, no
   * encode). Vert.x has no public "text message from a Buffer", hence its frame class; a message
   * longer than {@link #MAX_FRAME} is split into continuation frames like writeTextMessage does.
   */
  void sendText(Buffer json) {
    if (closed) return;
    if (inflight >= maxQueued) {
      close(CloseCodes.SLOW_CONSUMER, "slow consumer");
      return;
    }
    inflight++;
    int len = json.length();
    if (len <= MAX_FRAME) {
      ws.writeFrame(frame(WebSocketFrameType.TEXT, json, true)).onComplete(ar -> inflight--);
      return;
    }
    for (int from = 0; from < len; from += MAX_FRAME) {
      int to = Math.min(len, from + MAX_FRAME);
      Future<Void> written = ws.writeFrame(frame(from == 0 ? WebSocketFrameType.TEXT : WebSocketFrameType.CONTINUATION,
          json.slice(from, to), to == len));
      if (to == len) written.onComplete(ar -> inflight--);
    }
  }

  private static WebSocketFrameImpl frame(WebSocketFrameType type, Buffer data, boolean last) {
    return new WebSocketFrameImpl(type, ((BufferInternal) data).getByteBuf(), last);
  }

  void ping() {
    if (!closed) ws.writePing(io.vertx.core.buffer.Buffer.buffer("hb")).onFailure(err -> { });
  }

  private static String truncate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }
}
