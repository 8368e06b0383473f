package dev.maestro.bench.gateway;

import dev.maestro.testkit.fake.FakeReply;
import dev.maestro.testkit.fake.FakeTurn;
import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The two measured paths: straight to the fake upstream (baseline), and through the whole system. */
final class StreamPaths {
  private StreamPaths() {}

  /** A streamed reply whose text chunks carry their write time (epoch µs) instead of their text. */
  static FakeReply stampedReply(E2eSettings s) {
    String[] chunks = new String[s.chunks()];
    for (int i = 0; i < chunks.length; i++) chunks[i] = String.format("chunk-%04d", i);
    return FakeReply.stream(FakeTurn.create().text(chunks)).chunkDelayMs(s.intervalMs())
        .stampTextChunks(EpochClock::nowMicros);
  }

  /** N clients read the fake upstream's SSE stream directly. */
  static Phase baseline(HttpClient client, FakeUpstream fake, E2eSettings s, Phase ph) throws Exception {
    return chatCompletions(client, fake, s, ph, "/v1/chat/completions", "sk-bench", SystemFixture.MODEL);
  }

  /** The floor: N clients read the same stream through one bare Vert.x relay hop ({@link BareRelay}). */
  static Phase relay(HttpClient relay, FakeUpstream fake, E2eSettings s, Phase ph) throws Exception {
    return chatCompletions(relay, fake, s, ph, "/v1/chat/completions", "sk-bench", SystemFixture.MODEL);
  }

  /**
   * N clients stream {@code POST /v1/chat/completions} from the gateway's OpenAI-compatible door (issue 17)
   * with the Maestro token; the call goes gateway → session → provider → fake upstream and back as chunks.
   */
  static Phase openAiDoor(HttpClient gateway, FakeUpstream fake, E2eSettings s, Phase ph, String token) throws Exception {
    return chatCompletions(gateway, fake, s, ph, "/v1/chat/completions", token, "openai/" + SystemFixture.MODEL);
  }

