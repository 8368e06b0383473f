package dev.maestro.system;

import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat path end to end over real HTTP and WebSocket: five services each on its own clustered
 * Vert.x (two gateways), real PostgreSQL and Redis, the testkit fake upstream as the model.
 */
@SharedSystem.Uses
class ChatEndToEndTest {
  static Vertx client;
  /**
   * Held for the whole class: a Vert.x 5 client nobody references is shut down by a Cleaner when the GC runs,
   * which closed a socket mid-handshake ("Connection closed while handshake in process").
   */
  static WebSocketClient sockets;
  static JsonObject config;
  static FakeUpstream upstream;
  static int portA;
  static int portB;
  static WebClient http;
  static String token;

  @BeforeAll
  static void startClient(SharedSystem system) throws Exception {
    client = Vertx.vertx();
    sockets = client.createWebSocketClient();
    config = system.config;
    upstream = FakeUpstream.start(client, 0).await(20, TimeUnit.SECONDS);
    portA = system.portA;
    portB = system.portB;
    http = WebClient.create(client);
    token = system.adminToken(http, "e2e");
  }

  @AfterAll
  static void stopClient() throws Exception {
    ServiceNodes.stop(null, client);
  }

  static HttpResponse<Buffer> post(int port, String path, JsonObject body) throws Exception {
    return http.post(port, "127.0.0.1", path).bearerTokenAuthentication(token).sendJsonObject(body).await(20, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> get(int port, String path) throws Exception {
    return http.get(port, "127.0.0.1", path).bearerTokenAuthentication(token).send().await(20, TimeUnit.SECONDS);
  }

  /** A WebSocket client that queues every server frame. */
  static final class Socket {
    final WebSocket ws;
    final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();

    Socket(int port) throws Exception {
      ws = sockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/api/v1/ws")
          .addHeader("Authorization", "Bearer " + token)).await(20, TimeUnit.SECONDS);
      ws.textMessageHandler(t -> frames.add(new JsonObject(t)));
    }

    void send(JsonObject frame) throws Exception {
      ws.writeTextMessage(frame.encode()).await(10, TimeUnit.SECONDS);
    }

    JsonObject next(Predicate<JsonObject> which, long timeoutMs) throws InterruptedException {
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (true) {
        JsonObject f = frames.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        if (f == null) throw new AssertionError("no matching frame within " + timeoutMs + " ms");
        if (which.test(f)) return f;
      }
    }

    /** Session events (with a seq; presence is out of band) up to and including turn_completed. */
    List<JsonObject> eventsUntilTurnCompleted(long timeoutMs) throws InterruptedException {
      List<JsonObject> events = new ArrayList<>();
      while (true) {
        JsonObject f = next(ChatEndToEndTest::isSessionEvent, timeoutMs);
        events.add(f);
        if ("turn_completed".equals(f.getJsonObject("event").getString("type"))) return events;
      }
    }

    void close() throws Exception {
      ws.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Queues an answer that streams for about 1.5 s (30 chunks 50 ms apart; the scripted "slow" one takes 6 s):
   * long enough for a test to act while its turn still runs.
   */
  static void enqueueLongTurn() {
    String[] chunks = new String[30];
    for (int i = 0; i < chunks.length; i++) chunks[i] = "part " + i + " ";
    upstream.enqueue(dev.maestro.testkit.fake.FakeReply.stream(dev.maestro.testkit.fake.FakeTurn.create().text(chunks)).chunkDelayMs(50));
  }

  /** A test that failed before its turn started leaves no queued answer to the next. */
  @org.junit.jupiter.api.AfterEach
  void noAnswerLeft() {
    upstream.clearQueue();
  }

  static boolean isSessionEvent(JsonObject frame) {
    if (!"event".equals(frame.getString("type"))) return false;
    if ("presence".equals(frame.getJsonObject("event").getString("type"))) {
      assertThat(frame.getValue("seq")).as("presence is not part of the resumable stream").isNull();
      return false;
    }
    return true;
  }

  static String createSession() throws Exception {
    HttpResponse<Buffer> cred = post(portA, "/api/v1/credentials", new JsonObject().put("provider", "openai")
        .put("kind", "api_key").put("label", "fake openai").put("apiKey", "sk-e2e-secret-value-1234")
        .put("baseUrl", upstream.openAiBaseUrl()));
    assertThat(cred.statusCode()).as(cred.bodyAsString()).isEqualTo(201);
    assertThat(cred.bodyAsString()).doesNotContain("sk-e2e-secret-value-1234");
    HttpResponse<Buffer> session = post(portA, "/api/v1/sessions", new JsonObject().put("title", "e2e")
        .put("provider", "openai").put("model", "gpt-4o-mini").put("credentialId", cred.bodyAsJsonObject().getString("id")));
    assertThat(session.statusCode()).as(session.bodyAsString()).isEqualTo(201);
    return session.bodyAsJsonObject().getString("id");
  }

  static String text(List<JsonObject> events) {
    StringBuilder sb = new StringBuilder();
    for (JsonObject e : events) {
      JsonObject ev = e.getJsonObject("event");
      if ("delta".equals(ev.getString("type"))) sb.append(ev.getString("text"));
    }
    return sb.toString();
  }

  static void assertContiguous(List<JsonObject> events) {
    for (int i = 1; i < events.size(); i++) {
      assertThat(events.get(i).getLong("seq")).as("seq after %s", events.get(i - 1).getLong("seq"))
          .isEqualTo(events.get(i - 1).getLong("seq") + 1);
    }
  }

  @Test
  void credentialSessionSendStreamsDeltasAndStoresTheMessage() throws Exception {
    String sessionId = createSession();
    Socket socket = new Socket(portA);
    socket.send(new JsonObject().put("type", "subscribe").put("sessionId", sessionId));
    socket.send(new JsonObject().put("type", "send").put("sessionId", sessionId).put("text", "hello end to end"));
    List<JsonObject> events = socket.eventsUntilTurnCompleted(30_000);
    socket.close();

    assertContiguous(events);
    assertThat(events.get(0).getJsonObject("event").getString("type")).isEqualTo("turn_started");
    assertThat(events.stream().filter(e -> "delta".equals(e.getJsonObject("event").getString("type"))).count())
        .as("streamed in several deltas").isGreaterThanOrEqualTo(3);
    assertThat(text(events)).isEqualTo("Echo: hello end to end");
    assertThat(events.get(events.size() - 1).getJsonObject("event").getString("status")).isEqualTo("complete");

    JsonArray messages = get(portA, "/api/v1/sessions/" + sessionId).bodyAsJsonObject().getJsonArray("messages");
    JsonObject assistant = messages.getJsonObject(messages.size() - 1);
    assertThat(messages.getJsonObject(0).getString("role")).isEqualTo("user");
    assertThat(assistant.getString("role")).isEqualTo("assistant");
    assertThat(assistant.getString("status")).isEqualTo("complete");
    assertThat(assistant.getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("Echo: hello end to end");
    assertThat(upstream.requests()).isNotEmpty();
  }

  @Test
  void clientReconnectsToTheOtherGatewayWithAfterSeqAndMissesNothing() throws Exception {
    String sessionId = createSession();
    Socket first = new Socket(portA);
    first.send(new JsonObject().put("type", "subscribe").put("sessionId", sessionId));
    enqueueLongTurn();
    first.send(new JsonObject().put("type", "send").put("sessionId", sessionId).put("text", "a long answer please"));
    List<JsonObject> seen = new ArrayList<>();
    while (seen.stream().filter(e -> "delta".equals(e.getJsonObject("event").getString("type"))).count() < 3) {
      seen.add(first.next(ChatEndToEndTest::isSessionEvent, 30_000));
    }
    first.close();  // the connection drops mid-turn

    long lastSeq = seen.get(seen.size() - 1).getLong("seq");
    Socket second = new Socket(portB);
    second.send(new JsonObject().put("type", "subscribe").put("sessionId", sessionId).put("afterSeq", lastSeq));
    List<JsonObject> rest = second.eventsUntilTurnCompleted(60_000);
    second.close();

    List<JsonObject> all = new ArrayList<>(seen);
    all.addAll(rest);
    assertThat(rest.get(0).getLong("seq")).isEqualTo(lastSeq + 1);
    assertContiguous(all);
    JsonArray messages = get(portB, "/api/v1/sessions/" + sessionId).bodyAsJsonObject().getJsonArray("messages");
    JsonObject assistant = messages.getJsonObject(messages.size() - 1);
    assertThat(assistant.getString("status")).isEqualTo("complete");
    assertThat(text(all)).isEqualTo(assistant.getJsonArray("content").getJsonObject(0).getString("text"));
  }

  // ---- issue 16: fallback models and budgets, through the real provider-service and the fake upstream ----

  @Test
  void aModelAnswering529ThenOneAnswering429FallBackInOrderToOneThatAnswers() throws Exception {
    HttpResponse<Buffer> cred = post(portA, "/api/v1/credentials", new JsonObject().put("provider", "openai")
        .put("kind", "api_key").put("label", "fallbacks").put("apiKey", "sk-e2e-fallback-1234").put("baseUrl", upstream.openAiBaseUrl()));
    HttpResponse<Buffer> template = post(portA, "/api/v1/templates", new JsonObject().put("name", "fallbacks").put("provider", "openai")
        .put("model", "gpt-4o").put("tools", new JsonArray()).put("params", new JsonObject().put("fallbackModels", new JsonArray()
            .add(new JsonObject().put("model", "o3")).add(new JsonObject().put("model", "gpt-4o-mini")))));
    assertThat(template.statusCode()).as(template.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> session = post(portA, "/api/v1/sessions", new JsonObject().put("templateId",
        template.bodyAsJsonObject().getString("id")).put("credentialId", cred.bodyAsJsonObject().getString("id")));
    String sessionId = session.bodyAsJsonObject().getString("id");
    upstream.clearRequests();
    // provider-service retries each model (2 retries, Retry-After 0) before the session falls back
    for (int i = 0; i < 3; i++) upstream.enqueue(dev.maestro.testkit.fake.FakeReply.error(529).retryAfter("0"));
    for (int i = 0; i < 3; i++) upstream.enqueue(dev.maestro.testkit.fake.FakeReply.error(429).retryAfter("0"));
    upstream.enqueue(dev.maestro.testkit.fake.FakeReply.stream(dev.maestro.testkit.fake.FakeTurn.create()
        .text("answered ", "by the fallback").usage(40, 4, 0, 0)));
    try {
      Socket socket = new Socket(portA);
      socket.send(new JsonObject().put("type", "subscribe").put("sessionId", sessionId));
      socket.send(new JsonObject().put("type", "send").put("sessionId", sessionId).put("text", "who answers?"));
      List<JsonObject> events = socket.eventsUntilTurnCompleted(30_000);
      socket.close();
      List<String> models = upstream.requests().stream().filter(r -> r.body() != null && r.body().getString("model") != null)
          .map(r -> r.body().getString("model")).toList();
      assertThat(models).containsExactly("gpt-4o", "gpt-4o", "gpt-4o", "o3", "o3", "o3", "gpt-4o-mini");
      List<JsonObject> fallbacks = events.stream().map(e -> e.getJsonObject("event"))
          .filter(e -> "model_fallback".equals(e.getString("type"))).toList();
      assertThat(fallbacks).extracting(e -> e.getJsonObject("from").getString("model") + "→" + e.getJsonObject("to").getString("model")
          + " " + e.getString("code")).containsExactly("gpt-4o→o3 overloaded", "o3→gpt-4o-mini rate_limited");
      assertThat(text(events)).isEqualTo("answered by the fallback");
      JsonObject done = events.stream().map(e -> e.getJsonObject("event")).filter(e -> "message_completed".equals(e.getString("type")))
          .findFirst().orElseThrow();
      assertThat(done.getJsonObject("usage").getString("model")).isEqualTo("gpt-4o-mini");
      // the answer is counted in the usage, at the model that answered
      JsonObject usage = get(portA, "/api/v1/usage?groupBy=model").bodyAsJsonObject();
      assertThat(usage.getJsonArray("items").stream().map(o -> (JsonObject) o)
          .filter(i -> "gpt-4o-mini".equals(i.getString("model"))).mapToLong(i -> i.getLong("requests")).sum()).isGreaterThanOrEqualTo(1);
      assertThat(usage.getJsonObject("budget").getString("month")).isNotBlank();
    } finally {
      upstream.clearQueue();
    }
  }

  @Test
  void aTurnOverItsSessionBudgetIsRefusedAndNeverReachesTheUpstream() throws Exception {
    String sessionId = createSession();
    HttpResponse<Buffer> patched = http.patch(portA, "127.0.0.1", "/api/v1/sessions/" + sessionId).bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("budgetUsd", 0.0001)).await(20, TimeUnit.SECONDS);
    assertThat(patched.statusCode()).as(patched.bodyAsString()).isEqualTo(200);
    assertThat(patched.bodyAsJsonObject().getDouble("budgetUsd")).isEqualTo(0.0001);
    int before = upstream.requests().size();
    Socket socket = new Socket(portA);
    socket.send(new JsonObject().put("type", "subscribe").put("sessionId", sessionId));
    socket.send(new JsonObject().put("type", "send").put("sessionId", sessionId).put("text", "too dear"));
    List<JsonObject> events = socket.eventsUntilTurnCompleted(30_000);
    socket.close();
    JsonObject error = events.stream().map(e -> e.getJsonObject("event")).filter(e -> "turn_error".equals(e.getString("type")))
        .findFirst().orElseThrow();
    assertThat(error.getString("code")).isEqualTo("budget_exceeded");
    assertThat(error.getString("message")).contains("$0.0001 of $0.0001 remain");
    assertThat(upstream.requests()).hasSize(before);
  }

  @Test
  void aResentMessageWithTheSameIdempotencyKeyStartsNoSecondTurnOverApiAndWebSocket() throws Exception {
    String sessionId = createSession();
    Socket socket = new Socket(portB);
    socket.send(new JsonObject().put("type", "subscribe").put("sessionId", sessionId));
    JsonObject body = new JsonObject().put("text", "a long answer please").put("idempotencyKey", "retry-me-1");
    enqueueLongTurn();
    HttpResponse<Buffer> first = post(portA, "/api/v1/sessions/" + sessionId + "/messages", body);
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(202);
    // the answer was lost, the gateway gone: the client resends through the other gateway, over REST and WS
    HttpResponse<Buffer> resent = post(portB, "/api/v1/sessions/" + sessionId + "/messages", body);
    assertThat(resent.statusCode()).as(resent.bodyAsString()).isEqualTo(202);
    assertThat(resent.bodyAsJsonObject().getString("messageId")).isEqualTo(first.bodyAsJsonObject().getString("messageId"));
    assertThat(resent.bodyAsJsonObject().getBoolean("duplicate")).isTrue();
    socket.send(new JsonObject().put("type", "send").put("sessionId", sessionId).put("text", "a long answer please")
        .put("idempotencyKey", "retry-me-1").put("ref", "r1"));
    JsonObject ack = socket.next(f -> "ack".equals(f.getString("type")) && "send".equals(f.getString("action")), 20_000);
    assertThat(ack.getString("messageId")).isEqualTo(first.bodyAsJsonObject().getString("messageId"));
    assertThat(ack.getBoolean("duplicate")).isTrue();
    socket.next(f -> isSessionEvent(f) && "turn_completed".equals(f.getJsonObject("event").getString("type")), 60_000);

    // hostile: a key of the wrong type or size is a documented 400 / bad_frame, never a 5xx
    HttpResponse<Buffer> bad = post(portA, "/api/v1/sessions/" + sessionId + "/messages",
        new JsonObject().put("text", "x").put("idempotencyKey", "k".repeat(201)));
    assertThat(bad.statusCode()).as(bad.bodyAsString()).isEqualTo(400);
    assertThat(bad.getHeader("Content-Type")).startsWith("application/problem+json");
    socket.send(new JsonObject().put("type", "send").put("sessionId", sessionId).put("text", "x").put("idempotencyKey", 42));
    assertThat(socket.next(f -> "error".equals(f.getString("type")), 20_000).toString()).contains("bad_frame");
    socket.close();
    JsonArray messages = get(portA, "/api/v1/sessions/" + sessionId).bodyAsJsonObject().getJsonArray("messages");
    // one user message and one answer: no second turn ran
    assertThat(messages.stream().map(m -> ((JsonObject) m).getString("role")).toList()).containsExactly("user", "assistant");
  }
}
