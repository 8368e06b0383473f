package dev.maestro.system;

import java.time.Duration;
import org.awaitility.Awaitility;
import dev.maestro.testkit.NodeDeps;
import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MCP elicitation across the services: a real MCP server (server-everything over stdio, run by
 * tool-service) asks during a tools/call that the fake model made in a chat; the question reaches the
 * user as the session event elicitation_required over the gateway's WebSocket, and the user's answer
 * (gateway HTTP or WebSocket → session-service → tool-service) reaches the server, whose report
 * comes back as the tool result the model then sees.
 */
@SharedSystem.Uses
class ElicitationEndToEndTest {
  static final String TOOL = "everything__trigger-elicitation-request";
  static final Path NODE_DIR = Path.of("../tool-service/src/test/node/mcp").toAbsolutePath().normalize();
  static final long TURN_MS = 30_000;
  static Vertx client;
  /**
   * Held for the whole class: a Vert.x 5 client nobody references is shut down by a Cleaner when the GC runs,
   * which closed a socket mid-handshake ("Connection closed while handshake in process").
   */
  static io.vertx.core.http.WebSocketClient sockets;
  static JsonObject config;
  static FakeUpstream upstream;
  static int port;
  static WebClient http;
  static String token;
  static String credentialId;
  /** The running test's chat: a call left waiting on its question would make the next test's question ambiguous. */
  static Chat current;

  @BeforeAll
  static void startClient(SharedSystem system) throws Exception {
    NodeDeps.ensureInstalled(NODE_DIR);
    client = Vertx.vertx();
    sockets = client.createWebSocketClient();
    config = system.config;
    upstream = FakeUpstream.start(client, 0).await(20, TimeUnit.SECONDS);
    port = system.portA;
    http = WebClient.create(client);
    token = system.adminToken(http, "elicitation-e2e");

    system.everything(http, token, NODE_DIR);
    // the tool exists only for a client that declared elicitation, so seeing it proves the capability got through
    poll("tool " + TOOL + " listed", () -> get("/api/v1/tools").bodyAsJsonObject(),
        l -> l.getJsonArray("items").stream().anyMatch(t -> TOOL.equals(((JsonObject) t).getString("name"))));
    HttpResponse<Buffer> allowed = http.patch(port, "127.0.0.1", "/api/v1/tools/" + TOOL).bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("policy", "allow")).await(20, TimeUnit.SECONDS);
    assertThat(allowed.statusCode()).as(allowed.bodyAsString()).isEqualTo(200);