  /** N clients POST a streaming chat completion to client's host and read the SSE chunks. */
  private static Phase chatCompletions(HttpClient client, FakeUpstream fake, E2eSettings s, Phase ph, String uri, String bearer,
                                       String model) throws Exception {
    int n = ph.streams;
    fake.clearQueue();
    for (int i = 0; i < n; i++) fake.enqueue(stampedReply(s));
    String body = new JsonObject().put("model", model).put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "go"))).encode();
    ph.beginRound();
    CountDownLatch done = ph.done;
    for (int i = 0; i < n; i++) {
      int idx = i;
      ph.sentAt[idx] = EpochClock.nowMicros();
      client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(uri)
              .putHeader("content-type", "application/json").putHeader("authorization", "Bearer " + bearer)
              .putHeader("accept", "text/event-stream"))
          .compose(req -> req.send(Buffer.buffer(body)))
          .onSuccess(resp -> {
            if (resp.statusCode() != 200) {
              ph.error("HTTP " + resp.statusCode());
              done.countDown();
              return;
            }
            StringBuilder pending = new StringBuilder();
            resp.handler(buf -> {
              long now = EpochClock.nowMicros();
              pending.append(buf.toString());
              int end;
              while ((end = pending.indexOf("\n\n")) >= 0) {
                String event = pending.substring(0, end);
                pending.delete(0, end + 2);
                if (!event.startsWith("data: ")) continue;
                String payload = event.substring(6);
                if (payload.equals("[DONE]")) continue;
                JsonArray choices = new JsonObject(payload).getJsonArray("choices");
                if (choices == null || choices.isEmpty()) continue;
                JsonObject delta = choices.getJsonObject(0).getJsonObject("delta");
                String content = delta == null ? null : delta.getString("content");
                if (content != null && !content.isEmpty()) ph.chunk(idx, content, now);
              }
            });
            resp.endHandler(v -> done.countDown());
            resp.exceptionHandler(err -> {
              ph.error("stream: " + err);
              done.countDown();
            });
          })
          .onFailure(err -> {
            ph.error("request: " + err);
            done.countDown();
          });
    }
    if (!done.await(s.phaseTimeoutSeconds(), TimeUnit.SECONDS)) ph.error("timed out: " + done.getCount() + " streams not finished");
    ph.endRound();
    return ph;
  }

  /** N clients, one WebSocket each to the gateway, subscribe to their own session and send. */
  static Phase system(Vertx vertx, FakeUpstream fake, E2eSettings s, Phase ph, int port, String token, List<String> sessions)
      throws Exception {
    int n = ph.streams;
    WebSocketClient wsc = vertx.createWebSocketClient(new WebSocketClientOptions().setTcpNoDelay(true)
        .setMaxConnections(n + 16).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20)
        .setConnectTimeout(60_000));
    CountDownLatch subscribed = new CountDownLatch(n);
    WebSocket[] sockets = new WebSocket[n];
    try {
      for (int from = 0; from < n; from += 50) {
        List<Future<WebSocket>> batch = new ArrayList<>();
        for (int i = from; i < Math.min(n, from + 50); i++) {
          int idx = i;
          String sessionId = sessions.get(i);
          batch.add(wsc.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/api/v1/ws?client=tui")
                  .addHeader("Authorization", "Bearer " + token))
              .onSuccess(ws -> {
                sockets[idx] = ws;
                ws.textMessageHandler(text -> onFrame(ph, idx, text, subscribed));
                ws.closeHandler(v -> {
                  if (ph.done.getCount() > 0 && ws.closeStatusCode() != null && ws.closeStatusCode() != 1000) {
                    ph.error("socket " + idx + " closed: " + ws.closeStatusCode() + " " + ws.closeReason());
                  }
                });
                ws.writeTextMessage(new JsonObject().put("type", "subscribe").put("sessionId", sessionId).encode());
              }));
        }
        Future.all(batch).await(120, TimeUnit.SECONDS);
      }
      if (!subscribed.await(120, TimeUnit.SECONDS)) throw new IllegalStateException(subscribed.getCount() + " subscriptions not acknowledged");
      fake.clearQueue();
      for (int i = 0; i < n; i++) fake.enqueue(stampedReply(s));
      ph.beginRound();
      for (int i = 0; i < n; i++) {
        ph.sentAt[i] = EpochClock.nowMicros();
        sockets[i].writeTextMessage(new JsonObject().put("type", "send").put("sessionId", sessions.get(i)).put("text", "go").encode());
      }
      if (!ph.done.await(s.phaseTimeoutSeconds(), TimeUnit.SECONDS)) ph.error("timed out: " + ph.done.getCount() + " turns not completed");
      ph.endRound();
    } finally {
      List<Future<Void>> closing = new ArrayList<>();
      for (WebSocket ws : sockets) if (ws != null) closing.add(ws.close());
      try {
        Future.join(closing).await(30, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // best effort
      }
      wsc.close();
    }
    return ph;
  }

  static void onFrame(Phase ph, int idx, String text, CountDownLatch subscribed) {
    long now = EpochClock.nowMicros();
    JsonObject f = new JsonObject(text);
    switch (f.getString("type", "")) {
      case "event" -> {
        JsonObject e = f.getJsonObject("event");
        switch (e.getString("type", "")) {
          case "delta" -> {
            String t = e.getString("text", "");
            if (t.isEmpty()) return;
            // --hops: the services stamped it on the way (dev.maestro.platform.HopStamps)
            if (e.getValue(dev.maestro.platform.HopStamps.PROVIDER) instanceof Number p
                && e.getValue(dev.maestro.platform.HopStamps.SESSION) instanceof Number q) {
              ph.chunk(idx, t, now, p.longValue(), q.longValue());
            } else {
              ph.chunk(idx, t, now);
            }
          }
          case "turn_error" -> ph.error("turn_error: " + e.encode());
          case "turn_completed" -> {
            if (!"complete".equals(e.getString("status"))) ph.error("turn " + e.getString("status") + " on stream " + idx);
            ph.done.countDown();
          }
          default -> { }
        }
      }
      case "ack" -> {
        if ("subscribe".equals(f.getString("action"))) subscribed.countDown();
      }
      case "error" -> ph.error("error frame: " + text);
      default -> { }
    }
  }
}
