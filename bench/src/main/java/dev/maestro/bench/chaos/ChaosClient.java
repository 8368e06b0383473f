package dev.maestro.bench.chaos;

import dev.maestro.tui.client.SilenceWatch;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One chaos session client: its own WebSocket to one gateway, subscribed to its session, sending one
 * message after the other (a slow 40-chunk reply, then a tool call, alternately), each with a fresh
 * {@code idempotencyKey}. When the socket closes without it asking, it connects to the next gateway,
 * subscribes with {@code afterSeq} = the last seq it received, and resends its last message with the
 * same key (the ack must say {@code duplicate} with the same turn). Errors on sends are retried with
 * the same key. A socket that goes silent (a gateway cut off by a partition neither answers nor closes) is
 * noticed as the TUI notices it ({@link SilenceWatch}: a ping after 2 s of silence, given up 3 s later) and
 * handled like a close. Every callback takes the client's lock: Vert.x may call it on different threads.
 */
final class ChaosClient {
  private static final long STALL_MS = 30_000;
  /** How long the client "thinks" before it allows a tool call that asks (drain scenario: some wait at SIGTERM). */
  private static final long APPROVE_AFTER_MS = 2_000;

  private final Vertx vertx;
  private final WebSocketClient wsc;
  private final List<URI> gateways;
  private final String token;
  final String sessionId;
  final int index;
  final SessionLedger ledger = new SessionLedger();
  /** What the client saw go wrong, by kind: error frame codes, "close", "connect", "bad_json". */
  private final ConcurrentMap<String, AtomicLong> errors;

  private int gw;
  private WebSocket ws;
  /** Silence of the current socket (null while none is open). */
  private SilenceWatch silence;
  private boolean stopping;
  private int sent;
  /** The message in flight: its key and text (null when idle). */
  private String key;
  private String text;
  private String turnId;
  private boolean resendOnSubscribe;
  private long lastEventMs = System.currentTimeMillis();
  private int stallRetries;
  long reconnects;
  long stalled;
  boolean started;
  /** Answers approval_required (allow, after APPROVE_AFTER_MS), once per call id: the drain scenario asks for list_dir. */
  private final boolean approves;
  private final java.util.Set<String> approved = new java.util.HashSet<>();
  long approvalsAnswered;
  /** approval_required with "restored": true — asked again by the node a drain handed the waiting turn to. */
  long approvalsRestored;
  /**
   * Drain scenario, every other client: approvals asked before the fault has ended are held (not answered)
   * until the node a drain handed the turn to asks again (restored: then answered at once) or the fault has
   * ended (the drained node exited: then answered, wherever the turn is). So a known number of turns — every
   * such client's — wait for their user when SIGTERM comes, instead of whichever happened to be in the 2-s
   * window of the others.
   */
  private final boolean holds;
  private boolean faultOver;
  /** Held call ids not answered yet, in the order asked. */
  private final java.util.Set<String> pending = new java.util.LinkedHashSet<>();
  /** Every call id this client held, and those of them asked again with restored: true. */
  final java.util.Set<String> heldCalls = new java.util.LinkedHashSet<>();
  final java.util.Set<String> heldReAsked = new java.util.LinkedHashSet<>();

  ChaosClient(Vertx vertx, WebSocketClient wsc, List<URI> gateways, String token, String sessionId, int index,
      ConcurrentMap<String, AtomicLong> errors, boolean approves, boolean holds) {
    this.approves = approves;
    this.holds = approves && holds;
    this.vertx = vertx;
    this.wsc = wsc;
    this.gateways = gateways;
    this.token = token;
    this.sessionId = sessionId;
    this.index = index;
    this.gw = index % gateways.size();
    this.errors = errors;
  }

  synchronized void start() {
    connect();
  }

  /** No new message after the one in flight. */
  synchronized void stop() {
    stopping = true;
  }

  synchronized boolean idle() {
    return key == null;
  }

  synchronized void close() {
    stopping = true;
    if (ws != null) ws.close();
    ws = null;
  }

