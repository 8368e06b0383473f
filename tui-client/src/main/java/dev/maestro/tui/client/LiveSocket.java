package dev.maestro.tui.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The gateway WebSocket ({@code /api/v1/ws}) with automatic reconnection.
 *
 * <p>It remembers, per subscribed session, the last {@code seq} delivered; after a reconnect it
 * subscribes again with {@code afterSeq} = that seq, so the server replays exactly what was missed.
 * Events at or below the remembered seq are dropped, so nothing is delivered twice. All state is
 * touched on the Vert.x context that created the socket (one event loop).
 */
public final class LiveSocket {
  public enum State { CONNECTING, CONNECTED, RECONNECTING, CLOSED }

  public interface Listener {
    void onEvent(String sessionId, long seq, JsonObject event);

    /** An event outside the resumable stream (presence carries no seq): delivered as it comes. */
    default void onUnsequencedEvent(String sessionId, JsonObject event) {}

    void onState(State state, String detail);

    /** A {"type":"error"} frame: the server refused a frame; the connection stays open. */
    default void onServerError(String code, String message) {}

    /**
     * A {"type":"mcp_catalog"} frame: an MCP server's prompts or resources changed, or a server came or went
     * ({@code kind}, {@code server}); also called after every reconnect, since such frames are not replayed.
     */
    default void onCatalogChanged(JsonObject frame) {}
  }

  private static final long MAX_BACKOFF_MS = 5_000;
  /** How often the socket's silence is checked ({@link SilenceWatch}). */
  private static final long WATCH_TICK_MS = 500;

  private final Vertx vertx;
  private final WebSocketClient client;
  private final String wsUrl;
  private final String token;
  private final Listener listener;
  /** sessionId → last seq delivered (null: subscribed live, nothing delivered yet). */
  private final Map<String, Long> subscriptions = new LinkedHashMap<>();
  private WebSocket ws;
  private State state = State.CONNECTING;
  private long backoffMs = 200;
  private long pingTimer = -1;
  /** Silence of the open socket: a gateway cut off by the network is noticed in seconds, not TCP's minutes. */
  private SilenceWatch silence;
  private int attempts;
  /** idempotency key → send frame not yet acknowledged, in send order. */
  private final Map<String, JsonObject> unacked = new LinkedHashMap<>();
  private static final String SEND_REF = "send:";
  private Promise<Void> firstConnect = Promise.promise();

