package dev.maestro.gateway;

import dev.maestro.gateway.GatewayFixture.Resp;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 point 1: every route of the gateway's router (every API operation of the OpenAPI
 * document, every page and form of the web UI, and the few other routes) called as an admin, a
 * member, a user deleted after signing in, and nobody; each row states the answer for each. A
 * route without a row fails the test, so a new page or operation cannot be added unchecked.
 * API rows authenticate with bearer tokens; page rows with the browser's cookie (+CSRF field).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrontDoorAuthorizationTest {
  /** Expected 303 to /login. */
  static final int LOGIN = -303;

  enum Kind { ADMIN, MEMBER, DELETED, ANON }

  /** One kind of caller; {@code cookies} are unused browser sessions (a deleted user's cannot be renewed). */
  static final class Caller {
    final Kind kind;
    String userId;
    String username;
    String password;
    String token;
    String cookie;
    String csrf;
    final Deque<String[]> spareCookies = new ArrayDeque<>();

    Caller(Kind kind) {
      this.kind = kind;
    }

    boolean real() {
      return kind == Kind.ADMIN || kind == Kind.MEMBER;
    }
  }

  record Req(HttpMethod method, String path, Object body, boolean freshCookie) {}

  record Row(String route, Function<Caller, Req> request, int admin, int member, int deleted, int anon) {
    int expected(Kind k) {
      return switch (k) {
        case ADMIN -> admin;
        case MEMBER -> member;
        case DELETED -> deleted;
        case ANON -> anon;
      };
    }
  }

  GatewayFixture fx;
  String adminToken;
  final Map<Kind, Caller> callers = new LinkedHashMap<>();

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture();
    adminToken = fx.adminToken();
    Caller admin = new Caller(Kind.ADMIN);
    admin.username = "admin";
    admin.password = GatewayFixture.ADMIN_PASSWORD;
    admin.token = adminToken;
    admin.userId = fx.get("/api/v1/users", adminToken).json().getJsonArray("items").getJsonObject(0).getString("id");
    Caller member = user(Kind.MEMBER);
    Caller deleted = user(Kind.DELETED);
    // Many unused browser sessions of the user to be deleted: each page row gets one never seen
    // by the gateway since the deletion (the first request of a deleted user ends its session).
    for (int i = 0, n = pageRows().size(); i < n; i++) deleted.spareCookies.add(browserLogin(deleted.username, deleted.password));
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/users/" + deleted.userId, adminToken, null).status()).isEqualTo(204);
    String[] first = browserLogin(admin.username, admin.password);
    admin.cookie = first[0];
    admin.csrf = first[1];
    String[] m = browserLogin(member.username, member.password);
    member.cookie = m[0];
    member.csrf = m[1];
    callers.put(Kind.ADMIN, admin);
    callers.put(Kind.MEMBER, member);
    callers.put(Kind.DELETED, deleted);
    callers.put(Kind.ANON, new Caller(Kind.ANON));
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  private Caller user(Kind kind) {
    JsonObject u = fx.newUser(adminToken, "member");
    Caller c = new Caller(kind);
    c.userId = u.getString("id");
    c.username = u.getString("username");
    c.password = "password-" + c.username;
    c.token = u.getString("token");
    return c;
  }

  /** Signs in through the real login form → {cookie, csrf}. */
  String[] browserLogin(String username, String password) {
    HttpResponse<Buffer> r = fx.client.post(fx.port(), "127.0.0.1", "/login")
        .sendForm(MultiMap.caseInsensitiveMultiMap().add("username", username).add("password", password)).await();
    assertThat(r.statusCode()).as("login of " + username).isEqualTo(303);
    String cookie = r.cookies().stream().filter(c -> c.startsWith("maestro_session=")).map(c -> c.substring(0, c.indexOf(';')))
        .findFirst().orElseThrow();
    String html = fx.client.get(fx.port(), "127.0.0.1", "/sessions").putHeader("Cookie", cookie).send().await().bodyAsString();
    Matcher m = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"").matcher(html);
    assertThat(m.find()).as("csrf on /sessions").isTrue();
    return new String[] {cookie, m.group(1)};
  }

  // ---- resources a row acts on: the caller's own for real users, a random id for the others ----

  String sess(Caller c) {
    if (!c.real()) return UUID.randomUUID().toString();
    return fx.sessions.create(c.userId, new JsonObject().put("title", "t").put("provider", "openai").put("model", "m"))
        .await().getString("id");
  }

  String tpl(Caller c) {
    if (!c.real()) return UUID.randomUUID().toString();
    return fx.sessions.createTemplate(c.userId, new JsonObject().put("name", "tpl").put("provider", "openai").put("model", "m"))
        .await().getString("id");
  }

  String cred(Caller c) {
    if (!c.real()) return UUID.randomUUID().toString();
    return fx.auth.createCredential(c.userId, new JsonObject().put("provider", "openai").put("kind", "api_key").put("label", "k").put("apiKey", "sk-test-1234"))
        .await().getString("id");
  }

  String mcp() {
    return fx.tools.createMcpServer(new JsonObject().put("name", "srv" + UUID.randomUUID().toString().substring(0, 6))
        .put("transport", "http").put("url", "https://mcp.example/x")).await().getString("id");
  }

  String client() {
    return fx.auth.createOAuthClient(oauthClient()).await().getString("id");
  }

  static JsonObject oauthClient() {
    return new JsonObject().put("provider", "openai").put("name", "C").put("authorizeUrl", "https://as.example/authorize")
        .put("tokenUrl", "https://as.example/token").put("clientId", "cid");
  }

  String webhook() {
    return fx.post("/api/v1/webhooks", adminToken, new JsonObject().put("url", "https://hooks.example/" + UUID.randomUUID()))
        .json().getString("id");
  }

  String someUser() {
    return fx.newUser(adminToken, "member").getString("id");
  }

  String ownToken(Caller c) {
    if (!c.real()) return UUID.randomUUID().toString();
    return fx.post("/api/v1/auth/token", null, new JsonObject().put("username", c.username).put("password", c.password)
        .put("name", "n" + UUID.randomUUID())).json().getString("id");
  }

  String messageId(Caller c, String sessionId) {
    if (!c.real()) return UUID.randomUUID().toString();
    return fx.sessions.send(c.userId, sessionId, "hi").await().getString("messageId");
  }

  /** Issue 16: a message queued in one of the caller's sessions (a random id for the others) → "sessionId/messageId". */
  String queued(Caller c) {
    String session = sess(c);
    if (!c.real()) return session + "/" + UUID.randomUUID();
    return session + "/" + fx.runtime.submit(c.userId, session, "later", "queue").await().getString("messageId");
  }

  void runtimeRows(List<Row> t) {
    t.add(new Row("GET /api/v1/sessions/:id/queue", c -> get("/api/v1/sessions/" + sess(c) + "/queue"), 200, 200, 401, 401));
    t.add(new Row("PATCH /api/v1/sessions/:id/queue/:messageId", c -> api(HttpMethod.PATCH, "/api/v1/sessions/" + queued(c).replace("/", "/queue/"),
        new JsonObject().put("text", "edited")), 200, 200, 401, 401));
    t.add(new Row("DELETE /api/v1/sessions/:id/queue/:messageId", c -> api(HttpMethod.DELETE, "/api/v1/sessions/" + queued(c).replace("/", "/queue/"),
        null), 204, 204, 401, 401));
    t.add(new Row("GET /api/v1/runs", c -> get("/api/v1/runs?status=queued"), 200, 200, 401, 401));
  }

  /** A project granted to the caller (admins see every project anyway). */
  String proj(Caller c) {
    if (!c.real()) return UUID.randomUUID().toString();
    return fx.projects.project("p" + UUID.randomUUID().toString().substring(0, 8), c.userId).getString("id");
  }

  /** A session of the caller on a project granted to them. */
  String projSess(Caller c) {
    String s = sess(c);
    if (c.real()) fx.projects.openSession(c.userId, false, s, proj(c), null).await();
    return s;
  }

  String checkpoint(String sessionId) {
    JsonObject s = fx.projects.sessions.get(sessionId);
    return s == null ? UUID.randomUUID().toString() : s.getString("checkpoint");
  }

  static Req get(String path) {
    return new Req(HttpMethod.GET, path, null, false);
  }

  static Req api(HttpMethod m, String path, JsonObject body) {
    return new Req(m, path, body, false);
  }

  static Req form(String path, String... pairs) {
    MultiMap f = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < pairs.length; i += 2) f.add(pairs[i], pairs[i + 1]);
    return new Req(HttpMethod.POST, path, f, false);
  }

  // ---- the table ----

  List<Row> apiRows() {
    List<Row> t = new ArrayList<>();
    HttpMethod G = HttpMethod.GET, P = HttpMethod.POST, D = HttpMethod.DELETE, PA = HttpMethod.PATCH, PU = HttpMethod.PUT;
    t.add(new Row("GET /api/v1/openapi.json", c -> get("/api/v1/openapi.json"), 200, 200, 200, 200));
    t.add(new Row("POST /api/v1/auth/token", c -> api(P, "/api/v1/auth/token", new JsonObject()
        .put("username", c.username == null ? "nobody" : c.username).put("password", c.password == null ? "wrong-password" : c.password)
        .put("name", "n")), 201, 201, 401, 401));
    t.add(new Row("GET /api/v1/auth/tokens", c -> get("/api/v1/auth/tokens"), 200, 200, 401, 401));
    t.add(new Row("DELETE /api/v1/auth/tokens/:id", c -> api(D, "/api/v1/auth/tokens/" + ownToken(c), null), 204, 204, 401, 401));
    t.add(new Row("GET /api/v1/credentials", c -> get("/api/v1/credentials"), 200, 200, 401, 401));
    t.add(new Row("POST /api/v1/credentials", c -> api(P, "/api/v1/credentials", new JsonObject().put("provider", "openai")
        .put("label", "k").put("apiKey", "sk-test-123456")), 201, 201, 401, 401));
    t.add(new Row("GET /api/v1/credentials/:id", c -> get("/api/v1/credentials/" + cred(c)), 200, 200, 401, 401));
    t.add(new Row("POST /api/v1/credentials/:id/validate", c -> api(P, "/api/v1/credentials/" + cred(c) + "/validate", null),
        200, 200, 401, 401));
    t.add(new Row("DELETE /api/v1/credentials/:id", c -> api(D, "/api/v1/credentials/" + cred(c), null), 204, 204, 401, 401));
    t.add(new Row("POST /api/v1/credentials/oauth/:provider/start", c -> api(P, "/api/v1/credentials/oauth/openai/start",
        new JsonObject().put("label", "w").put("oauthClientId", client())), 200, 200, 401, 401));
    t.add(new Row("GET /api/v1/oauth-clients", c -> get("/api/v1/oauth-clients"), 200, 200, 401, 401));
    t.add(new Row("POST /api/v1/oauth-clients", c -> api(P, "/api/v1/oauth-clients", oauthClient()), 201, 403, 401, 401));
    t.add(new Row("GET /api/v1/oauth-clients/:id", c -> get("/api/v1/oauth-clients/" + client()), 200, 200, 401, 401));
    t.add(new Row("PUT /api/v1/oauth-clients/:id", c -> api(PU, "/api/v1/oauth-clients/" + client(), oauthClient()), 200, 403, 401, 401));
    t.add(new Row("DELETE /api/v1/oauth-clients/:id", c -> api(D, "/api/v1/oauth-clients/" + client(), null), 204, 403, 401, 401));
    t.add(new Row("POST /api/v1/sessions", c -> api(P, "/api/v1/sessions", new JsonObject().put("provider", "openai").put("model", "m")),
        201, 201, 401, 401));
    t.add(new Row("GET /api/v1/sessions", c -> get("/api/v1/sessions"), 200, 200, 401, 401));
    t.add(new Row("GET /api/v1/sessions/:id", c -> get("/api/v1/sessions/" + sess(c)), 200, 200, 401, 401));
    t.add(new Row("PATCH /api/v1/sessions/:id", c -> api(PA, "/api/v1/sessions/" + sess(c), new JsonObject().put("title", "x")),
        200, 200, 401, 401));
    t.add(new Row("DELETE /api/v1/sessions/:id", c -> api(D, "/api/v1/sessions/" + sess(c), null), 204, 204, 401, 401));
    t.add(new Row("POST /api/v1/sessions/:id/fork", c -> api(P, "/api/v1/sessions/" + sess(c) + "/fork", new JsonObject()),
        201, 201, 401, 401));
    t.add(new Row("POST /api/v1/sessions/:id/messages", c -> api(P, "/api/v1/sessions/" + sess(c) + "/messages",
        new JsonObject().put("text", "hi")), 202, 202, 401, 401));
    t.add(new Row("POST /api/v1/sessions/:id/approvals/:callId", c -> api(P, "/api/v1/sessions/" + sess(c) + "/approvals/call-1",
        new JsonObject().put("decision", "deny")), 204, 204, 401, 401));
    t.add(new Row("POST /api/v1/sessions/:id/cancel", c -> api(P, "/api/v1/sessions/" + sess(c) + "/cancel", null), 202, 202, 401, 401));
    // Past authorization: the fake has no pending elicitation with this id.
    t.add(new Row("POST /api/v1/sessions/:id/elicitations/:elicitationId", c -> api(P, "/api/v1/sessions/" + sess(c)
        + "/elicitations/e-1", new JsonObject().put("action", "decline")), 404, 404, 401, 401));
    t.add(new Row("POST /api/v1/sessions/:id/compact", c -> api(P, "/api/v1/sessions/" + sess(c) + "/compact", null), 202, 202, 401, 401));
    t.add(new Row("GET /api/v1/sessions/:id/export", c -> get("/api/v1/sessions/" + sess(c) + "/export"), 200, 200, 401, 401));
    t.add(new Row("POST /api/v1/sessions/import", c -> api(P, "/api/v1/sessions/import", new JsonObject().put("title", "i")),
        201, 201, 401, 401));
    t.add(new Row("GET /api/v1/sessions/:id/events", c -> get("/api/v1/sessions/" + sess(c) + "/events"), 200, 200, 401, 401));
    t.add(new Row("GET /api/v1/sessions/:id/access", c -> get("/api/v1/sessions/" + sess(c) + "/access"), 204, 204, 401, 401));
    t.add(new Row("GET /api/v1/templates", c -> get("/api/v1/templates"), 200, 200, 401, 401));
    JsonObject template = new JsonObject().put("name", "t").put("provider", "openai").put("model", "m");
    t.add(new Row("POST /api/v1/templates", c -> api(P, "/api/v1/templates", template), 201, 201, 401, 401));
    t.add(new Row("GET /api/v1/templates/:id", c -> get("/api/v1/templates/" + tpl(c)), 200, 200, 401, 401));
    t.add(new Row("PUT /api/v1/templates/:id", c -> api(PU, "/api/v1/templates/" + tpl(c), template), 200, 200, 401, 401));
    t.add(new Row("DELETE /api/v1/templates/:id", c -> api(D, "/api/v1/templates/" + tpl(c), null), 204, 204, 401, 401));
    t.add(new Row("GET /api/v1/models", c -> get("/api/v1/models?provider=openai"), 200, 200, 401, 401));
    t.add(new Row("GET /api/v1/tools", c -> get("/api/v1/tools"), 200, 200, 401, 401));
    t.add(new Row("PATCH /api/v1/tools/:name", c -> api(PA, "/api/v1/tools/read_file", new JsonObject().put("policy", "allow")),
        200, 403, 401, 401));
    t.add(new Row("GET /api/v1/mcp-servers", c -> get("/api/v1/mcp-servers"), 200, 200, 401, 401));
    t.add(new Row("POST /api/v1/mcp-servers", c -> api(P, "/api/v1/mcp-servers", new JsonObject().put("name", "s" + UUID.randomUUID()
        .toString().substring(0, 6)).put("transport", "stdio").put("command", "sh")), 201, 403, 401, 401));
    t.add(new Row("GET /api/v1/mcp-servers/:id", c -> get("/api/v1/mcp-servers/" + mcp()), 200, 200, 401, 401));
    t.add(new Row("PATCH /api/v1/mcp-servers/:id", c -> api(PA, "/api/v1/mcp-servers/" + mcp(), new JsonObject().put("enabled", false)),
        200, 403, 401, 401));
    t.add(new Row("POST /api/v1/mcp-servers/:id/restart", c -> api(P, "/api/v1/mcp-servers/" + mcp() + "/restart", null),
        200, 403, 401, 401));
    t.add(new Row("DELETE /api/v1/mcp-servers/:id", c -> api(D, "/api/v1/mcp-servers/" + mcp(), null), 204, 403, 401, 401));
    // MCP resources and prompts (issue 19): every member, like the server list
    t.add(new Row("GET /api/v1/mcp-resources", c -> get("/api/v1/mcp-resources"), 200, 200, 401, 401));
    t.add(new Row("GET /api/v1/mcp-servers/:id/resource", c -> {
      String id = mcp();
      return get("/api/v1/mcp-servers/" + id + "/resource?uri=" + java.net.URLEncoder.encode("fake://"
          + fx.tools.servers.get(id).getString("name") + "/readme", java.nio.charset.StandardCharsets.UTF_8));
    }, 200, 200, 401, 401));
    t.add(new Row("GET /api/v1/mcp-prompts", c -> get("/api/v1/mcp-prompts"), 200, 200, 401, 401));
    t.add(new Row("POST /api/v1/mcp-servers/:id/prompts/:name", c -> api(P, "/api/v1/mcp-servers/" + mcp() + "/prompts/hello",
        new JsonObject().put("arguments", new JsonObject().put("name", "Ada"))), 200, 200, 401, 401));
    t.add(new Row("GET /api/v1/users", c -> get("/api/v1/users"), 200, 403, 401, 401));
    t.add(new Row("POST /api/v1/users", c -> api(P, "/api/v1/users", new JsonObject().put("username", "n" + UUID.randomUUID()
        .toString().substring(0, 8)).put("password", "Correct-Horse-Battery-9731")), 201, 403, 401, 401));
    t.add(new Row("PATCH /api/v1/users/:id", c -> api(PA, "/api/v1/users/" + someUser(), new JsonObject().put("role", "member")),
        200, 403, 401, 401));
    t.add(new Row("DELETE /api/v1/users/:id", c -> api(D, "/api/v1/users/" + someUser(), null), 204, 403, 401, 401));
    t.add(new Row("GET /api/v1/webhooks", c -> get("/api/v1/webhooks"), 200, 403, 401, 401));
    t.add(new Row("POST /api/v1/webhooks", c -> api(P, "/api/v1/webhooks", new JsonObject().put("url", "https://hooks.example/x")),
        201, 403, 401, 401));
    t.add(new Row("DELETE /api/v1/webhooks/:id", c -> api(D, "/api/v1/webhooks/" + webhook(), null), 204, 403, 401, 401));
    // budgets and usage (issue 16): a member reads only their own budget and usage; setting is for admins
    t.add(new Row("GET /api/v1/users/:id/budget", c -> get("/api/v1/users/" + (c.real() ? c.userId : UUID.randomUUID()) + "/budget"),
        200, 200, 401, 401));
    t.add(new Row("PUT /api/v1/users/:id/budget", c -> api(PU, "/api/v1/users/" + someUser() + "/budget",
        new JsonObject().put("monthlyUsd", 5)), 200, 403, 401, 401));
    t.add(new Row("GET /api/v1/usage", c -> get("/api/v1/usage?groupBy=model"), 200, 200, 401, 401));
    runtimeRows(t);
    // issue 17: the audit trail (admin) and the OpenAI-compatible door (bearer; an unknown model is a 404 past authorization)
    t.add(new Row("GET /api/v1/audit", c -> get("/api/v1/audit"), 200, 403, 401, 401));
    t.add(new Row("POST /v1/chat/completions", c -> api(P, "/v1/chat/completions", new JsonObject().put("model", "gemini/none")
        .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")))),
        404, 404, 401, 401));
    t.add(new Row("GET /v1/models", c -> get("/v1/models"), 200, 200, 401, 401));
    // projects (issue 15): admins manage, members use what they were granted
    t.add(new Row("GET /api/v1/projects", c -> get("/api/v1/projects"), 200, 200, 401, 401));
    t.add(new Row("POST /api/v1/projects", c -> api(P, "/api/v1/projects", new JsonObject().put("name", "p" + UUID.randomUUID()
        .toString().substring(0, 8)).put("path", "/srv/repo")), 201, 403, 401, 401));
    t.add(new Row("GET /api/v1/projects/:id", c -> get("/api/v1/projects/" + proj(c)), 200, 200, 401, 401));
    t.add(new Row("PATCH /api/v1/projects/:id", c -> api(PA, "/api/v1/projects/" + proj(c), new JsonObject().put("name", "renamed")),
        200, 403, 401, 401));
    t.add(new Row("DELETE /api/v1/projects/:id", c -> api(D, "/api/v1/projects/" + proj(c), null), 204, 403, 401, 401));
    t.add(new Row("PUT /api/v1/projects/:id/members", c -> api(PU, "/api/v1/projects/" + proj(c) + "/members",
        new JsonObject().put("userIds", new io.vertx.core.json.JsonArray().add(UUID.randomUUID().toString()))), 200, 403, 401, 401));
    t.add(new Row("GET /api/v1/sessions/:id/checkpoints", c -> get("/api/v1/sessions/" + projSess(c) + "/checkpoints"), 200, 200, 401, 401));
    t.add(new Row("POST /api/v1/sessions/:id/checkpoints/:checkpointId/restore", c -> {
      String s = projSess(c);
      return api(P, "/api/v1/sessions/" + s + "/checkpoints/" + checkpoint(s) + "/restore", null);
    }, 200, 200, 401, 401));
    t.add(new Row("GET /api/v1/sessions/:id/changes", c -> get("/api/v1/sessions/" + projSess(c) + "/changes"), 200, 200, 401, 401));
    t.add(new Row("POST /api/v1/sessions/:id/commit", c -> api(P, "/api/v1/sessions/" + projSess(c) + "/commit",
        new JsonObject().put("message", "m")), 200, 200, 401, 401));
    t.add(new Row("POST /api/v1/sessions/:id/discard", c -> api(P, "/api/v1/sessions/" + projSess(c) + "/discard", null), 200, 200, 401, 401));
    // Not an operation: the WebSocket upgrade (a plain GET without upgrade headers past authentication).
    t.add(new Row("GET /api/v1/ws", c -> get("/api/v1/ws"), 400, 400, 401, 401));
    return t;
  }

  List<Row> pageRows() {
    List<Row> t = new ArrayList<>();
    // Public; 503 here because the fixture's fake services do not answer health pings.
    t.add(new Row("GET /health", c -> get("/health"), 503, 503, 503, 503));
    t.add(new Row("GET /assets/", c -> get("/assets/app.css"), 200, 200, 200, 200));
    t.add(new Row("GET /oauth/callback", c -> get("/oauth/callback"), 303, 303, 401, 401)); // only a signed-in browser may finish a sign-in (AccountsHostileTest)
    t.add(new Row("GET " + ClientMetadataDocument.PATH, c -> get(ClientMetadataDocument.PATH), 404, 404, 404, 404));
    t.add(new Row("GET /", c -> get("/"), 303, 303, 303, LOGIN));
    t.add(new Row("GET /login", c -> get("/login"), 303, 303, 200, 200));
    t.add(new Row("POST /login", c -> new Req(HttpMethod.POST, "/login", MultiMap.caseInsensitiveMultiMap()
        .add("username", c.username == null ? "nobody" : c.username).add("password", c.password == null ? "wrong" : c.password), true),
        303, 303, 401, 401));
    t.add(new Row("POST /logout", c -> new Req(HttpMethod.POST, "/logout", MultiMap.caseInsensitiveMultiMap(), true), 303, 303, 401, 401));
    t.add(new Row("GET /sessions", c -> get("/sessions"), 200, 200, LOGIN, LOGIN));
    t.add(new Row("POST /sessions", c -> form("/sessions", "templateId", tpl(c)), 303, 303, 401, 401));
    t.add(new Row("GET /ui/model-options", c -> get("/ui/model-options?credentialId=" + cred(c)), 200, 200, 401, 401));
    t.add(new Row("GET /sessions/:id", c -> get("/sessions/" + sess(c)), 200, 200, LOGIN, LOGIN));
    t.add(new Row("GET /sessions/:id/export", c -> get("/sessions/" + sess(c) + "/export"), 200, 200, LOGIN, LOGIN));
    t.add(new Row("GET /sessions/:id/messages/:messageId", c -> {
      String s = sess(c);
      return get("/sessions/" + s + "/messages/" + messageId(c, s));
    }, 200, 200, 401, 401));
    t.add(new Row("POST /sessions/:id/rename", c -> form("/sessions/" + sess(c) + "/rename", "title", "x"), 303, 303, 401, 401));
    t.add(new Row("POST /sessions/:id/delete", c -> form("/sessions/" + sess(c) + "/delete"), 303, 303, 401, 401));
    t.add(new Row("POST /sessions/:id/messages", c -> form("/sessions/" + sess(c) + "/messages", "text", "hi"), 303, 303, 401, 401));
    t.add(new Row("POST /sessions/:id/cancel", c -> form("/sessions/" + sess(c) + "/cancel"), 303, 303, 401, 401));
    t.add(new Row("POST /sessions/:id/model", c -> form("/sessions/" + sess(c) + "/model", "model", "m2"), 303, 303, 401, 401));
    t.add(new Row("POST /sessions/:id/fork", c -> form("/sessions/" + sess(c) + "/fork"), 303, 303, 401, 401));
    t.add(new Row("POST /sessions/:id/compact", c -> form("/sessions/" + sess(c) + "/compact"), 303, 303, 401, 401));
    t.add(new Row("GET /credentials", c -> get("/credentials"), 200, 200, LOGIN, LOGIN));
    t.add(new Row("POST /credentials", c -> form("/credentials", "provider", "openai", "label", "k", "apiKey", "sk-123456789"),
        303, 303, 401, 401));
    t.add(new Row("POST /credentials/oauth", c -> form("/credentials/oauth", "oauthClientId", client(), "label", "w"), 303, 303, 401, 401));
    t.add(new Row("POST /credentials/:id/delete", c -> form("/credentials/" + cred(c) + "/delete"), 303, 303, 401, 401));
    t.add(new Row("GET /tools", c -> get("/tools"), 200, 200, LOGIN, LOGIN));
    t.add(new Row("POST /tools/:name", c -> form("/tools/read_file", "enabled", "on", "policy", "allow"), 303, 403, 401, 401));
    t.add(new Row("GET /mcp", c -> get("/mcp"), 200, 200, LOGIN, LOGIN));
    t.add(new Row("POST /mcp", c -> form("/mcp", "name", "p" + UUID.randomUUID().toString().substring(0, 6), "transport", "stdio",
        "command", "sh", "args", "-c\nid"), 303, 403, 401, 401));
    t.add(new Row("POST /mcp/:id/restart", c -> form("/mcp/" + mcp() + "/restart"), 303, 403, 401, 401));
    t.add(new Row("POST /mcp/:id/delete", c -> form("/mcp/" + mcp() + "/delete"), 303, 403, 401, 401));
    t.add(new Row("GET /templates", c -> get("/templates"), 200, 200, LOGIN, LOGIN));
    t.add(new Row("GET /runs", c -> get("/runs"), 200, 200, LOGIN, LOGIN));
    String[] tplForm = {"name", "t", "provider", "openai", "model", "m", "tools", "read_file"};
    t.add(new Row("POST /templates", c -> form("/templates", tplForm), 303, 303, 401, 401));
    t.add(new Row("POST /templates/:id", c -> form("/templates/" + tpl(c), tplForm), 303, 303, 401, 401));
    t.add(new Row("POST /templates/:id/delete", c -> form("/templates/" + tpl(c) + "/delete"), 303, 303, 401, 401));
    t.add(new Row("POST /templates/:id/start", c -> form("/templates/" + tpl(c) + "/start"), 303, 303, 401, 401));
    t.add(new Row("GET /usage", c -> get("/usage"), 200, 200, LOGIN, LOGIN));
    t.add(new Row("POST /usage/budget", c -> form("/usage/budget", "userId", someUser(), "monthlyUsd", "5"), 303, 403, 401, 401));
    t.add(new Row("GET /settings", c -> get("/settings"), 200, 403, LOGIN, LOGIN));
    t.add(new Row("POST /settings/oauth-clients", c -> form("/settings/oauth-clients", "provider", "openai", "name", "C",
        "authorizeUrl", "https://as.example/a", "tokenUrl", "https://as.example/t", "clientId", "cid"), 303, 403, 401, 401));
    t.add(new Row("GET /audit", c -> get("/audit?outcome=success"), 200, 403, LOGIN, LOGIN));
    t.add(new Row("POST /settings/oauth-clients/:id/delete", c -> form("/settings/oauth-clients/" + client() + "/delete"),
        303, 403, 401, 401));
    t.add(new Row("GET /webhooks", c -> get("/webhooks"), 200, 403, LOGIN, LOGIN));
    t.add(new Row("POST /webhooks", c -> form("/webhooks", "url", "https://hooks.example/p"), 200, 403, 401, 401));
    t.add(new Row("POST /webhooks/:id/delete", c -> form("/webhooks/" + webhook() + "/delete"), 303, 403, 401, 401));
    // projects (issue 15)
    t.add(new Row("GET /projects", c -> get("/projects"), 200, 200, LOGIN, LOGIN));
    t.add(new Row("POST /projects", c -> form("/projects", "name", "p" + UUID.randomUUID().toString().substring(0, 8), "source", "/srv/r"),
        303, 403, 401, 401));
    t.add(new Row("POST /projects/:id/members", c -> form("/projects/" + proj(c) + "/members", "userIds", UUID.randomUUID().toString()),
        303, 403, 401, 401));
    t.add(new Row("POST /projects/:id/delete", c -> form("/projects/" + proj(c) + "/delete"), 303, 403, 401, 401));
    t.add(new Row("GET /sessions/:id/changes", c -> get("/sessions/" + projSess(c) + "/changes"), 200, 200, LOGIN, LOGIN));
    t.add(new Row("POST /sessions/:id/commit", c -> form("/sessions/" + projSess(c) + "/commit", "message", "m"), 303, 303, 401, 401));
    t.add(new Row("POST /sessions/:id/discard", c -> form("/sessions/" + projSess(c) + "/discard"), 303, 303, 401, 401));
    t.add(new Row("POST /sessions/:id/checkpoints/:checkpointId/restore", c -> {
      String s = projSess(c);
      return form("/sessions/" + s + "/checkpoints/" + checkpoint(s) + "/restore");
    }, 303, 303, 401, 401));
    return t;
  }

  /** Every route of the router, as "METHOD /path" (test-only routes aside). */
  Map<String, Route> routes() {
    Map<String, Route> out = new LinkedHashMap<>();
    for (Route r : fx.gateways.get(0).router().getRoutes()) {
      if (r.getPath() == null || r.methods() == null || r.getPath().startsWith("/__test")) continue;
      for (HttpMethod m : r.methods()) out.put(m.name() + " " + r.getPath(), r);
    }
    return out;
  }

  @Test
  void everyRouteAndOperationHasARowAndEveryRowARoute() {
    TreeSet<String> routed = new TreeSet<>(routes().keySet());
    TreeSet<String> tabled = new TreeSet<>();
    apiRows().forEach(r -> tabled.add(r.route()));
    pageRows().forEach(r -> tabled.add(r.route()));
    assertThat(tabled).as("rows (left) vs the router's routes").isEqualTo(routed);
    // and the API rows cover the OpenAPI document, operation for operation
    JsonObject paths = fx.get("/api/v1/openapi.json", null).json().getJsonObject("paths");
    TreeSet<String> documented = new TreeSet<>();
    for (String p : paths.fieldNames()) {
      for (String m : paths.getJsonObject(p).fieldNames()) documented.add(m.toUpperCase() + " " + p.replaceAll("\\{(\\w+)}", ":$1"));
    }
    TreeSet<String> apiTabled = new TreeSet<>();
    apiRows().forEach(r -> apiTabled.add(r.route()));
    apiTabled.remove("GET /api/v1/ws");
    assertThat(apiTabled).isEqualTo(documented);
  }

  @Test
  void everyApiOperationAnswersEachKindOfCallerAsTheTableSays() {
    List<String> wrong = new ArrayList<>();
    for (Row row : apiRows()) {
      for (Caller c : callers.values()) {
        Req q = row.request().apply(c);
        Resp r = fx.call(fx.port(), q.method(), q.path(), c.token, q.body(), null);
        check(wrong, row, c, r.status(), r.header("Location"), r.body());
      }
    }
    assertThat(wrong).as("rows answered otherwise").isEmpty();
  }

  @Test
  void everyPageAndFormAnswersEachKindOfCallerAsTheTableSays() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (Row row : pageRows()) {
      for (Caller c : callers.values()) {
        Req q = row.request().apply(c);
        String cookie = c.cookie;
        String csrf = c.csrf;
        if (c.kind == Kind.DELETED) {
          String[] spare = c.spareCookies.pop();
          cookie = spare[0];
          csrf = spare[1];
        } else if (q.freshCookie() && c.real()) {
          String[] fresh = browserLogin(c.username, c.password);
          cookie = fresh[0];
          csrf = fresh[1];
        }
        if (q.method() == HttpMethod.POST && q.path().equals("/login")) cookie = null;
        HttpRequest<Buffer> req = fx.client.request(q.method(), fx.port(), "127.0.0.1", q.path());
        if (cookie != null) req.putHeader("Cookie", cookie);
        HttpResponse<Buffer> r;
        if (q.body() instanceof MultiMap f) {
          if (csrf != null && !q.path().equals("/login")) f.add("_csrf", csrf);
          r = req.sendForm(f).await(20, TimeUnit.SECONDS);
        } else {
          r = req.send().await(20, TimeUnit.SECONDS);
        }
        String body = r.bodyAsString() == null ? "" : r.bodyAsString();
        check(wrong, row, c, r.statusCode(), r.getHeader("Location"), body);
        int expected = row.expected(c.kind);
        if (expected == 403 && !row.route().startsWith("GET /api")) {
          // a refused page is a rendered page, not a bare status
          assertThat(r.getHeader("Content-Type")).as(row.route()).startsWith("text/html");
          assertThat(body).as(row.route()).contains("only an admin may do this");
        }
      }
    }
    assertThat(wrong).as("rows answered otherwise").isEmpty();
  }

  private static void check(List<String> wrong, Row row, Caller c, int status, String location, String body) {
    int expected = row.expected(c.kind);
    boolean ok = expected == LOGIN ? status == 303 && "/login".equals(location) : status == expected;
    if (!ok) {
      wrong.add(row.route() + " as " + c.kind + ": expected " + (expected == LOGIN ? "303 → /login" : expected) + ", got " + status
          + (location == null ? "" : " → " + location) + " " + (body.length() > 200 ? body.substring(0, 200) : body));
    }
  }
}
