package dev.maestro.system;

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
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 17 points 4 and 5 on the real system (five clustered services, real PostgreSQL and Redis, the
 * testkit fake upstream): the audit entries of one chat turn (credential use, approval decision, tool
 * execution) and of a sign-in; the OpenAI-compatible door driven by the official {@code openai} npm client
 * (models, non-streaming with history, streaming with usage, a template whose tool call is denied by its
 * config, an unknown model and a bad key as OpenAI errors) and by {@code curl}.
 */
@SharedSystem.Uses
class OperatorDoorsEndToEndTest {
  static Vertx client;
  /**
   * Held for the whole class: a Vert.x 5 client nobody references is shut down by a Cleaner when the GC runs,
   * which closed a socket mid-handshake ("Connection closed while handshake in process").
   */
  static io.vertx.core.http.WebSocketClient sockets;
  static FakeUpstream upstream;
  static int port;
  static WebClient http;
  static String token;
  /** The test's own admin: its name and id. */
  static String operator;
  static String adminId;
  static String credentialId;

  @BeforeAll
  static void startClient(SharedSystem system) throws Exception {
    client = Vertx.vertx();
    sockets = client.createWebSocketClient();
    upstream = FakeUpstream.start(client, 0).await(20, TimeUnit.SECONDS);
    port = system.portA;
    http = WebClient.create(client);
    // an operator of its own (an admin): the door runs on the caller's first openai credential, and on the
    // shared system the bootstrap admin has other classes' credentials, pointing at their fake upstreams
    String admin = system.adminToken(http, "doors-setup");
    operator = "doors-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    String password = "Correct-Horse-Battery-" + operator;
    HttpResponse<Buffer> created = http.post(port, "127.0.0.1", "/api/v1/users").bearerTokenAuthentication(admin)
        .sendJsonObject(new JsonObject().put("username", operator).put("password", password).put("role", "admin"))
        .await(20, TimeUnit.SECONDS);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    adminId = created.bodyAsJsonObject().getString("id");
    HttpResponse<Buffer> minted = http.post(port, "127.0.0.1", "/api/v1/auth/token")
        .sendJsonObject(new JsonObject().put("username", operator).put("password", password).put("name", "doors"))
        .await(20, TimeUnit.SECONDS);
    assertThat(minted.statusCode()).as(minted.bodyAsString()).isEqualTo(201);
    token = minted.bodyAsJsonObject().getString("token");
    // the tool calls below wait for an approval (the default policy): set, as another class may have changed it
    HttpResponse<Buffer> asks = http.patch(port, "127.0.0.1", "/api/v1/tools/write_file").bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("policy", "ask")).await(20, TimeUnit.SECONDS);
    assertThat(asks.statusCode()).as(asks.bodyAsString()).isEqualTo(200);
    HttpResponse<Buffer> cred = post("/api/v1/credentials", new JsonObject().put("provider", "openai").put("label", "fake")
        .put("apiKey", "sk-doors-secret-value-9876").put("baseUrl", upstream.openAiBaseUrl()));
    assertThat(cred.statusCode()).as(cred.bodyAsString()).isEqualTo(201);
    credentialId = cred.bodyAsJsonObject().getString("id");
  }

  @AfterAll
  static void stopClient() throws Exception {
    ServiceNodes.stop(null, client);
  }

  static HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    return http.post(port, "127.0.0.1", path).bearerTokenAuthentication(token).sendJsonObject(body).await(20, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> get(String path) throws Exception {
    return http.get(port, "127.0.0.1", path).bearerTokenAuthentication(token).send().await(20, TimeUnit.SECONDS);
  }

  static JsonObject awaitAudit(String query, Predicate<JsonObject> which) {
    JsonObject[] found = new JsonObject[1];
    Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
      for (Object o : get("/api/v1/audit?limit=200&" + query).bodyAsJsonObject().getJsonArray("items")) {
        if (which.test((JsonObject) o)) found[0] = (JsonObject) o;
      }
      return found[0] != null;
    });
    return found[0];
  }

  @Test
  void oneTurnLeavesItsCredentialUseApprovalAndToolExecutionInTheAuditTrail() throws Exception {
    HttpResponse<Buffer> session = post("/api/v1/sessions", new JsonObject().put("title", "audited").put("provider", "openai")
        .put("model", "gpt-4o-mini").put("credentialId", credentialId));
    String sessionId = session.bodyAsJsonObject().getString("id");
    LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    WebSocket ws = sockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/api/v1/ws").addHeader("Authorization", "Bearer " + token)).await(20, TimeUnit.SECONDS);
    ws.textMessageHandler(t -> frames.add(new JsonObject(t)));
    ws.writeTextMessage(new JsonObject().put("type", "subscribe").put("sessionId", sessionId).encode()).await(10, TimeUnit.SECONDS);
    ws.writeTextMessage(new JsonObject().put("type", "send").put("sessionId", sessionId)
        .put("text", "call tool write_file with {\"path\":\"audit.txt\",\"content\":\"hi\"}").encode()).await(10, TimeUnit.SECONDS);
    JsonObject approval = next(frames, "approval_required");
    String callId = approval.getJsonObject("event").getString("callId");
    ws.writeTextMessage(new JsonObject().put("type", "approve").put("sessionId", sessionId).put("callId", callId)
        .put("decision", "allow").encode()).await(10, TimeUnit.SECONDS);
    assertThat(next(frames, "turn_completed").getJsonObject("event").getString("status")).isEqualTo("complete");
    ws.close().await(10, TimeUnit.SECONDS);

    JsonObject use = awaitAudit("action=useCredential", e -> sessionId.equals(e.getJsonObject("detail").getString("sessionId")));
    assertThat(use.getString("target")).isEqualTo(credentialId);
    assertThat(use.getString("userId")).isEqualTo(adminId);
    assertThat(use.getString("outcome")).isEqualTo("success");
    JsonObject decision = awaitAudit("action=approveToolCall", e -> sessionId.equals(e.getJsonObject("detail").getString("id")));
    assertThat(decision.getJsonObject("detail").getString("decision")).isEqualTo("allow");
    assertThat(decision.getJsonObject("detail").getString("callId")).isEqualTo(callId);
    JsonObject tool = awaitAudit("action=executeTool&user=" + operator, e -> sessionId.equals(e.getJsonObject("detail").getString("sessionId")));
    assertThat(tool.getString("target")).isEqualTo("write_file");
    assertThat(tool.getString("outcome")).isEqualTo("success");
    awaitAudit("action=signIn&outcome=success", e -> adminId.equals(e.getString("userId")));
    String all = get("/api/v1/audit?limit=200").bodyAsString();
    assertThat(all).doesNotContain("sk-doors-secret-value-9876").doesNotContain(token);
  }

  static JsonObject next(LinkedBlockingQueue<JsonObject> frames, String eventType) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      JsonObject f = frames.poll(1, TimeUnit.SECONDS);
      if (f != null && "event".equals(f.getString("type")) && eventType.equals(f.getJsonObject("event").getString("type"))) return f;
    }
    throw new AssertionError("no " + eventType + " within 30 s");
  }

  @Test
  void theOfficialOpenAiClientTalksToTheV1Door() throws Exception {
    HttpResponse<Buffer> tpl = post("/api/v1/templates", new JsonObject().put("name", "door-agent").put("provider", "openai")
        .put("model", "gpt-4o-mini").put("systemPrompt", "agent").put("tools", new JsonArray().add("write_file"))
        .put("params", new JsonObject().put("openaiApprovals", "deny")));
    assertThat(tpl.statusCode()).as(tpl.bodyAsString()).isEqualTo(201);
    Path dir = Path.of("src/test/node/openai-door").toAbsolutePath();
    NodeDeps.ensureInstalled(dir);
    Process p = new ProcessBuilder("node", "door.mjs", "http://127.0.0.1:" + port + "/v1", token, "openai/gpt-4o-mini",
        "template:door-agent").directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("node finished").isTrue();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.exitValue()).as(stdout).isZero();
    JsonObject out = new JsonObject(stdout.lines().reduce((a, b) -> b).orElse("{}"));

    assertThat(out.getJsonArray("models").getList()).contains("template:door-agent");
    JsonObject plain = out.getJsonObject("plain");
    assertThat(plain.getString("object")).as(plain.encode()).isEqualTo("chat.completion");
    assertThat(plain.getString("content")).isEqualTo("Echo: hello door");
    assertThat(plain.getString("finish")).isEqualTo("stop");
    assertThat(plain.getJsonObject("usage").getInteger("completion_tokens")).isPositive();
    JsonObject stream = out.getJsonObject("stream");
    assertThat(stream.getString("content")).as(stream.encode()).isEqualTo("Echo: hello stream");
    assertThat(stream.getInteger("chunks")).isGreaterThanOrEqualTo(4);
    assertThat(stream.getString("finish")).isEqualTo("stop");
    assertThat(stream.getJsonObject("usage").getInteger("total_tokens")).isPositive();
    JsonObject template = out.getJsonObject("template");
    assertThat(template.getValue("error")).as(template.encode()).isNull();
    assertThat(template.getString("finish")).isEqualTo("stop");
    JsonObject unknown = out.getJsonObject("unknownModel");
    assertThat(unknown.getInteger("status")).as(unknown.encode()).isEqualTo(404);
    assertThat(unknown.getString("code")).isEqualTo("model_not_found");
    assertThat(unknown.getString("className")).isEqualTo("NotFoundError");
    JsonObject badKey = out.getJsonObject("badKey");
    assertThat(badKey.getInteger("status")).as(badKey.encode()).isEqualTo(401);
    assertThat(badKey.getString("className")).isEqualTo("AuthenticationError");

    // the template's tool call was denied by its config, and that is in the audit trail
    awaitAudit("action=executeTool&outcome=denied&user=" + operator, e -> "write_file".equals(e.getString("target")));
    // the door's sessions are gone once each call ended
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> get("/api/v1/sessions").bodyAsJsonObject().getJsonArray("items")
        .stream().noneMatch(s -> ((JsonObject) s).getString("title", "").startsWith("openai ")));
  }

  @Test
  void aTemplateCallWaitsForItsApprovalAndAnswersOnceSomeoneAllows() throws Exception {
    assertThat(post("/api/v1/templates", new JsonObject().put("name", "door-waiter").put("provider", "openai")
        .put("model", "gpt-4o-mini").put("tools", new JsonArray().add("write_file"))).statusCode()).isEqualTo(201);
    var call = http.post(port, "127.0.0.1", "/v1/chat/completions").bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("model", "template:door-waiter").put("messages", new JsonArray().add(new JsonObject()
            .put("role", "user").put("content", "call tool write_file with {\"path\":\"wait.txt\",\"content\":\"x\"}"))));
    // the door's session, and the approval it waits for (any Maestro client could give it)
    String[] found = new String[2];
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
      for (Object o : get("/api/v1/sessions").bodyAsJsonObject().getJsonArray("items")) {
        if ("openai template:door-waiter".equals(((JsonObject) o).getString("title"))) found[0] = ((JsonObject) o).getString("id");
      }
      if (found[0] == null) return false;
      for (Object o : get("/api/v1/sessions/" + found[0] + "/events?afterSeq=-1").bodyAsJsonObject().getJsonArray("items")) {
        JsonObject e = ((JsonObject) o).getJsonObject("event");
        if ("approval_required".equals(e.getString("type"))) found[1] = e.getString("callId");
      }
      return found[1] != null;
    });
    assertThat(call.isComplete()).as("the call waits for the approval").isFalse();
    assertThat(post("/api/v1/sessions/" + found[0] + "/approvals/" + found[1], new JsonObject().put("decision", "allow"))
        .statusCode()).isEqualTo(204);
    HttpResponse<Buffer> answer = call.await(30, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    assertThat(answer.bodyAsJsonObject().getString("object")).isEqualTo("chat.completion");
    assertThat(answer.bodyAsJsonObject().getJsonArray("choices").getJsonObject(0).getString("finish_reason")).isEqualTo("stop");
    JsonObject ran = awaitAudit("action=executeTool&outcome=success", e -> found[0].equals(e.getJsonObject("detail").getString("sessionId")));
    assertThat(ran.getString("target")).isEqualTo("write_file");
  }

  @Test
  void curlStreamsSseChunksAndGetsOpenAiShapedErrors() throws Exception {
    String url = "http://127.0.0.1:" + port + "/v1/chat/completions";
    String body = new JsonObject().put("model", "openai/gpt-4o-mini").put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "curl me"))).encode();
    String sse = curl("-sN", "-H", "Authorization: Bearer " + token, "-H", "Content-Type: application/json", "-d", body, url);
    List<String> data = sse.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    assertThat(data.get(data.size() - 1)).as(sse).isEqualTo("[DONE]");
    StringBuilder text = new StringBuilder();
    for (String d : data.subList(0, data.size() - 1)) {
      JsonObject chunk = new JsonObject(d);
      assertThat(chunk.getString("object")).isEqualTo("chat.completion.chunk");
      text.append(chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content", ""));
    }
    assertThat(text.toString()).isEqualTo("Echo: curl me");

    String unknown = curl("-s", "-w", "\n%{http_code}", "-H", "Authorization: Bearer " + token, "-H", "Content-Type: application/json",
        "-d", "{\"model\":\"nobody/x\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", url);
    assertThat(unknown.substring(unknown.lastIndexOf('\n') + 1)).isEqualTo("404");
    JsonObject error = new JsonObject(unknown.substring(0, unknown.lastIndexOf('\n'))).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("code")).isEqualTo("model_not_found");
    String invalid = curl("-s", "-w", "\n%{http_code}", "-H", "Authorization: Bearer " + token, "-H", "Content-Type: application/json",
        "-d", "{\"model\":\"openai/x\"}", url);
    assertThat(invalid.substring(invalid.lastIndexOf('\n') + 1)).isEqualTo("400");
    assertThat(new JsonObject(invalid.substring(0, invalid.lastIndexOf('\n'))).getJsonObject("error").getString("message"))
        .contains("messages");
  }

  static String curl(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("curl", "--max-time", "60"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    return out;
  }
}
