package dev.maestro.tui.fake;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small stand-in for the gateway that speaks the parts of API.md the TUI uses: token minting,
 * sessions, messages, tools/templates/models and the WebSocket protocol with seq and afterSeq.
 *
 * <p>Its "model" behaves like the real system's fake upstream: a message T is answered with a
 * streamed {@code Echo: T}; {@code call tool NAME with {JSON}} makes a tool call, and the tools
 * write_file/run_command need approval first. {@code fail} ends the turn with a turn_error.
 * Everything runs on the server's event loop, so no locking is needed.
 */
public final class FakeGateway {
  public static final String USERNAME = "admin";
  public static final String PASSWORD = "secret-pw";
  private static final Pattern TOOL_CALL = Pattern.compile("call tool (\\w+) with (\\{.*})", Pattern.DOTALL);
  private static final Set<String> ASK = Set.of("write_file", "run_command");

  private final Vertx vertx;
  private final Set<String> tokens = new HashSet<>();
  private final Map<String, FakeSession> sessions = new LinkedHashMap<>();
  private final List<ServerWebSocket> sockets = new ArrayList<>();
  /** Sockets made silent by {@link #silenceSockets}: still open, never answered. */
  private final Set<ServerWebSocket> silenced = new HashSet<>();
  private long pingsUnanswered;
  private final Map<ServerWebSocket, Set<String>> subscriptions = new HashMap<>();
  private final Set<String> sendKeys = new HashSet<>();
  private boolean loseNextSendAck;
  private final List<JsonObject> framesReceived = new java.util.concurrent.CopyOnWriteArrayList<>();
  private HttpServer server;
  private Context context;
  /** Delay between streamed chunks, so streaming is visible on screen. */
  private long chunkDelayMs = 5;

  static final class FakeSession {
    final JsonObject data;
    final JsonArray messages = new JsonArray();
    final List<JsonObject> events = new ArrayList<>();
    long seq;
    final Map<String, Runnable> waitingApprovals = new HashMap<>();
    boolean cancelled;

    FakeSession(JsonObject data) {
      this.data = data;
    }
  }

  private volatile String commandSandbox = "bubblewrap";

  public FakeGateway(Vertx vertx, String token) {
    this.vertx = vertx;
    tokens.add(token);
  }

  /** What GET /tools says run_command runs in, as tool-service does: bubblewrap | rlimits | none. */
  public FakeGateway commandSandbox(String sandbox) {
    this.commandSandbox = sandbox;
    return this;
  }

  public FakeGateway chunkDelay(long ms) {
    this.chunkDelayMs = ms;
    return this;
  }

  /** Starts the server on its own context; every handler and timer of the fake runs there. */
  public Future<Integer> start(int port) {
    context = vertx.getOrCreateContext();
    return on(() -> {
      server = vertx.createHttpServer();
      return server.requestHandler(this::handle).listen(port, "127.0.0.1").map(HttpServer::actualPort);
    }).compose(f -> f);
  }