  private void connect() {
    URI g = gateways.get(gw);
    wsc.connect(new WebSocketConnectOptions().setHost(g.getHost()).setPort(g.getPort()).setURI("/api/v1/ws?client=tui")
            .addHeader("Authorization", "Bearer " + token).setTimeout(10_000))
        .onComplete(ar -> {
          synchronized (this) {
            if (ar.failed()) {
              count("connect_failed");
              gw = (gw + 1) % gateways.size();
              vertx.setTimer(300, t -> { synchronized (this) { connect(); } });
              return;
            }
            WebSocket s = ar.result();
            if (ws == null && stopping && key == null) {
              s.close();
              return;
            }
            ws = s;
            silence = new SilenceWatch(System.currentTimeMillis());
            // a socket given up as silent may still deliver what it had buffered: only the current one counts
            s.textMessageHandler(text -> { synchronized (this) { if (ws == s) onFrame(text); } });
            s.exceptionHandler(e -> { });
            s.closeHandler(v -> onClose(s));
            JsonObject sub = new JsonObject().put("type", "subscribe").put("sessionId", sessionId).put("id", "sub");
            if (ledger.lastSeq() >= 0) sub.put("afterSeq", ledger.lastSeq());
            s.writeTextMessage(sub.encode());
          }
        });
  }

  private synchronized void onClose(WebSocket s) {
    if (ws != s) return;
    ws = null;
    if (stopping && key == null) return;
    count("closed_" + (s.closeStatusCode() == null ? "abnormally" : s.closeStatusCode()));
    reconnectElsewhere();
  }

  /** Called twice a second: a ping when the socket is quiet, a reconnect elsewhere when even that went unanswered. */
  synchronized void watchSilence(long now) {
    WebSocket s = ws;
    if (s == null || silence == null) return;
    switch (silence.tick(now)) {
      case PING -> s.writeTextMessage(new JsonObject().put("type", "ping").encode());
      case DEAD -> {
        // not a close handshake with a peer that does not answer: dropped, and a new socket at once
        ws = null;
        s.close();
        if (stopping && key == null) return;
        count("silent_socket");
        reconnectElsewhere();
      }
      default -> { }
    }
  }

  private void reconnectElsewhere() {
    reconnects++;
    resendOnSubscribe = key != null || ledger.lastSeq() >= 0;
    gw = (gw + 1) % gateways.size();
    vertx.setTimer(200, t -> { synchronized (this) { connect(); } });
  }

  private void onFrame(String frame) {
    long now = System.currentTimeMillis();
    silence.onFrame(now);
    JsonObject f;
    try {
      f = new JsonObject(frame);
    } catch (RuntimeException e) {
      count("bad_json");
      return;
    }
    switch (f.getString("type", "")) {
      case "ack" -> onAck(f, now);
      case "error" -> onError(f);
      case "event" -> {
        if (f.getLong("seq") == null) return; // presence
        lastEventMs = now;
        stallRetries = 0;
        ledger.onEvent(f, now);
        JsonObject ev = f.getJsonObject("event", new JsonObject());
        if (approves && "approval_required".equals(ev.getString("type"))) onApproval(ev);
        if ("turn_completed".equals(ev.getString("type")) && turnId != null && ledger.turnEnded(turnId)) next();
      }
      default -> { }
    }
  }

  private void onAck(JsonObject f, long now) {
    String action = f.getString("action", "");
    if ("subscribe".equals(action)) {
      if (resendOnSubscribe) {
        resendOnSubscribe = false;
        resendLast();
      } else if (key == null && !stopping && !started) {
        started = true;
        next();
      }
    } else if ("send".equals(action)) {
      String ackKey = f.getString("id", "");
      boolean resend = ackKey.startsWith("re:");
      if (resend) ackKey = ackKey.substring(3);
      String k = ackKey.startsWith("send:") ? ackKey.substring(5) : ackKey;
      SessionLedger.Ack before = ledger.ack(k);
      ledger.onAck(k, k.equals(key) ? text : "?", f, resend, now);
      if (k.equals(key) && before == null) {
        turnId = f.getString("turnId");
        lastEventMs = now;
        if (ledger.turnEnded(turnId)) next(); // its turn_completed came before the ack
      }
    }
  }

