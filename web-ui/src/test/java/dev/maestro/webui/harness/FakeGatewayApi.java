package dev.maestro.webui.harness;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.webui.WebUi;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The bit of the gateway the browser talks to directly, as API.md describes it: the WebSocket
 * {@code /api/v1/ws} (cookie auth) and {@code /api/v1/users} (cookie + X-CSRF-Token).
 */
public final class FakeGatewayApi {
  private final Vertx vertx;
  private final SessionService sessions;
  public final Map<String, JsonObject> users = new java.util.concurrent.ConcurrentHashMap<>();

  public FakeGatewayApi(Vertx vertx) {
    this.vertx = vertx;
    this.sessions = SessionService.createProxy(vertx);
  }

  public void mount(Router router) {
    router.get("/api/v1/ws").handler(this::websocket);
    router.get("/api/v1/sessions").handler(rc -> {
      JsonObject u = WebUi.user(rc);
      if (u == null) { problem(rc, 401, "sign in"); return; }
      JsonObject query = new JsonObject();
      if (rc.queryParams().get("q") != null) query.put("q", rc.queryParams().get("q"));
      sessions.list(u.getString("userId"), query).onSuccess(page -> {
        page.getJsonArray("items").forEach(o -> {
          JsonObject s = (JsonObject) o;
          s.put("openIn", openIn(s.getString("id")));
        });
        rc.json(page);
      }).onFailure(e -> problem(rc, 404, e.getMessage()));
    });
    // issue 16: the harness has no running turns and no queued messages (the real ones are tested in the
    // gateway and session-service, and by deploy/tests/browser.sh against the real system)
    router.get("/api/v1/runs").handler(rc -> {
      if (WebUi.user(rc) == null) { problem(rc, 401, "sign in"); return; }
      rc.json(new JsonObject().put("items", new JsonArray()).putNull("nextCursor"));
    });
    // the chat reloads the stored messages of a turn whose events were announced as not coming (issue 17)
    router.get("/api/v1/sessions/:id").handler(rc -> {
      JsonObject u = WebUi.user(rc);
      if (u == null) { problem(rc, 401, "sign in"); return; }
      sessions.get(u.getString("userId"), rc.pathParam("id")).onSuccess(rc::json).onFailure(e -> problem(rc, 404, e.getMessage()));
    });
    router.get("/api/v1/sessions/:id/queue").handler(rc -> {
      if (WebUi.user(rc) == null) { problem(rc, 401, "sign in"); return; }
      rc.json(new JsonObject().put("items", new JsonArray()).putNull("nextCursor"));
    });
    // the chat composer reads the MCP lists (at a reconnect too); the harness has no MCP servers
    for (String list : new String[] {"/api/v1/mcp-resources", "/api/v1/mcp-prompts"}) {
      router.get(list).handler(rc -> {
        if (WebUi.user(rc) == null) { problem(rc, 401, "sign in"); return; }
        rc.json(new JsonObject().put("items", new JsonArray()).putNull("nextCursor"));
      });
    }
    router.get("/api/v1/users").handler(rc -> {
      if (!admin(rc)) return;
      rc.json(new JsonObject().put("items", new JsonArray(users.values().stream().toList())).putNull("nextCursor"));
    });
    router.post("/api/v1/users").handler(BodyHandler.create(false)).handler(rc -> {
      if (!admin(rc)) return;
      JsonObject b = rc.body().asJsonObject();
      if (b == null || b.getString("username") == null || b.getString("password", "").length() < 8) {
        problem(rc, 400, "username and a password of 8+ characters are required");
        return;
      }
      String id = UUID.randomUUID().toString();
      JsonObject u = new JsonObject().put("id", id).put("username", b.getString("username")).put("role", b.getString("role", "member"));
      users.put(id, u);
      rc.response().setStatusCode(201);
      rc.json(u);
    });
    router.delete("/api/v1/users/:id").handler(rc -> {
      if (!admin(rc)) return;
      if (users.remove(rc.pathParam("id")) == null) problem(rc, 404, "no such user");
      else rc.response().setStatusCode(204).end();
    });
  }

  /** sessionId → open web connections (ids), like the gateway's Redis presence. */
  private final Map<String, java.util.Set<String>> open = new java.util.concurrent.ConcurrentHashMap<>();

  private JsonArray openIn(String sessionId) {
    return open.getOrDefault(sessionId, java.util.Set.of()).isEmpty() ? new JsonArray() : new JsonArray().add("web");
  }

  private void announce(String sessionId) {
    vertx.eventBus().publish(Addresses.sessionEvents(sessionId), new JsonObject().put("type", "event")
        .put("sessionId", sessionId).put("event", dev.maestro.contracts.session.SessionEvents.presence(openIn(sessionId))));
  }

  private boolean admin(RoutingContext rc) {
    JsonObject u = WebUi.user(rc);
    if (u == null) { problem(rc, 401, "sign in"); return false; }
    if (!"GET".equals(rc.request().method().name()) && !WebUi.csrfOk(rc)) { problem(rc, 403, "missing CSRF token"); return false; }
    if (!"admin".equals(u.getString("role"))) { problem(rc, 403, "admins only"); return false; }
    return true;
  }