  /** Runs a test control on the fake's context (its state is single-threaded). */
  public <T> Future<T> on(Supplier<T> action) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        p.complete(action.get());
      } catch (RuntimeException e) {
        p.fail(e);
      }
    });
    return p.future();
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  // -------- test controls (call them on the server's context via runOnContext or from its handlers)

  public String createSession(String title, String provider, String model) {
    return newSession(new JsonObject().put("title", title).put("provider", provider).put("model", model))
        .data.getString("id");
  }

  /** Publishes an event to the session as the session service would. */
  public long publish(String sessionId, JsonObject event) {
    FakeSession s = sessions.get(sessionId);
    long seq = ++s.seq;
    JsonObject envelope = new JsonObject().put("type", "event").put("sessionId", sessionId).put("seq", seq)
        .put("event", event);
    s.events.add(envelope);
    for (ServerWebSocket ws : List.copyOf(sockets)) {
      if (subscriptions.getOrDefault(ws, Set.of()).contains(sessionId)) {
        ws.writeTextMessage(envelope.encode());
      }
    }
    return seq;
  }

  /** MCP resources listed by GET /api/v1/mcp-resources (none until a test adds one), and how often the lists were read. */
  private final JsonArray mcpResources = new JsonArray();
  private int mcpResourceFetches;
  private int mcpPromptFetches;

  /** Writes a frame to every open WebSocket, as the gateway does with mcp_catalog. */
  public void broadcast(JsonObject frame) {
    for (ServerWebSocket ws : List.copyOf(sockets)) {
      ws.writeTextMessage(frame.encode());
    }
  }

  /** Closes every WebSocket, as a network failure would. */
  public void dropSockets() {
    for (ServerWebSocket ws : List.copyOf(sockets)) {
      ws.close();
    }
  }

  /**
   * Every open WebSocket goes silent without closing, as behind a cut network path: nothing more is
   * written to it and its frames (pings included) go unanswered. Sockets opened afterwards work.
   */
  public void silenceSockets() {
    for (ServerWebSocket ws : List.copyOf(sockets)) {
      silenced.add(ws);
      sockets.remove(ws);
      Set<String> subs = subscriptions.remove(ws);
      if (subs != null) {
        subs.forEach(this::presence);
      }
    }
  }

  /** Pings that reached a silenced socket (and went unanswered). */
  public long pingsUnanswered() {
    return pingsUnanswered;
  }

  public int openSockets() {
    return sockets.size();
  }

  /** The next send starts its turn, then the socket closes before the acknowledgement is written. */
  public void loseNextSendAck() {
    loseNextSendAck = true;
  }

  /** Turns started by send frames (a duplicate key does not start one). */
  public long turnsStarted(String sessionId) {
    return framesReceived.stream().filter(f -> "send".equals(f.getString("type")) && sessionId.equals(f.getString("sessionId")))
        .map(f -> f.getString("idempotencyKey", UUID.randomUUID().toString())).distinct().count();
  }

  public List<JsonObject> framesReceived() {
    return framesReceived;
  }

  public JsonObject session(String id) {
    FakeSession s = sessions.get(id);
    return s == null ? null : full(s);
  }

  // -------- HTTP

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (path.equals("/health")) {
      req.response().end(new JsonObject().put("status", "UP").encode());
      return;
    }
    if (path.equals("/api/v1/auth/token") && req.method() == HttpMethod.POST) {
      body(req).onSuccess(b -> {
        if (USERNAME.equals(b.getString("username")) && PASSWORD.equals(b.getString("password"))) {
          String token = "tok-" + UUID.randomUUID();
          tokens.add(token);
          json(req, 201, new JsonObject().put("id", UUID.randomUUID().toString()).put("token", token)
              .put("name", b.getString("name")));
        } else {
          problem(req, 401, "Unauthorized", "bad username or password");
        }
      });
      return;
    }
    String auth = req.getHeader("Authorization");
    if (auth == null || !auth.startsWith("Bearer ") || !tokens.contains(auth.substring(7))) {
      problem(req, 401, "Unauthorized", "missing or invalid token");
      return;
    }
    if (path.equals("/api/v1/ws")) {
      req.toWebSocket().onSuccess(this::socket);
      return;
    }
    if (path.equals("/fake/mcp-resource") && req.method() == HttpMethod.POST) {
      // test control (tui-e2e.sh with E2E_FAKE_MCP): an MCP server "fake" gains a resource, and the gateway says so
      body(req).onSuccess(b -> {
        mcpResources.add(new JsonObject().put("serverId", "fake-mcp").put("server", "fake").put("uri", b.getString("uri"))
            .put("name", b.getString("name")));
        broadcast(new JsonObject().put("type", "mcp_catalog").put("kind", "resources_changed").put("server", "fake")
            .put("serverId", "fake-mcp"));
        json(req, 200, new JsonObject());
      });
      return;
    }
    if (path.equals("/fake/mcp-fetches")) {
      json(req, 200, new JsonObject().put("resources", mcpResourceFetches).put("prompts", mcpPromptFetches));
      return;
    }
    String[] p = path.split("/");
    // p: "", "api", "v1", resource, id?, action?
    if (p.length < 4 || !p[1].equals("api") || !p[2].equals("v1")) {
      problem(req, 404, "Not Found", "no such resource");
      return;
    }
    switch (p[3]) {
      case "sessions" -> sessionsRoute(req, p);
      case "tools" -> list(req, new JsonArray()
          .add(tool("read_file", "allow")).add(tool("list_dir", "allow"))
          .add(tool("write_file", "ask")).add(tool("run_command", "ask").put("sandbox", commandSandbox)));
      case "mcp-resources" -> {
        mcpResourceFetches++;
        list(req, mcpResources.copy());
      }
      case "mcp-prompts" -> {
        mcpPromptFetches++;
        list(req, new JsonArray());
      }
      case "templates" -> list(req, new JsonArray().add(new JsonObject().put("id", "tpl-1").put("name", "reviewer")
          .put("description", "reviews code").put("provider", "anthropic").put("model", "claude-sonnet-4-5")));
      case "models" -> list(req, new JsonArray()
          .add(new JsonObject().put("id", "claude-sonnet-4-5").put("provider", "anthropic").put("displayName", "Sonnet"))
          .add(new JsonObject().put("id", "claude-haiku-4-5").put("provider", "anthropic").put("displayName", "Haiku")));
      default -> problem(req, 404, "Not Found", "no such resource");
    }
  }

  private static JsonObject tool(String name, String policy) {
    return new JsonObject().put("name", name).put("source", "builtin").put("description", name)
        .put("inputSchema", new JsonObject()).put("enabled", true).put("policy", policy);
  }

  private void sessionsRoute(HttpServerRequest req, String[] p) {
    HttpMethod m = req.method();
    if (p.length == 4) {
      if (m == HttpMethod.GET) {
        String q = req.getParam("q");
        JsonArray items = new JsonArray();
        for (FakeSession s : sessions.values()) {
          if (q == null || q.isBlank() || matches(s, q)) {
            items.add(summary(s));
          }
        }
        list(req, items);
      } else if (m == HttpMethod.POST) {
        body(req).onSuccess(b -> {
          if (b.getString("templateId") != null && b.getString("provider") == null) {
            b.put("provider", "anthropic").put("model", "claude-sonnet-4-5");
          }
          if (b.getString("provider") == null || b.getString("model") == null) {
            req.response().setStatusCode(400).putHeader("Content-Type", "application/problem+json")
                .end(new JsonObject().put("type", "about:blank").put("title", "Bad Request").put("status", 400)
                    .put("detail", "invalid session").put("errors", new JsonArray()
                        .add(new JsonObject().put("field", "model").put("message", "is required"))).encode());
            return;
          }
          json(req, 201, full(newSession(b)));
        });
      } else {
        problem(req, 405, "Method Not Allowed", m.name());
      }
      return;
    }
    FakeSession s = sessions.get(p[4]);
    if (s == null) {
      problem(req, 404, "Not Found", "no session " + p[4]);
      return;
    }
    String action = p.length > 5 ? p[5] : "";
    switch (action) {
      case "" -> {
        if (m == HttpMethod.GET) {
          json(req, 200, full(s));
        } else if (m == HttpMethod.PATCH) {
          body(req).onSuccess(b -> {
            for (String k : List.of("title", "model", "provider", "credentialId")) {
              if (b.containsKey(k)) {
                s.data.put(k, b.getValue(k));
              }
            }
            json(req, 200, full(s));
          });
        } else if (m == HttpMethod.DELETE) {
          sessions.remove(p[4]);
          req.response().setStatusCode(204).end();
        } else {
          problem(req, 405, "Method Not Allowed", m.name());
        }
      }
      case "messages" -> body(req).onSuccess(b -> {
        String text = b.getString("text");
        if (text == null || text.isBlank()) {
          problem(req, 400, "Bad Request", "text is required");
          return;
        }
        JsonObject ack = startTurn(s, text);
        json(req, 202, ack);
      });
      case "cancel" -> {
        cancel(s);
        json(req, 202, new JsonObject());
      }
      case "compact" -> json(req, 202, new JsonObject());
      case "export" -> {
        StringBuilder md = new StringBuilder("# " + s.data.getString("title", "session") + "\n");
        for (Object o : s.messages) {
          JsonObject msg = (JsonObject) o;
          md.append("\n## ").append(msg.getString("role")).append("\n\n").append(textOf(msg)).append("\n");
        }
        req.response().putHeader("Content-Type", "text/markdown").end(md.toString());
      }
      default -> problem(req, 404, "Not Found", "no such resource");
    }
  }

  private static boolean matches(FakeSession s, String q) {
    String lq = q.toLowerCase();
    if (s.data.getString("title", "").toLowerCase().contains(lq)) {
      return true;
    }
    for (Object o : s.messages) {
      if (textOf((JsonObject) o).toLowerCase().contains(lq)) {
        return true;
      }
    }
    return false;
  }

  private static String textOf(JsonObject msg) {
    StringBuilder sb = new StringBuilder();
    for (Object o : msg.getJsonArray("content")) {
      JsonObject part = (JsonObject) o;
      if ("text".equals(part.getString("type"))) {
        sb.append(part.getString("text"));
      }
    }
    return sb.toString();
  }

  private FakeSession newSession(JsonObject b) {
    String id = UUID.randomUUID().toString();
    String now = Instant.now().toString();
    JsonObject data = new JsonObject().put("id", id).put("title", b.getString("title", ""))
        .put("provider", b.getString("provider")).put("model", b.getString("model"))
        .put("createdAt", now).put("updatedAt", now);
    FakeSession s = new FakeSession(data);
    sessions.put(id, s);
    return s;
  }

  private JsonObject summary(FakeSession s) {
    return s.data.copy().put("messageCount", s.messages.size()).put("openIn", openIn(s.data.getString("id")));
  }

  private JsonObject full(FakeSession s) {
    return summary(s).put("messages", s.messages.copy());
  }

  private JsonArray openIn(String sessionId) {
    JsonArray a = new JsonArray();
    int i = 0;
    for (ServerWebSocket ws : sockets) {
      i++;
      if (subscriptions.getOrDefault(ws, Set.of()).contains(sessionId)) {
        a.add("tui-" + i);
      }
    }
    return a;
  }

  // -------- WebSocket

  private void socket(ServerWebSocket ws) {
    sockets.add(ws);
    subscriptions.put(ws, new HashSet<>());
    ws.closeHandler(v -> {
      Set<String> subs = subscriptions.remove(ws);
      sockets.remove(ws);
      if (subs != null) {
        subs.forEach(this::presence);
      }
    });
    ws.textMessageHandler(text -> {
      if (silenced.contains(ws)) {
        if (text.contains("\"ping\"")) {
          pingsUnanswered++;
        }
        return;
      }
      JsonObject f;
      try {
        f = new JsonObject(text);
      } catch (DecodeException e) {
        ws.writeTextMessage(error("bad_frame", "not JSON"));
        return;
      }
      framesReceived.add(f);
      String sid = f.getString("sessionId");
      FakeSession s = sid == null ? null : sessions.get(sid);
      switch (f.getString("type", "")) {
        case "ping" -> ws.writeTextMessage(new JsonObject().put("type", "pong").encode());
        case "subscribe" -> {
          if (s == null) {
            ws.writeTextMessage(error("not_found", "no session " + sid));
            return;
          }
          Long after = f.getLong("afterSeq");
          if (after != null) {
            for (JsonObject e : s.events) {
              if (e.getLong("seq") > after) {
                ws.writeTextMessage(e.encode());
              }
            }
          }
          subscriptions.get(ws).add(sid);
          presence(sid);
        }
        case "unsubscribe" -> {
          subscriptions.get(ws).remove(sid);
          if (s != null) {
            presence(sid);
          }
        }
        case "send" -> {
          if (s == null) {
            ws.writeTextMessage(error("not_found", "no session " + sid));
            return;
          }
          // like session-service's send_key table: a resent key answers without a second turn
          String key = f.getString("idempotencyKey");
          boolean duplicate = key != null && !sendKeys.add(sid + "/" + key);
          if (!duplicate) {
            startTurn(s, f.getString("text", ""));
          }
          if (loseNextSendAck) {
            // the gateway dies after starting the turn, before its answer leaves
            loseNextSendAck = false;
            ws.close();
            return;
          }
          JsonObject ack = new JsonObject().put("type", "ack").put("action", "send").put("sessionId", sid)
              .put("duplicate", duplicate);
          if (f.getValue("id") != null) {
            ack.put("id", f.getValue("id"));
          }
          ws.writeTextMessage(ack.encode());
        }
        case "cancel" -> {
          if (s != null) {
            cancel(s);
          }
        }
        case "approve" -> {
          Runnable r = s == null ? null : s.waitingApprovals.remove(f.getString("callId"));
          if (r == null) {
            ws.writeTextMessage(error("not_found", "no approval pending for " + f.getString("callId")));
          } else {
            s.data.put("_decision", f.getString("decision"));
            r.run();
          }
        }
        default -> ws.writeTextMessage(error("bad_frame", "unknown type"));
      }
    });
  }

  /** Like the gateway: presence is outside the resumable stream and carries no seq. */
  private void presence(String sessionId) {
    if (!sessions.containsKey(sessionId)) {
      return;
    }
    JsonObject frame = new JsonObject().put("type", "event").put("sessionId", sessionId)
        .put("event", new JsonObject().put("type", "presence").put("openIn", openIn(sessionId)));
    for (ServerWebSocket ws : List.copyOf(sockets)) {
      if (subscriptions.getOrDefault(ws, Set.of()).contains(sessionId)) {
        ws.writeTextMessage(frame.encode());
      }
    }
  }

  private static String error(String code, String message) {
    return new JsonObject().put("type", "error").put("code", code).put("message", message).encode();
  }

  // -------- the scripted model

  private JsonObject startTurn(FakeSession s, String text) {
    String sid = s.data.getString("id");
    String turnId = UUID.randomUUID().toString();
    String userId = UUID.randomUUID().toString();
    s.cancelled = false;
    s.messages.add(new JsonObject().put("id", userId).put("role", "user").put("status", "complete")
        .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", text)))
        .put("createdAt", Instant.now().toString()));
    // events start after the acknowledgement, as the real service stores first and streams after
    vertx.runOnContext(v -> {
      publish(sid, new JsonObject().put("type", "turn_started").put("turnId", turnId));
      Matcher m = TOOL_CALL.matcher(text.strip());
      if (text.strip().equals("fail")) {
        publish(sid, new JsonObject().put("type", "turn_error").put("code", "upstream_error")
            .put("message", "the provider answered 529 overloaded"));
        finish(s, turnId, "error");
      } else if (m.matches()) {
        toolTurn(s, turnId, m.group(1), new JsonObject(m.group(2)));
      } else {
        String answer = "Echo: " + text;
        String thinking = text.contains("think") ? "Let me think about that." : null;
        stream(s, answer, thinking, () -> finish(s, turnId, s.cancelled ? "cancelled" : "complete"));
      }
    });
    return new JsonObject().put("messageId", userId).put("turnId", turnId);
  }

  private void toolTurn(FakeSession s, String turnId, String name, JsonObject args) {
    String sid = s.data.getString("id");
    String assistantId = UUID.randomUUID().toString();
    String callId = "call-" + UUID.randomUUID().toString().substring(0, 8);
    publish(sid, new JsonObject().put("type", "message_started").put("messageId", assistantId).put("role", "assistant"));
    publish(sid, new JsonObject().put("type", "tool_call").put("callId", callId).put("name", name).put("arguments", args));
    JsonObject assistant = new JsonObject().put("id", assistantId).put("role", "assistant").put("status", "complete")
        .put("content", new JsonArray().add(new JsonObject().put("type", "tool_call").put("callId", callId)
            .put("name", name).put("arguments", args)))
        .put("usage", new JsonObject().put("inputTokens", 20).put("outputTokens", 10));
    s.messages.add(assistant);
    Runnable run = () -> {
      boolean allowed = !ASK.contains(name) || "allow".equals(s.data.remove("_decision"));
      String result = allowed ? "ok: " + name + " " + args.encode() : "denied by the user";
      publish(sid, new JsonObject().put("type", "tool_result").put("callId", callId)
          .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", result)))
          .put("isError", !allowed));
      publish(sid, new JsonObject().put("type", "message_completed").put("messageId", assistantId)
          .put("usage", new JsonObject().put("inputTokens", 20).put("outputTokens", 10)));
      s.messages.add(new JsonObject().put("id", UUID.randomUUID().toString()).put("role", "tool")
          .put("status", "complete").put("content", new JsonArray().add(new JsonObject().put("type", "tool_result")
              .put("callId", callId).put("content", result).put("isError", !allowed))));
      stream(s, "Tool " + name + (allowed ? " returned: " + result : " was denied."), null,
          () -> finish(s, turnId, "complete"));
    };
    if (ASK.contains(name)) {
      s.waitingApprovals.put(callId, run);
      publish(sid, new JsonObject().put("type", "approval_required").put("callId", callId).put("name", name)
          .put("arguments", args));
    } else {
      run.run();
    }
  }

  /** Streams a new assistant message in small chunks, then calls done. */
  private void stream(FakeSession s, String text, String thinking, Runnable done) {
    String sid = s.data.getString("id");
    String messageId = UUID.randomUUID().toString();
    publish(sid, new JsonObject().put("type", "message_started").put("messageId", messageId).put("role", "assistant"));
    if (thinking != null) {
      publish(sid, new JsonObject().put("type", "thinking_delta").put("text", thinking));
    }
    List<String> chunks = new ArrayList<>();
    for (int i = 0; i < text.length(); i += 4) {
      chunks.add(text.substring(i, Math.min(text.length(), i + 4)));
    }
    JsonArray parts = new JsonArray();
    if (thinking != null) {
      parts.add(new JsonObject().put("type", "thinking").put("text", thinking));
    }
    StringBuilder sent = new StringBuilder();
    Runnable[] next = new Runnable[1];
    int[] i = {0};
    next[0] = () -> {
      if (i[0] < chunks.size() && !s.cancelled) {
        String c = chunks.get(i[0]++);
        sent.append(c);
        publish(sid, new JsonObject().put("type", "delta").put("text", c));
        if (chunkDelayMs > 0) {
          vertx.setTimer(chunkDelayMs, id -> next[0].run());
        } else {
          vertx.runOnContext(v -> next[0].run());
        }
        return;
      }
      long out = Math.max(1, sent.length() / 4);
      publish(sid, new JsonObject().put("type", "message_completed").put("messageId", messageId)
          .put("usage", new JsonObject().put("inputTokens", 10).put("outputTokens", out)));
      parts.add(new JsonObject().put("type", "text").put("text", sent.toString()));
      s.messages.add(new JsonObject().put("id", messageId).put("role", "assistant")
          .put("status", s.cancelled ? "cancelled" : "complete").put("content", parts)
          .put("usage", new JsonObject().put("inputTokens", 10).put("outputTokens", out)));
      done.run();
    };
    next[0].run();
  }

  private void finish(FakeSession s, String turnId, String status) {
    publish(s.data.getString("id"), new JsonObject().put("type", "turn_completed").put("turnId", turnId)
        .put("status", status));
  }

  private void cancel(FakeSession s) {
    s.cancelled = true;
  }

  // -------- helpers

  private static Future<JsonObject> body(HttpServerRequest req) {
    return req.body().compose(b -> {
      try {
        return Future.succeededFuture(b.length() == 0 ? new JsonObject() : b.toJsonObject());
      } catch (DecodeException e) {
        problem(req, 400, "Bad Request", "malformed JSON");
        return Future.failedFuture(e);
      }
    });
  }

  private static void list(HttpServerRequest req, JsonArray items) {
    json(req, 200, new JsonObject().put("items", items).putNull("nextCursor"));
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  private static void problem(HttpServerRequest req, int status, String title, String detail) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/problem+json")
        .end(new JsonObject().put("type", "about:blank").put("title", title).put("status", status)
            .put("detail", detail).encode());
  }

  /** Runs the fake on a port for trying the TUI by hand: FakeGateway [port] [token]. */
  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    String token = args.length > 1 ? args[1] : "dev-token";
    FakeGateway fake = new FakeGateway(vertx, token).chunkDelay(30);
    int port = fake.start(args.length > 0 ? Integer.parseInt(args[0]) : 0).await(10, TimeUnit.SECONDS);
    String id = fake.on(() -> fake.createSession("first session", "anthropic", "claude-sonnet-4-5"))
        .await(10, TimeUnit.SECONDS);
    System.out.println("fake gateway on http://127.0.0.1:" + port + " token " + token + " session " + id);
  }
}