  /** Allows the call after a while, once (one asked again after a drain and already answered is not answered again). */
  private void onApproval(JsonObject ev) {
    String callId = ev.getString("callId");
    boolean restored = ev.getBoolean("restored", false);
    if (restored) approvalsRestored++;
    if (callId == null || approved.contains(callId)) return;
    if (restored && heldCalls.contains(callId)) heldReAsked.add(callId);
    if (pending.contains(callId)) {
      // held: the next owner has the turn now (restored), so the answer goes there; else it stays held
      if (restored) {
        pending.remove(callId);
        lastEventMs = System.currentTimeMillis();
        approve(callId);
      }
      return;
    }
    if (holds && !faultOver) {
      pending.add(callId);
      heldCalls.add(callId);
      return;
    }
    vertx.setTimer(APPROVE_AFTER_MS, t -> { synchronized (this) { approve(callId); } });
  }

  /** Approvals this client holds now (drain scenario). */
  synchronized int holding() {
    return pending.size();
  }

  /** Whether this client holds approvals in this run. */
  boolean holds() {
    return holds;
  }

  /** The fault has ended (the drained node exited): held approvals are answered, later ones as usual. */
  synchronized void faultOver() {
    faultOver = true;
    lastEventMs = System.currentTimeMillis();
    for (String callId : new java.util.ArrayList<>(pending)) approve(callId);
    pending.clear();
  }

  private void approve(String callId) {
    if (approved.contains(callId)) return;
    if (ws == null) {
      // reconnecting: answered once the socket is back
      vertx.setTimer(500, t -> { synchronized (this) { approve(callId); } });
      return;
    }
    approved.add(callId);
    approvalsAnswered++;
    ws.writeTextMessage(new JsonObject().put("type", "approve").put("sessionId", sessionId).put("callId", callId)
        .put("decision", "allow").put("id", "approve:" + callId).encode());
  }

  private void onError(JsonObject f) {
    count(f.getString("code", "error"));
    String id = f.getString("id", "");
    if (id.startsWith("approve:")) {
      // counted above (a client would have shown it); answered again so the turn does not wait for the expiry
      String callId = id.substring(8);
      approved.remove(callId);
      vertx.setTimer(1_000, t -> { synchronized (this) { approve(callId); } });
      return;
    }
    if (id.startsWith("send:") || id.startsWith("re:send:")) {
      String k = id.substring(id.indexOf("send:") + 5);
      if (!k.equals(key) || ledger.ack(k) != null) return;
      // not acknowledged (unavailable, timeout, rate limited, conflict): the same key again shortly
      vertx.setTimer(1_000, t -> { synchronized (this) { if (k.equals(key) && ledger.ack(k) == null) write(false); } });
    } else if ("sub".equals(id) && ws != null) {
      WebSocket s = ws;
      vertx.setTimer(1_000, t -> { synchronized (this) { if (ws == s) s.close(); } }); // reconnect elsewhere
    }
  }

  /** After a reconnect: the last message again with its key (also when its turn already ended). */
  private void resendLast() {
    if (key != null) {
      write(true);
      return;
    }
    if (!stopping) next();
  }

  private void next() {
    key = null;
    text = null;
    turnId = null;
    if (stopping) return;
    vertx.setTimer(200, t -> {
      synchronized (this) {
        if (stopping || key != null) return;
        sent++;
        key = UUID.randomUUID().toString();
        text = sent % 2 == 1
            ? "slow please, chaos s" + index + " m" + sent
            : "call tool list_dir with {} chaos s" + index + " m" + sent;
        lastEventMs = System.currentTimeMillis();
        write(false);
      }
    });
  }

  private void write(boolean resend) {
    if (ws == null || key == null) return;
    ws.writeTextMessage(new JsonObject().put("type", "send").put("sessionId", sessionId).put("text", text)
        .put("idempotencyKey", key).put("id", (resend ? "re:" : "") + "send:" + key).encode());
  }

  private void count(String kind) {
    errors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
  }

  /** Called every few seconds: a turn silent for 30 s gets a reconnect, three of them give it up. */
  synchronized void watchdog(long now) {
    if (!pending.isEmpty()) lastEventMs = now; // silent on purpose: it holds its answer
    if (key == null || now - lastEventMs < STALL_MS) return;
    lastEventMs = now;
    if (++stallRetries > 3) {
      stalled++;
      stallRetries = 0;
      next();
      return;
    }
    count("watchdog_reconnect");
    if (ws != null) ws.close(); // onClose reconnects to the next gateway and resends
  }
}