  public LiveSocket(Vertx vertx, String baseUrl, String token, Listener listener) {
    this.vertx = vertx;
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setConnectTimeout(10_000)
        .setMaxFrameSize(1 << 20).setMaxMessageSize(16 << 20));
    this.wsUrl = toWsUrl(baseUrl) + "/api/v1/ws";
    this.token = token;
    this.listener = listener;
  }

  static String toWsUrl(String baseUrl) {
    String b = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    if (b.startsWith("https://")) {
      return "wss://" + b.substring(8);
    }
    if (b.startsWith("http://")) {
      return "ws://" + b.substring(7);
    }
    return b;
  }

  public State state() {
    return state;
  }

  /** Connects; the future completes on the first successful connection (retries keep going after). */
  public Future<Void> connect() {
    open();
    return firstConnect.future();
  }

  /**
   * Subscribes to a session. afterSeq null subscribes to live events only; a number asks the server
   * for every held event after it.
   */
  public void subscribe(String sessionId, Long afterSeq) {
    subscriptions.put(sessionId, afterSeq);
    if (ws != null && state == State.CONNECTED) {
      write(subscribeFrame(sessionId, afterSeq));
    }
  }

  public void unsubscribe(String sessionId) {
    if (subscriptions.remove(sessionId) != null || ws != null) {
      if (ws != null && state == State.CONNECTED) {
        write(new JsonObject().put("type", "unsubscribe").put("sessionId", sessionId));
      }
    }
  }

  public Long lastSeq(String sessionId) {
    return subscriptions.get(sessionId);
  }

  /**
   * Sends a message with a fresh idempotency key. Until the gateway acknowledges it, the frame is kept
   * and sent again (same key) after a reconnect: a send whose acknowledgement was lost with the
   * connection (a gateway killed mid-request) starts exactly one turn, never zero or two.
   */
  public Future<Void> send(String sessionId, String text) {
    String key = UUID.randomUUID().toString();
    JsonObject frame = new JsonObject().put("type", "send").put("id", SEND_REF + key).put("sessionId", sessionId)
        .put("text", text).put("idempotencyKey", key);
    unacked.put(key, frame);
    return write(frame);
  }

  /** Sends waiting for the gateway's acknowledgement (resent after a reconnect). */
  public int unacknowledgedSends() {
    return unacked.size();
  }

  /** A message with MCP resources attached ([{serverId, uri}]). */
  public Future<Void> send(String sessionId, String text, io.vertx.core.json.JsonArray attachments) {
    JsonObject frame = new JsonObject().put("type", "send").put("sessionId", sessionId).put("text", text);
    if (attachments != null && !attachments.isEmpty()) frame.put("attachments", attachments);
    return write(frame);
  }

  public Future<Void> cancel(String sessionId) {
    return write(new JsonObject().put("type", "cancel").put("sessionId", sessionId));
  }

  public Future<Void> approve(String sessionId, String callId, boolean allow) {
    return write(new JsonObject().put("type", "approve").put("sessionId", sessionId).put("callId", callId)
        .put("decision", allow ? "allow" : "deny"));
  }

  /** Answers an elicitation_required; content (accept only, may be null) is completed with defaults by the server. */
  public Future<Void> elicit(String sessionId, String elicitationId, String action, JsonObject content) {
    JsonObject frame = new JsonObject().put("type", "elicit").put("sessionId", sessionId).put("elicitationId", elicitationId)
        .put("action", action);
    if (content != null) {
      frame.put("content", content);
    }
    return write(frame);
  }

  public Future<Void> close() {
    setState(State.CLOSED, "closed");
    if (pingTimer >= 0) {
      vertx.cancelTimer(pingTimer);
    }
    Future<Void> f = ws == null ? Future.succeededFuture() : ws.close().recover(t -> Future.succeededFuture());
    return f.compose(v -> client.close());
  }

  private Future<Void> write(JsonObject frame) {
    WebSocket w = ws;
    if (w == null || state != State.CONNECTED) {
      return Future.failedFuture(new ApiException("not connected to the gateway", null));
    }
    return w.writeTextMessage(frame.encode());
  }

  private static JsonObject subscribeFrame(String sessionId, Long afterSeq) {
    JsonObject f = new JsonObject().put("type", "subscribe").put("sessionId", sessionId);
    if (afterSeq != null) {
      f.put("afterSeq", afterSeq);
    }
    return f;
  }

  private void open() {
    if (state == State.CLOSED) {
      return;
    }
    attempts++;
    WebSocketConnectOptions options = new WebSocketConnectOptions().setAbsoluteURI(wsUrl)
        .addHeader("Authorization", "Bearer " + token);
    client.connect(options).onComplete(ar -> {
      if (state == State.CLOSED) {
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      if (ar.failed()) {
        if (ar.cause() instanceof UpgradeRejectedException rejected
            && (rejected.getStatus() == 401 || rejected.getStatus() == 403)) {
          // a revoked or wrong token does not get better by retrying
          String why = "token rejected (HTTP " + rejected.getStatus() + ")";
          setState(State.CLOSED, why);
          firstConnect.tryFail(new ApiException(rejected.getStatus(), "the gateway refused the WebSocket: " + why));
          return;
        }
        String why = ar.cause().getMessage();
        if (!firstConnect.future().isComplete() && attempts >= 3) {
          firstConnect.tryFail(new ApiException("cannot open the WebSocket " + wsUrl + ": " + why, ar.cause()));
        }
        scheduleReconnect(why);
        return;
      }
      onOpen(ar.result());
    });
  }

  private void onOpen(WebSocket socket) {
    ws = socket;
    backoffMs = 200;
    silence = new SilenceWatch(System.currentTimeMillis());
    // a socket given up as silent may still deliver what it had buffered: only the current one counts
    socket.textMessageHandler(text -> {
      if (ws == socket) {
        onFrame(text);
      }
    });
    socket.exceptionHandler(t -> { });
    socket.closeHandler(v -> {
      if (ws == socket) {
        ws = null;
        scheduleReconnect("connection closed");
      }
    });
    boolean reconnect = firstConnect.future().isComplete();
    setState(State.CONNECTED, "connected");
    if (reconnect) {
      listener.onCatalogChanged(new JsonObject().put("type", "mcp_catalog").put("kind", "reconnected"));
    }
    for (Map.Entry<String, Long> e : subscriptions.entrySet()) {
      socket.writeTextMessage(subscribeFrame(e.getKey(), e.getValue()).encode());
    }
    for (JsonObject frame : unacked.values()) {
      socket.writeTextMessage(frame.encode());
    }
    if (pingTimer < 0) {
      pingTimer = vertx.setPeriodic(WATCH_TICK_MS, id -> watchSilence());
    }
    firstConnect.tryComplete();
  }

  /** A ping when the socket has been quiet; a reconnect when even that went unanswered (see SilenceWatch). */
  private void watchSilence() {
    WebSocket socket = ws;
    if (socket == null || state != State.CONNECTED) {
      return;
    }
    switch (silence.tick(System.currentTimeMillis())) {
      case PING -> write(new JsonObject().put("type", "ping"));
      case DEAD -> {
        // not ws.close(): its close handshake would wait for the silent peer; the socket is dropped and a
        // new one opened at once (its close handler, when it comes, finds ws already replaced)
        ws = null;
        socket.close().onComplete(ar -> { });
        scheduleReconnect("no answer from the gateway for " + (SilenceWatch.PING_AFTER_MS + SilenceWatch.PONG_WITHIN_MS) / 1000 + " s");
      }
      default -> { }
    }
  }

  private void scheduleReconnect(String why) {
    if (state == State.CLOSED) {
      return;
    }
    setState(State.RECONNECTING, why);
    long delay = backoffMs;
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    vertx.setTimer(delay, id -> open());
  }

  private void onFrame(String text) {
    if (silence != null) {
      silence.onFrame(System.currentTimeMillis());
    }
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException e) {
      return;
    }
    switch (frame.getString("type", "")) {
      case "event" -> {
        String sessionId = frame.getString("sessionId");
        Long seq = frame.getLong("seq");
        JsonObject event = frame.getJsonObject("event");
        if (sessionId == null || event == null || !subscriptions.containsKey(sessionId)) {
          return;
        }
        if (seq == null) {
          listener.onUnsequencedEvent(sessionId, event);
          return;
        }
        Long last = subscriptions.get(sessionId);
        if (last != null && seq <= last) {
          return; // already delivered before a reconnect
        }
        subscriptions.put(sessionId, seq);
        listener.onEvent(sessionId, seq, event);
      }
      case "mcp_catalog" -> listener.onCatalogChanged(frame);
      case "ack" -> forget(frame.getValue("id"));
      case "error" -> {
        forget(frame.getValue("id")); // refused (not lost): sending it again would be refused again
        listener.onServerError(frame.getString("code"), frame.getString("message"));
      }
      default -> { }
    }
  }

  private void forget(Object ref) {
    if (ref instanceof String r && r.startsWith(SEND_REF)) {
      unacked.remove(r.substring(SEND_REF.length()));
    }
  }

  private void setState(State s, String detail) {
    if (state != s) {
      state = s;
      listener.onState(s, detail);
    }
  }
}
