package dev.maestro.bench.floor;

import dev.maestro.platform.Settings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * G of the bare chain: what the gateway must do at least. Clients speak the same WebSocket frames as to
 * Maestro's gateway (subscribe → ack; send → a bus request to S, then ack; each event one JSON text
 * frame), so the bench drives both with the same client. Everything S sends arrives at this node's one
 * inbox consumer, and becomes one frame on the socket subscribed to that stream. No tokens, no
 * authorization, no presence, no replay, no back-pressure policy.
 */
final class BareGateway extends VerticleBase {
  /** Subscribed sockets by stream (Maestro: session id). Touched on this verticle's event loop only. */
  private final Map<String, ServerWebSocket> sockets = new HashMap<>();

  @Override
  public Future<?> start() {
    int port = Settings.of(config()).integer(FloorBus.HTTP_PORT, 0, 0, 65535);
    EventBus bus = vertx.eventBus();
    String inbox = FloorBus.gatewayInbox(UUID.randomUUID().toString());
    Future<Void> inboxReady = bus.<String>consumer(inbox, m -> deliver(m.body())).completion();
    return inboxReady.compose(v -> vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true)
            .setMaxWebSocketFrameSize(1 << 20).setMaxWebSocketMessageSize(1 << 20))
        .webSocketHandler(ws -> {
          ws.textMessageHandler(text -> onFrame(bus, inbox, ws, text));
          ws.closeHandler(x -> sockets.values().removeIf(s -> s == ws));
        })
        // UP only when a request crossed G → S → P and back: the chain is clustered and its consumers are known
        .requestHandler(req -> bus.request(FloorBus.SESSION_PING, "ping")
            .onSuccess(r -> req.response().putHeader("content-type", "application/json").end("{\"status\":\"UP\"}"))
            .onFailure(e -> req.response().setStatusCode(503).putHeader("content-type", "application/json")
                .end(new JsonObject().put("status", "DOWN").put("why", e.getMessage()).encode())))
        .listen());
  }

  private void onFrame(EventBus bus, String inbox, ServerWebSocket ws, String text) {
    JsonObject f = new JsonObject(text);
    String stream = f.getString("sessionId");
    switch (f.getString("type", "")) {
      case "subscribe" -> {
        sockets.put(stream, ws);
        ws.writeTextMessage(ack("subscribe", stream));
      }
      case "send" -> bus.<String>request(FloorBus.SESSION_TURN, stream + "\t" + inbox)
          .onSuccess(r -> ws.writeTextMessage(ack("send", stream)))
          .onFailure(e -> ws.writeTextMessage(new JsonObject().put("type", "error").put("sessionId", stream)
              .put("message", e.getMessage()).encode()));
      default -> ws.writeTextMessage(new JsonObject().put("type", "error").put("message", "unknown frame").encode());
    }
  }

  private static String ack(String action, String stream) {
    return new JsonObject().put("type", "ack").put("action", action).put("sessionId", stream).encode();
  }

  /** {@code <kind><stream>\t<seq>\t<text>} from S: one text frame to the stream's socket. */
  void deliver(String body) {
    char kind = body.charAt(0);
    int t1 = body.indexOf('\t');
    int t2 = body.indexOf('\t', t1 + 1);
    String stream = body.substring(1, t1);
    ServerWebSocket ws = sockets.get(stream);
    if (ws == null) return;
    long seq = Long.parseLong(body, t1 + 1, t2, 10);
    String text = body.substring(t2 + 1);
    JsonObject event = switch (kind) {
      case 'd' -> new JsonObject().put("type", "delta").put("text", text);
      case 'e' -> new JsonObject().put("type", "turn_completed").put("status", "complete");
      default -> new JsonObject().put("type", "turn_error").put("message", text);
    };
    ws.writeTextMessage(new JsonObject().put("type", "event").put("sessionId", stream)
        .put("event", event.put("seq", seq)).encode());
  }
}