  private static void problem(RoutingContext rc, int status, String detail) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/problem+json")
        .end(new JsonObject().put("type", "about:blank").put("title", detail).put("status", status).put("detail", detail).encode());
  }

  private void websocket(RoutingContext rc) {
    JsonObject user = WebUi.user(rc);
    if (user == null) {
      rc.response().setStatusCode(401).end();
      return;
    }
    String userId = user.getString("userId");
    String connectionId = UUID.randomUUID().toString();
    rc.request().toWebSocket().onSuccess(ws -> {
      Map<String, MessageConsumer<Object>> subs = new HashMap<>();
      ws.textMessageHandler(text -> {
        JsonObject msg;
        try {
          msg = new JsonObject(text);
        } catch (RuntimeException e) {
          ws.writeTextMessage(new JsonObject().put("type", "error").put("code", "bad_frame").put("message", "not JSON").encode());
          return;
        }
        String sid = msg.getString("sessionId");
        Future<?> op = switch (msg.getString("type", "")) {
          case "subscribe" -> subscribe(ws, subs, userId, sid, msg.getLong("afterSeq"), connectionId);
          case "send" -> msg.getString("idempotencyKey") == null ? sessions.send(userId, sid, msg.getString("text"))
              : sessions.sendIdempotent(userId, sid, msg.getString("text"), msg.getString("idempotencyKey"));
          case "cancel" -> sessions.cancel(userId, sid);
          case "approve" -> sessions.approve(userId, sid, msg.getString("callId"), msg.getString("decision"));
          case "elicit" -> sessions.answerElicitation(userId, sid, msg.getString("elicitationId"), msg.getString("action"),
              msg.getJsonObject("content"));
          case "ping" -> { ws.writeTextMessage("{\"type\":\"pong\"}"); yield Future.succeededFuture(); }
          default -> Future.failedFuture("unknown type");
        };
        // like the gateway: the ack or error frame carries the id of the frame it answers
        op.onSuccess(r -> {
          if ("ping".equals(msg.getString("type"))) return;
          JsonObject ack = new JsonObject().put("type", "ack").put("action", msg.getString("type")).put("sessionId", sid);
          if (r instanceof JsonObject body) ack.mergeIn(body);
          if (msg.getValue("id") != null) ack.put("id", msg.getValue("id"));
          ws.writeTextMessage(ack.encode());
        });
        op.onFailure(e -> ws.writeTextMessage(new JsonObject().put("type", "error").put("code", "failed").put("message", e.getMessage())
            .put("id", msg.getValue("id")).encode()));
      });
      ws.closeHandler(v -> {
        subs.values().forEach(MessageConsumer::unregister);
        subs.keySet().forEach(sid -> {
          open.getOrDefault(sid, java.util.Set.of()).remove(connectionId);
          announce(sid);
        });
      });
    }).onFailure(rc::fail);
  }

  /** Live consumer first, then the held events after afterSeq; nothing twice, no gap. */
  private Future<Void> subscribe(ServerWebSocket ws, Map<String, MessageConsumer<Object>> subs, String userId, String sid, Long afterSeq,
                                 String connectionId) {
    // Like the gateway: without afterSeq only live events, no backlog.
    long[] sent = {afterSeq == null ? Long.MIN_VALUE : afterSeq};
    boolean[] replaying = {true};
    java.util.List<JsonObject> buffered = new java.util.ArrayList<>();
    // the session service publishes each envelope as its JSON bytes (SessionEvents.publish)
    MessageConsumer<Object> c = vertx.eventBus().consumer(Addresses.sessionEvents(sid));
    c.handler(m -> {
      JsonObject body = SessionEvents.read(m.body());
      if (body == null) return;
      if (replaying[0]) { buffered.add(body); return; }
      forward(ws, body, sent);
    });
    MessageConsumer<Object> old = subs.put(sid, c);
    if (old != null) old.unregister();
    return c.completion().compose(v -> afterSeq == null
        ? sessions.get(userId, sid).map(x -> new JsonObject().put("items", new JsonArray()))
        : sessions.events(userId, sid, afterSeq)).onSuccess(held -> {
      held.getJsonArray("items").forEach(e -> forward(ws, (JsonObject) e, sent));
      replaying[0] = false;
      buffered.forEach(e -> forward(ws, e, sent));
      open.computeIfAbsent(sid, k -> java.util.concurrent.ConcurrentHashMap.newKeySet()).add(connectionId);
      announce(sid);
    }).onFailure(e -> { c.unregister(); subs.remove(sid); }).mapEmpty();
  }

  private static void forward(ServerWebSocket ws, JsonObject envelope, long[] sent) {
    if (envelope.getValue("seq") == null) {   // presence: not part of the resumable stream
      if (!ws.isClosed()) ws.writeTextMessage(envelope.encode());
      return;
    }
    long seq = envelope.getLong("seq");
    if (seq <= sent[0]) return;
    sent[0] = seq;
    if (!ws.isClosed()) ws.writeTextMessage(envelope.encode());
  }
}
