package dev.maestro.gateway;

import dev.maestro.gateway.GatewayFixture.Resp;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP surface over real HTTP: every API.md endpoint reaches its contract, errors are problems. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiHttpTest {
  GatewayFixture fx;
  String admin;
  JsonObject member;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture();
    admin = fx.adminToken();
    member = fx.newUser(admin, "member");
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  String t() {
    return member.getString("token");
  }

  static void assertProblem(Resp r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
    JsonObject p = r.json();
    assertThat(p.getInteger("status")).isEqualTo(status);
    assertThat(p.getString("title")).isNotBlank();
    assertThat(p.getString("type")).isNotBlank();
    assertThat(p.getString("detail")).isNotBlank();
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void unknownPathsAre404AndWrongMethodsAre405() {
    assertProblem(fx.get("/api/v1/nothing-here", t()), 404);
    assertProblem(fx.get("/nothing", null), 404);
    assertProblem(fx.call(HttpMethod.PUT, "/api/v1/sessions", t(), new JsonObject()), 405);
    assertProblem(fx.call(HttpMethod.DELETE, "/api/v1/credentials", t(), null), 405);
    assertProblem(fx.get("/api/v1/sessions/not-a-uuid", t()), 404);
    assertProblem(fx.get("/api/v1/sessions/" + UUID.randomUUID(), t()), 404);
  }

  @Test
  void malformedJsonIs400AndSchemaViolationsNameTheField() {
    assertProblem(fx.post("/api/v1/sessions", t(), "{\"provider\":"), 400);
    assertProblem(fx.post("/api/v1/sessions", t(), "[1,2]"), 400);
    Resp r = fx.post("/api/v1/sessions", t(), new JsonObject().put("provider", "nope").put("model", 3));
    assertProblem(r, 400);
    JsonArray errors = r.json().getJsonArray("errors");
    assertThat(errors.stream().map(o -> ((JsonObject) o).getString("field")).toList()).contains("provider", "model");
    Resp unknown = fx.post("/api/v1/sessions", t(), new JsonObject().put("provider", "openai").put("model", "m").put("evil", true));
    assertProblem(unknown, 400);
    Resp plain = fx.call(fx.port(), HttpMethod.POST, "/api/v1/sessions", t(), "provider=openai",
        MultiMap.caseInsensitiveMultiMap().add("Content-Type", "text/plain"));
    assertProblem(plain, 415);
  }

  static final JsonObject FORM = new JsonObject().put("type", "object").put("required", new JsonArray().add("name"))
      .put("properties", new JsonObject()
          .put("name", new JsonObject().put("type", "string"))
          .put("age", new JsonObject().put("type", "integer").put("default", 30))
          .put("status", new JsonObject().put("type", "string").put("enum", new JsonArray().add("active").add("inactive"))
              .put("default", "active")));

  @Test
  void answeringAnElicitationIs204AndItsFailuresAreProblems() {
    String session = fx.newSession(t());
    String id = UUID.randomUUID().toString();
    String url = "/api/v1/sessions/" + session + "/elicitations/" + id;
    fx.sessions.elicitations.put(id, FORM);
    // bad action, bad content shape, content against the schema: 400 naming the problem
    assertProblem(fx.post(url, t(), new JsonObject().put("action", "maybe")), 400);
    assertProblem(fx.post(url, t(), new JsonObject().put("action", "accept").put("content", "Ada")), 400);
    Resp wrongType = fx.post(url, t(), new JsonObject().put("action", "accept")
        .put("content", new JsonObject().put("name", "Ada").put("age", "thirty")));
    assertProblem(wrongType, 400);
    assertThat(wrongType.json().getString("detail")).contains("age");
    assertProblem(fx.post(url, t(), new JsonObject().put("action", "accept")), 400);   // required name has no default
    // unknown elicitation, somebody else's session: 404
    assertProblem(fx.post("/api/v1/sessions/" + session + "/elicitations/" + UUID.randomUUID(), t(),
        new JsonObject().put("action", "decline")), 404);
    JsonObject other = fx.newUser(admin, "member");
    assertProblem(fx.post(url, other.getString("token"), new JsonObject().put("action", "decline")), 404);

    Resp ok = fx.post(url, t(), new JsonObject().put("action", "accept").put("content", new JsonObject().put("name", "Ada")));
    assertThat(ok.status()).as(ok.body()).isEqualTo(204);
    JsonObject answered = fx.sessions.callsOf("answerElicitation").get(0);
    assertThat(answered.getString("elicitationId")).isEqualTo(id);
    assertThat(answered.getJsonObject("content")).isEqualTo(new JsonObject().put("name", "Ada").put("age", 30).put("status", "active"));
    // answered once: 409
    assertProblem(fx.post(url, t(), new JsonObject().put("action", "decline")), 409);
    assertThat(fx.get("/api/v1/openapi.json", null).json().getJsonObject("paths")
        .containsKey("/api/v1/sessions/{id}/elicitations/{elicitationId}")).isTrue();
  }

  @Test
  void bodiesOverTheLimitAre413() {
    String big = "{\"text\":\"" + "x".repeat((1 << 20) + 10) + "\"}";
    String session = fx.newSession(t());
    assertProblem(fx.post("/api/v1/sessions/" + session + "/messages", t(), big), 413);
    // and the server serves normally afterwards
    assertThat(fx.get("/api/v1/sessions/" + session, t()).status()).isEqualTo(200);
  }

  @Test
  void everyResponseCarriesSecurityHeadersAndNoCorsHeaders() {
    for (Resp r : new Resp[] {fx.get("/api/v1/sessions", t()), fx.get("/nothing", null), fx.get("/health", null)}) {
      assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
      assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
      assertThat(r.header("Content-Security-Policy")).contains("default-src 'self'").contains("frame-ancestors 'none'");
      assertThat(r.header("Access-Control-Allow-Origin")).isNull();
    }
    Resp preflight = fx.call(fx.port(), HttpMethod.OPTIONS, "/api/v1/sessions", null, null, MultiMap.caseInsensitiveMultiMap()
        .add("Origin", "https://evil.example").add("Access-Control-Request-Method", "POST"));
    assertThat(preflight.header("Access-Control-Allow-Origin")).isNull();
    assertThat(preflight.status()).isEqualTo(405);
  }

  @Test
  void healthStaysPublicWithItsShape() {
    Resp r = fx.get("/health", null);
    assertThat(r.json().getJsonObject("services").fieldNames()).containsExactly("gateway", "session", "provider", "tool", "auth");
    assertThat(r.json().getString("postgres")).isEqualTo("UP");
  }

  @Test
  void sessionEndpointsReachTheSessionService() {
    Resp created = fx.post("/api/v1/sessions", t(), new JsonObject().put("provider", "anthropic").put("model", "claude").put("title", "hello world"));
    assertThat(created.status()).isEqualTo(201);
    String id = created.json().getString("id");
    assertThat(fx.sessions.callsOf("create").get(fx.sessions.callsOf("create").size() - 1).getString("userId")).isEqualTo(member.getString("id"));
    Resp list = fx.get("/api/v1/sessions?q=hello&limit=10", t());
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().getJsonArray("items").getJsonObject(0).getString("id")).isEqualTo(id);
    assertThat(list.json().getJsonArray("items").getJsonObject(0).containsKey("openIn")).isTrue();
    assertThat(list.json().containsKey("nextCursor")).isTrue();
    assertThat(fx.call(HttpMethod.PATCH, "/api/v1/sessions/" + id, t(), new JsonObject().put("title", "renamed")).json().getString("title"))
        .isEqualTo("renamed");
    Resp sent = fx.post("/api/v1/sessions/" + id + "/messages", t(), new JsonObject().put("text", "hi"));
    assertThat(sent.status()).isEqualTo(202);
    assertThat(sent.json().getString("messageId")).isNotBlank();
    assertThat(sent.json().getString("turnId")).isNotBlank();
    assertThat(fx.post("/api/v1/sessions/" + id + "/cancel", t(), null).status()).isEqualTo(202);
    assertThat(fx.post("/api/v1/sessions/" + id + "/compact", t(), null).status()).isEqualTo(202);
    Resp fork = fx.post("/api/v1/sessions/" + id + "/fork", t(), new JsonObject());
    assertThat(fork.status()).isEqualTo(201);
    assertThat(fork.json().getString("id")).isNotEqualTo(id);
    Resp md = fx.get("/api/v1/sessions/" + id + "/export?format=markdown", t());
    assertThat(md.header("Content-Type")).startsWith("text/markdown");
    assertThat(md.body()).startsWith("# renamed");
    Resp json = fx.get("/api/v1/sessions/" + id + "/export?format=json", t());
    assertThat(json.json().getString("id")).isEqualTo(id);
    assertProblem(fx.get("/api/v1/sessions/" + id + "/export?format=pdf", t()), 400);
    Resp imported = fx.post("/api/v1/sessions/import", t(), json.json());
    assertThat(imported.status()).isEqualTo(201);
    Resp events = Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
        .until(() -> fx.get("/api/v1/sessions/" + id + "/events?afterSeq=2", t()), r -> r.json().getJsonArray("items").size() >= 4);
    assertThat(events.json().getJsonArray("items").getJsonObject(0).getLong("seq")).isEqualTo(3);
    assertProblem(fx.get("/api/v1/sessions/" + id + "/events?afterSeq=abc", t()), 400);
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/sessions/" + id, t(), null).status()).isEqualTo(204);
    assertProblem(fx.get("/api/v1/sessions/" + id, t()), 404);
  }

  @Test
  void credentialEndpointsNeverReturnSecrets() {
    Resp c = fx.post("/api/v1/credentials", t(), new JsonObject().put("provider", "openai").put("kind", "api_key").put("label", "mine")
        .put("apiKey", "sk-very-secret-value").put("baseUrl", "http://localhost:11434/v1"));
    assertThat(c.status()).isEqualTo(201);
    assertThat(c.body()).doesNotContain("sk-very-secret-value");
    Resp list = fx.get("/api/v1/credentials", t());
    assertThat(list.body()).doesNotContain("sk-very-secret-value").contains(c.json().getString("id"));
    assertProblem(fx.post("/api/v1/credentials", t(), new JsonObject().put("provider", "openai").put("label", "x")
        .put("apiKey", "k").put("baseUrl", "javascript:alert(1)")), 400);
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/credentials/" + c.json().getString("id"), t(), null).status()).isEqualTo(204);
  }

  @Test
  void oauthClientsAreAdminManagedAndTheirSecretIsWriteOnly() {
    JsonObject client = new JsonObject().put("provider", "anthropic").put("name", "claude").put("authorizeUrl", "https://a.example/authorize")
        .put("tokenUrl", "https://a.example/token").put("clientId", "cid").put("clientSecret", "client-secret-xyz")
        .put("scopes", new JsonArray().add("user:inference"));
    assertProblem(fx.post("/api/v1/oauth-clients", t(), client), 403);
    Resp created = fx.post("/api/v1/oauth-clients", admin, client);
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.body()).doesNotContain("client-secret-xyz");
    String id = created.json().getString("id");
    assertThat(fx.get("/api/v1/oauth-clients", t()).body()).contains(id).doesNotContain("client-secret-xyz");
    assertThat(fx.get("/api/v1/oauth-clients/" + id, t()).status()).isEqualTo(200);
    assertThat(fx.call(HttpMethod.PUT, "/api/v1/oauth-clients/" + id, admin, client.copy().put("name", "renamed")).json().getString("name"))
        .isEqualTo("renamed");
    Resp start = fx.post("/api/v1/credentials/oauth/anthropic/start", t(), new JsonObject().put("label", "l").put("oauthClientId", id));
    assertThat(start.status()).isEqualTo(200);
    assertThat(start.json().getString("authorizeUrl")).contains("/oauth/callback");
    assertProblem(fx.post("/api/v1/credentials/oauth/nope/start", t(), new JsonObject().put("label", "l").put("oauthClientId", id)), 404);
    assertThat(fx.post("/api/v1/credentials/oauth/anthropic/start", t(), new JsonObject().put("label", "l").put("oauthClientId", id)
        .put("baseUrl", "http://127.0.0.1:8089")).status()).as("a sign-in for a proxy").isEqualTo(200);
    assertProblem(fx.post("/api/v1/credentials/oauth/anthropic/start", t(), new JsonObject().put("label", "l").put("oauthClientId", id)
        .put("baseUrl", "ftp://proxy")), 400);
    // the callback completes in the starter's own browser session
    MultiMap browser = MultiMap.caseInsensitiveMultiMap().add("Cookie",
        fx.browserLogin(member.getString("username"), "password-" + member.getString("username")).getString("cookie"));
    Resp callback = fx.call(fx.port(), HttpMethod.GET, "/oauth/callback?code=abc&state=" + start.json().getString("state"), null, null, browser);
    assertThat(callback.status()).isEqualTo(303);
    assertThat(callback.header("Location")).startsWith("/credentials?connected=");
    Resp reused = fx.call(fx.port(), HttpMethod.GET, "/oauth/callback?code=abc&state=" + start.json().getString("state"), null, null, browser);
    assertThat(reused.header("Location")).startsWith("/credentials?error=");
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/oauth-clients/" + id, admin, null).status()).isEqualTo(204);
  }

  @Test
  void toolsMcpServersTemplatesAndModelsReachTheirServices() {
    assertThat(fx.get("/api/v1/tools", t()).json().getJsonArray("items").getJsonObject(0).getString("name")).isEqualTo("read_file");
    assertProblem(fx.call(HttpMethod.PATCH, "/api/v1/tools/read_file", t(), new JsonObject().put("policy", "ask")), 403);
    assertThat(fx.call(HttpMethod.PATCH, "/api/v1/tools/read_file", admin, new JsonObject().put("policy", "ask")).json().getString("policy"))
        .isEqualTo("ask");
    assertProblem(fx.call(HttpMethod.PATCH, "/api/v1/tools/read_file", admin, new JsonObject().put("policy", "sometimes")), 400);
    JsonObject server = new JsonObject().put("name", "fs").put("transport", "stdio").put("command", "npx").put("args", new JsonArray().add("-y"));
    assertProblem(fx.post("/api/v1/mcp-servers", t(), server), 403);
    Resp s = fx.post("/api/v1/mcp-servers", admin, server);
    assertThat(s.status()).isEqualTo(201);
    String sid = s.json().getString("id");
    assertThat(fx.get("/api/v1/mcp-servers", t()).body()).contains(sid);
    assertThat(fx.get("/api/v1/mcp-servers/" + sid, t()).status()).isEqualTo(200);
    assertThat(fx.call(HttpMethod.PATCH, "/api/v1/mcp-servers/" + sid, admin, new JsonObject().put("enabled", false)).json().getBoolean("enabled"))
        .isFalse();
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/mcp-servers/" + sid, admin, null).status()).isEqualTo(204);
    // A pre-registered OAuth client passes the schema (tool-service validates and stores it); a malformed one is a 400.
    JsonObject http = new JsonObject().put("name", "remote").put("transport", "http").put("url", "https://mcp.example.test/mcp");
    Resp remote = fx.post("/api/v1/mcp-servers", admin, http.copy().put("oauthClient",
        new JsonObject().put("clientId", "c").put("clientSecret", "s")));
    assertThat(remote.status()).isEqualTo(201);
    assertThat(fx.call(HttpMethod.PATCH, "/api/v1/mcp-servers/" + remote.json().getString("id"), admin,
        new JsonObject().putNull("oauthClient")).status()).isEqualTo(200);
    assertProblem(fx.post("/api/v1/mcp-servers", admin, http.copy().put("name", "remote2")
        .put("oauthClient", new JsonObject().put("clientSecret", "s"))), 400);
    assertProblem(fx.post("/api/v1/mcp-servers", admin, http.copy().put("name", "remote3").put("oauthClient", "c")), 400);
    JsonObject template = new JsonObject().put("name", "coder").put("description", "d").put("provider", "openai").put("model", "m")
        .put("systemPrompt", "be brief").put("tools", new JsonArray()).put("params", new JsonObject());
    Resp tpl = fx.post("/api/v1/templates", t(), template);
    assertThat(tpl.status()).isEqualTo(201);
    String tid = tpl.json().getString("id");
    assertThat(fx.get("/api/v1/templates", t()).body()).contains(tid);
    assertThat(fx.get("/api/v1/templates/" + tid, admin).status()).isEqualTo(404);
    assertThat(fx.call(HttpMethod.PUT, "/api/v1/templates/" + tid, t(), template.copy().put("name", "c2")).json().getString("name")).isEqualTo("c2");
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/templates/" + tid, t(), null).status()).isEqualTo(204);
    Resp models = fx.get("/api/v1/models?provider=gemini", t());
    assertThat(models.json().getJsonArray("items").getJsonObject(0).getString("provider")).isEqualTo("gemini");
    assertProblem(fx.get("/api/v1/models?provider=nope", t()), 400);
  }

  @Test
  void aServiceThatIsNotRunningIs503AndComesBack() {
    fx.sessionBinding.unregister().await();
    try {
      assertProblem(fx.get("/api/v1/sessions", t()), 503);
    } finally {
      fx.sessionBinding = new io.vertx.serviceproxy.ServiceBinder(fx.vertx).setAddress(dev.maestro.contracts.session.SessionService.ADDRESS)
          .register(dev.maestro.contracts.session.SessionService.class, fx.sessions);
      fx.sessionBinding.completion().await();
    }
    assertThat(fx.get("/api/v1/sessions", t()).status()).isEqualTo(200);
  }
}
