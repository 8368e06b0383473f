package dev.maestro.gateway;

import dev.maestro.gateway.GatewayFixture.Resp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MCP resources and prompts through the front door: listed, read, attached to a message (HTTP and WebSocket), a
 * prompt got; unknown servers and resources are 404s, bad input documented 400s, never a 5xx or a class name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpResourcesApiTest {
  GatewayFixture fx;
  String token;
  String serverId;
  String uri;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture();
    String admin = fx.adminToken();
    JsonObject member = fx.newUser(admin, "member");
    token = fx.token(member.getString("username"), "password-" + member.getString("username"));
    serverId = fx.tools.createMcpServer(new JsonObject().put("name", "docs").put("transport", "http").put("url", "https://mcp.example/d"))
        .await().getString("id");
    uri = "fake://docs/readme";
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  @Test
  void resourcesAndPromptsAreListedReadAndGot() {
    Resp list = fx.get("/api/v1/mcp-resources", token);
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().getJsonArray("items").encode()).contains(uri).contains(serverId);
    Resp read = fx.get("/api/v1/mcp-servers/" + serverId + "/resource?uri=" + URLEncoder.encode(uri, StandardCharsets.UTF_8), token);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json().getString("text")).isEqualTo("the readme of docs");
    Resp prompts = fx.get("/api/v1/mcp-prompts?serverId=" + serverId, token);
    assertThat(prompts.json().getJsonArray("items").getJsonObject(0).getString("name")).isEqualTo("hello");
    Resp got = fx.post("/api/v1/mcp-servers/" + serverId + "/prompts/hello", token,
        new JsonObject().put("arguments", new JsonObject().put("name", "Ada")));
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.json().getString("text")).isEqualTo("Say hello to Ada");
  }

  @Test
  void hostileInputIsA4xxProblem() {
    String other = UUID.randomUUID().toString();
    problem(fx.get("/api/v1/mcp-servers/" + other + "/resource?uri=x", token), 404);
    problem(fx.get("/api/v1/mcp-servers/" + serverId + "/resource?uri=" + URLEncoder.encode("fake://docs/secret", StandardCharsets.UTF_8), token), 404);
    problem(fx.get("/api/v1/mcp-servers/" + serverId + "/resource", token), 400);
    problem(fx.get("/api/v1/mcp-servers/not-a-uuid/resource?uri=x", token), 404);
    problem(fx.get("/api/v1/mcp-resources?serverId=nope", token), 400);
    problem(fx.get("/api/v1/mcp-resources?serverId=" + other, token), 404);
    problem(fx.post("/api/v1/mcp-servers/" + serverId + "/prompts/hello", token, new JsonObject()), 400);
    problem(fx.post("/api/v1/mcp-servers/" + serverId + "/prompts/hello", token,
        new JsonObject().put("arguments", new JsonObject().put("name", 42))), 400);
    problem(fx.post("/api/v1/mcp-servers/" + serverId + "/prompts/nope", token, new JsonObject()), 404);
    String session = fx.newSession(token);
    JsonArray six = new JsonArray();
    for (int i = 0; i < 6; i++) six.add(new JsonObject().put("serverId", serverId).put("uri", uri));
    problem(fx.post("/api/v1/sessions/" + session + "/messages", token, new JsonObject().put("text", "hi").put("attachments", six)), 400);
    problem(fx.post("/api/v1/sessions/" + session + "/messages", token, new JsonObject().put("text", "hi")
        .put("attachments", new JsonArray().add(new JsonObject().put("serverId", serverId)))), 400);
  }

  @Test
  void attachmentsReachTheSessionOverHttpAndWebSocket() throws Exception {
    String session = fx.newSession(token);
    Resp sent = fx.post("/api/v1/sessions/" + session + "/messages", token, new JsonObject().put("text", "look at this")
        .put("attachments", new JsonArray().add(new JsonObject().put("serverId", serverId).put("uri", uri))));
    assertThat(sent.status()).isEqualTo(202);
    assertThat(lastUserContent(session).encode()).contains("\"type\":\"attachment\"").contains(uri);

    GatewayFixture.Ws ws = fx.ws(fx.port(), token, null, null);
    ws.send(new JsonObject().put("type", "send").put("id", "r1").put("sessionId", session).put("text", "and this")
        .put("attachments", new JsonArray().add(new JsonObject().put("serverId", serverId).put("uri", "fake://docs/readme#2"))));
    JsonObject ack = ws.next(f -> "r1".equals(f.getString("id")), Duration.ofSeconds(10));
    assertThat(ack.getString("type")).as(ack.encode()).isEqualTo("ack");
    assertThat(lastUserContent(session).encode()).contains("fake://docs/readme#2");
  }

  private JsonArray lastUserContent(String session) {
    JsonArray messages = fx.sessions.sessions.get(session).getJsonArray("messages");
    for (int i = messages.size() - 1; i >= 0; i--) {
      JsonObject m = messages.getJsonObject(i);
      if ("user".equals(m.getString("role"))) return m.getJsonArray("content");
    }
    throw new AssertionError("no user message");
  }

  private static void problem(Resp r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.header("content-type")).startsWith("application/problem+json");
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("dev.maestro");
  }
}