    HttpResponse<Buffer> cred = post("/api/v1/credentials", new JsonObject().put("provider", "openai")
        .put("kind", "api_key").put("label", "fake openai").put("apiKey", "sk-elicit-secret-value-1234")
        .put("baseUrl", upstream.openAiBaseUrl()));
    assertThat(cred.statusCode()).as(cred.bodyAsString()).isEqualTo(201);
    credentialId = cred.bodyAsJsonObject().getString("id");
  }

  @AfterAll
  static void stopClient() throws Exception {
    ServiceNodes.stop(null, client);
  }

  @AfterEach
  void endTheChat() throws Exception {
    if (current == null) return;
    if (!current.types().contains("turn_completed")) {
      post("/api/v1/sessions/" + current.sessionId + "/cancel", new JsonObject());
      current.event("turn_completed");
    }
    current.close();
    current = null;
  }

  static HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    return http.post(port, "127.0.0.1", path).bearerTokenAuthentication(token).sendJsonObject(body).await(20, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> get(String path) throws Exception {
    return http.get(port, "127.0.0.1", path).bearerTokenAuthentication(token).send().await(20, TimeUnit.SECONDS);
  }

  interface Fetch {
    JsonObject get() throws Exception;
  }

  static JsonObject poll(String what, Fetch fetch, Predicate<JsonObject> done) throws Exception {
    return Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
        .until(fetch::get, done);
  }

  /** One chat whose model calls the elicitation tool, watched over the gateway's WebSocket. */
  static final class Chat {
    final String sessionId;
    final WebSocket ws;
    final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    /** Session events seen so far (presence left out), in order. */
    final List<JsonObject> events = new ArrayList<>();

    Chat() throws Exception {
      HttpResponse<Buffer> session = post("/api/v1/sessions", new JsonObject().put("title", "elicitation e2e")
          .put("provider", "openai").put("model", "gpt-4o-mini").put("credentialId", credentialId));
      assertThat(session.statusCode()).as(session.bodyAsString()).isEqualTo(201);
      sessionId = session.bodyAsJsonObject().getString("id");
      ws = sockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
          .setURI("/api/v1/ws").addHeader("Authorization", "Bearer " + token)).await(20, TimeUnit.SECONDS);
      ws.textMessageHandler(t -> frames.add(new JsonObject(t)));
      current = this;
      send(new JsonObject().put("type", "subscribe").put("sessionId", sessionId).put("id", "sub"));
      frame(f -> "ack".equals(f.getString("type")) && "sub".equals(f.getString("id")), "subscribe ack");
      HttpResponse<Buffer> sent = post("/api/v1/sessions/" + sessionId + "/messages",
          new JsonObject().put("text", "call tool " + TOOL + " with {}"));
      assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    }

    void send(JsonObject frame) throws Exception {
      ws.writeTextMessage(frame.encode()).await(10, TimeUnit.SECONDS);
    }

    /** The next frame matching which; session events passed on the way are kept in events. */
    JsonObject frame(Predicate<JsonObject> which, String what) throws InterruptedException {
      long deadline = System.currentTimeMillis() + TURN_MS;
      while (true) {
        JsonObject f = frames.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        if (f == null) throw new AssertionError("no " + what + " within " + TURN_MS + " ms; events so far: " + events);
        if ("event".equals(f.getString("type")) && !"presence".equals(f.getJsonObject("event").getString("type"))) {
          events.add(f.getJsonObject("event"));
        }
        if (which.test(f)) return f;
      }
    }

    JsonObject event(String type) throws InterruptedException {
      for (JsonObject e : events) if (type.equals(e.getString("type"))) return e;
      return frame(f -> "event".equals(f.getString("type")) && type.equals(f.getJsonObject("event").getString("type")),
          "event " + type).getJsonObject("event");
    }

    List<String> types() {
      return events.stream().map(e -> e.getString("type")).toList();
    }

    HttpResponse<Buffer> answer(String elicitationId, JsonObject body) throws Exception {
      return post("/api/v1/sessions/" + sessionId + "/elicitations/" + elicitationId, body);
    }

    /** The tool_result part stored for callId, and the last (assistant) message's text. */
    JsonObject storedResult(String callId) throws Exception {
      JsonArray messages = get("/api/v1/sessions/" + sessionId).bodyAsJsonObject().getJsonArray("messages");
      for (Object m : messages) {
        for (Object p : ((JsonObject) m).getJsonArray("content")) {
          JsonObject part = (JsonObject) p;
          if ("tool_result".equals(part.getString("type")) && callId.equals(part.getString("callId"))) return part;
        }
      }
      throw new AssertionError("no stored tool_result for " + callId + " in " + messages.encode());
    }

    String lastAssistantText() throws Exception {
      JsonArray messages = get("/api/v1/sessions/" + sessionId).bodyAsJsonObject().getJsonArray("messages");
      JsonObject last = messages.getJsonObject(messages.size() - 1);
      assertThat(last.getString("role")).isEqualTo("assistant");
      assertThat(last.getString("status")).isEqualTo("complete");
      return last.getJsonArray("content").getJsonObject(0).getString("text");
    }

    String streamedText() {
      StringBuilder sb = new StringBuilder();
      boolean afterResult = false;
      for (JsonObject e : events) {
        if ("tool_result".equals(e.getString("type"))) afterResult = true;
        else if (afterResult && "delta".equals(e.getString("type"))) sb.append(e.getString("text"));
      }
      return sb.toString();
    }

    void close() throws Exception {
      ws.close().await(10, TimeUnit.SECONDS);
    }
  }

  static String text(JsonArray content) {
    StringBuilder sb = new StringBuilder();
    for (Object o : content) {
      JsonObject b = (JsonObject) o;
      if ("text".equals(b.getString("type"))) sb.append(b.getString("text")).append('\n');
    }
    return sb.toString();
  }

  /** Waits for the question and checks it is the server's, for the call the model just made. */
  static JsonObject question(Chat chat) throws Exception {
    JsonObject required = chat.event("elicitation_required");
    JsonObject call = chat.event("tool_call");
    assertThat(call.getString("name")).isEqualTo(TOOL);
    assertThat(required.getString("callId")).isEqualTo(call.getString("callId"));
    assertThat(chat.types()).as("the call is still running").doesNotContain("tool_result", "turn_completed");
    assertThat(required.getString("server")).isEqualTo("everything");
    assertThat(required.getString("message")).isEqualTo("Please provide inputs for the following fields:");
    JsonObject schema = required.getJsonObject("schema");
    assertThat(schema.getJsonArray("required")).containsExactly("name");
    assertThat(schema.getJsonObject("properties").getJsonObject("integer").getInteger("default")).isEqualTo(42);
    assertThat(schema.getJsonObject("properties").getJsonObject("email").getString("format")).isEqualTo("email");
    assertThat(required.getString("elicitationId")).isNotBlank();
    return required;
  }

  /** elicitation_resolved with action comes before the tool result, and the turn completes on the model's answer. */
  static String resolvedAndCompleted(Chat chat, String elicitationId, String action) throws Exception {
    JsonObject resolved = chat.event("elicitation_resolved");
    assertThat(resolved.getString("elicitationId")).isEqualTo(elicitationId);
    assertThat(resolved.getString("action")).isEqualTo(action);
    JsonObject result = chat.event("tool_result");
    JsonObject completed = chat.event("turn_completed");
    assertThat(completed.getString("status")).isEqualTo("complete");
    List<String> types = chat.types();
    assertThat(types.indexOf("elicitation_required")).isLessThan(types.indexOf("elicitation_resolved"));
    assertThat(types.indexOf("elicitation_resolved")).isLessThan(types.indexOf("tool_result"));
    assertThat(result.getBoolean("isError")).as(result.encode()).isFalse();
    String resultText = text(result.getJsonArray("content"));
    assertThat(text(chat.storedResult(result.getString("callId")).getJsonArray("content"))).isEqualTo(resultText);
    String answer = chat.lastAssistantText();
    assertThat(answer).startsWith("Tool " + TOOL + " returned: ");
    assertThat(chat.streamedText()).isEqualTo(answer);
    return resultText;
  }

  /**
   * Issue 19: a resource of the real server-everything, attached to a message through the API, reaches the provider
   * request as bounded context marked untrusted; the server's instructions reach the system prompt.
   */
  @Test
  void anAttachedResourceReachesTheProviderRequestAsUntrustedContext() throws Exception {
    JsonObject resources = get("/api/v1/mcp-resources").bodyAsJsonObject();
    JsonObject doc = resources.getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(r -> r.getString("uri").startsWith("demo://resource/static/document/")).findFirst().orElseThrow();
    String text = get("/api/v1/mcp-servers/" + doc.getString("serverId") + "/resource?uri="
        + java.net.URLEncoder.encode(doc.getString("uri"), java.nio.charset.StandardCharsets.UTF_8)).bodyAsJsonObject().getString("text");
    assertThat(text).isNotBlank();
    HttpResponse<Buffer> session = post("/api/v1/sessions", new JsonObject().put("title", "attachment e2e")
        .put("provider", "openai").put("model", "gpt-4o-mini").put("credentialId", credentialId));
    String sessionId = session.bodyAsJsonObject().getString("id");
    upstream.clearRequests();
    HttpResponse<Buffer> sent = post("/api/v1/sessions/" + sessionId + "/messages", new JsonObject().put("text", "summarize it")
        .put("attachments", new JsonArray().add(new JsonObject().put("serverId", doc.getString("serverId")).put("uri", doc.getString("uri")))));
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    poll("the provider request", () -> new JsonObject().put("n", upstream.requests().size()), j -> j.getInteger("n") > 0);
    String request = upstream.requests().get(0).body().encode();
    assertThat(request).contains("<untrusted-mcp-resource server=\\\"everything\\\" uri=\\\"" + doc.getString("uri"))
        .contains(new JsonObject().put("t", text.substring(0, Math.min(40, text.length()))).encode().replaceAll("^\\{\"t\":\"|\"}$", ""))
        .contains("<mcp-server-instructions server=\\\"everything\\\">");
    JsonArray stored = get("/api/v1/sessions/" + sessionId).bodyAsJsonObject().getJsonArray("messages").getJsonObject(0).getJsonArray("content");
    assertThat(stored.getJsonObject(1).getString("type")).isEqualTo("attachment");
    // the demo model echoes the whole document (long): the turn is cancelled, not waited for
    post("/api/v1/sessions/" + sessionId + "/cancel", new JsonObject());
    poll("the turn ended", () -> get("/api/v1/sessions/" + sessionId).bodyAsJsonObject(),
        s -> s.getJsonArray("messages").size() >= 2 && !"streaming".equals(s.getJsonArray("messages")
            .getJsonObject(s.getJsonArray("messages").size() - 1).getString("status")));
  }

  @Test
  void anAcceptedAnswerOverHttpReachesTheMcpServerWithTheSchemaDefaults() throws Exception {
    Chat chat = new Chat();
    String id = question(chat).getString("elicitationId");

    // only the required field and one more: the rest are the schema's defaults
    HttpResponse<Buffer> answered = chat.answer(id, new JsonObject().put("action", "accept")
        .put("content", new JsonObject().put("name", "Ada Lovelace").put("email", "ada@example.org")));
    assertThat(answered.statusCode()).as(answered.bodyAsString()).isEqualTo(204);

    String result = resolvedAndCompleted(chat, id, "accept");
    assertThat(result).contains("User provided the requested information").contains("- Name: Ada Lovelace")
        .contains("- Email: ada@example.org").contains("- Favorite Integer: 42").contains("- Favorite Number: 3.14");
    assertThat(result).as("the server's raw echo of what it got").contains("\"firstLine\": \"It was a dark and stormy night.\"");
    assertThat(chat.lastAssistantText()).contains("User provided the requested information");

    HttpResponse<Buffer> again = chat.answer(id, new JsonObject().put("action", "decline"));
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(409);
  }

  @Test
  void aDeclineOverTheWebSocketReachesTheMcpServer() throws Exception {
    Chat chat = new Chat();
    String id = question(chat).getString("elicitationId");

    chat.send(new JsonObject().put("type", "elicit").put("id", "no").put("sessionId", chat.sessionId)
        .put("elicitationId", id).put("action", "decline"));
    JsonObject reply = chat.frame(f -> "no".equals(f.getString("id")), "reply to elicit");
    assertThat(reply.getString("type")).as(reply.encode()).isEqualTo("ack");
    assertThat(reply.getString("action")).isEqualTo("elicit");

    String result = resolvedAndCompleted(chat, id, "decline");
    assertThat(result).contains("User declined to provide the requested information").doesNotContain("User provided");
    assertThat(chat.lastAssistantText()).contains("User declined");
  }

  @Test
  void contentOfTheWrongTypeIsA400AndTheQuestionStaysOpenForAValidAnswer() throws Exception {
    Chat chat = new Chat();
    String id = question(chat).getString("elicitationId");

    HttpResponse<Buffer> bad = chat.answer(id, new JsonObject().put("action", "accept")
        .put("content", new JsonObject().put("name", "Grace Hopper").put("integer", "forty-two")));
    assertThat(bad.statusCode()).as(bad.bodyAsString()).isEqualTo(400);
    assertThat(bad.getHeader("Content-Type")).startsWith("application/problem+json");
    JsonObject problem = bad.bodyAsJsonObject();
    assertThat(problem.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
        .as(problem.encode()).contains("integer");
    HttpResponse<Buffer> missing = chat.answer(id, new JsonObject().put("action", "accept").put("content", new JsonObject()));
    assertThat(missing.statusCode()).as(missing.bodyAsString()).isEqualTo(400);
    assertThat(missing.bodyAsJsonObject().getString("detail")).contains("name");

    HttpResponse<Buffer> good = chat.answer(id, new JsonObject().put("action", "accept")
        .put("content", new JsonObject().put("name", "Grace Hopper").put("integer", 7)));
    assertThat(good.statusCode()).as(good.bodyAsString()).isEqualTo(204);
    String result = resolvedAndCompleted(chat, id, "accept");
    assertThat(result).contains("- Name: Grace Hopper").contains("- Favorite Integer: 7");
    assertThat(chat.events.stream().filter(e -> "elicitation_resolved".equals(e.getString("type"))).count())
        .as("the bad answers resolved nothing").isEqualTo(1);
  }
}
