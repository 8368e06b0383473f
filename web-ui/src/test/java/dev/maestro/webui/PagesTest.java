package dev.maestro.webui;

import dev.maestro.webui.harness.WebUiHarness;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.WebClientSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The pages over HTTP against the harness: auth, CSRF, rendering, escaping. */
class PagesTest {
  static Vertx vertx;
  static WebUiHarness harness;
  static WebClient client;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    harness = new WebUiHarness(vertx);
    int port = harness.start().await();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port).setFollowRedirects(false));
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  static WebClientSession browser() {
    return WebClientSession.create(client);
  }

  static HttpResponse<Buffer> login(WebClientSession b, String user, String password) {
    return b.post("/login").sendForm(MultiMap.caseInsensitiveMultiMap().add("username", user).add("password", password)).await();
  }

  static String csrf(WebClientSession b) {
    String html = b.get("/sessions").send().await().bodyAsString();
    Matcher m = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"").matcher(html);
    assertThat(m.find()).as("csrf meta on /sessions").isTrue();
    return m.group(1);
  }

  static String sessionCookie(WebClientSession b) {
    return b.cookieStore().get(false, "127.0.0.1", "/").iterator().next().value();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/sessions", "/sessions/abc", "/credentials", "/tools", "/mcp", "/templates", "/settings", "/"})
  void pagesRedirectToLoginWhenSignedOut(String path) {
    HttpResponse<Buffer> r = client.get(path).send().await();
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.getHeader("Location")).isEqualTo("/login");
  }

  @Test
  void formPostsAndFragmentsAnswer401WhenSignedOut() {
    assertThat(client.post("/sessions").sendForm(MultiMap.caseInsensitiveMultiMap().add("model", "x")).await().statusCode()).isEqualTo(401);
    assertThat(client.get("/ui/model-options?credentialId=x").send().await().statusCode()).isEqualTo(401);
  }

  @Test
  void loginStoresThePrincipalRotatesTheSessionAndRedirects() {
    WebClientSession b = browser();
    b.get("/login").send().await();
    String before = sessionCookie(b);
    HttpResponse<Buffer> r = login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.getHeader("Location")).isEqualTo("/sessions");
    assertThat(sessionCookie(b)).isNotEqualTo(before);
    String html = b.get("/sessions").send().await().bodyAsString();
    assertThat(html).contains("<h1>Sessions</h1>").contains("name=\"csrf-token\"").contains(">admin</span>").contains("href=\"/settings\"");
    // Signed in, /login goes straight to the sessions.
    assertThat(b.get("/login").send().await().getHeader("Location")).isEqualTo("/sessions");
  }

  @Test
  void wrongPasswordReRendersTheFormWith401() {
    WebClientSession b = browser();
    HttpResponse<Buffer> r = login(b, WebUiHarness.ADMIN, "nope");
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.bodyAsString()).contains("Wrong username or password").contains("value=\"admin\"");
    assertThat(b.get("/sessions").send().await().statusCode()).isEqualTo(303);
  }

  @Test
  void rateLimitedLoginShowsRetryAfter() {
    HttpResponse<Buffer> r = login(browser(), WebUiHarness.THROTTLED, "whatever");
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.getHeader("Retry-After")).isEqualTo("42");
    assertThat(r.bodyAsString()).contains("Try again in 42 seconds");
  }

  @Test
  void crossSiteLoginPostIsRefused() {
    int before = harness.logins.get();
    HttpResponse<Buffer> r = browser().post("/login").putHeader("Origin", "https://evil.example")
        .sendForm(MultiMap.caseInsensitiveMultiMap().add("username", WebUiHarness.ADMIN).add("password", WebUiHarness.ADMIN_PASSWORD)).await();
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(harness.logins.get()).isEqualTo(before);
  }

  @Test
  void formPostsWithoutTheCsrfTokenChangeNothing() {
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    String id = harness.sessions.create("u-admin", new JsonObject().put("title", "keep me").put("provider", "openai").put("model", "m")).await().getString("id");
    HttpResponse<Buffer> r = b.post("/sessions/" + id + "/delete").sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", "forged")).await();
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(harness.sessions.get("u-admin", id).await().getString("title")).isEqualTo("keep me");

    HttpResponse<Buffer> ok = b.post("/sessions/" + id + "/delete").sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", csrf(b))).await();
    assertThat(ok.statusCode()).isEqualTo(303);
    assertThat(b.get("/sessions").send().await().bodyAsString()).contains("Session deleted.").doesNotContain("keep me");
  }

  @Test
  void sessionTitlesAndMessagesAreEscaped() {
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    String id = harness.sessions.create("u-admin", new JsonObject().put("title", "<b>bold</b> title").put("provider", "openai").put("model", "m")).await().getString("id");
    String list = b.get("/sessions").send().await().bodyAsString();
    assertThat(list).contains("&lt;b&gt;bold&lt;/b&gt; title").doesNotContain("<b>bold</b>");
    String chat = b.get("/sessions/" + id).send().await().bodyAsString();
    assertThat(chat).contains("data-session-id=\"" + id + "\"").contains("name=\"text\"").contains("&lt;b&gt;bold&lt;/b&gt; title")
        .doesNotContain("<b>bold</b>");
    // The model list comes from the provider and is escaped as well.
    assertThat(chat).contains("Fake Large &lt;b&gt;beta&lt;/b&gt;");
  }

  @Test
  void aSessionPageListsItsSubAgentsAndAChildPageLinksToItsParent() {
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    JsonObject spec = new JsonObject().put("provider", "openai").put("model", "m");
    String parent = harness.sessions.create("u-admin", spec.copy().put("title", "parent")).await().getString("id");
    String child = harness.sessions.create("u-admin", spec.copy().put("title", "<i>child</i>")).await().getString("id");
    harness.sessions.setFamily(parent, null, new JsonArray().add(new JsonObject().put("id", child).put("title", "<i>child</i>")
        .put("status", "complete")));
    harness.sessions.setFamily(child, parent, new JsonArray());
    String page = b.get("/sessions/" + parent).send().await().bodyAsString();
    assertThat(page).contains("id=\"subagents\"").contains("href=\"/sessions/" + child + "\"")
        .contains("&lt;i&gt;child&lt;/i&gt;").doesNotContain("<i>child</i>").doesNotContain("id=\"parent-session\"");
    String childPage = b.get("/sessions/" + child).send().await().bodyAsString();
    assertThat(childPage).contains("id=\"parent-session\"").contains("href=\"/sessions/" + parent + "\"")
        .doesNotContain("id=\"subagents\"");
  }

  @Test
  void theNewSessionFormSetsABudgetAndTheChatPageShowsIt() {
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    String cred = harness.auth.createCredential("u-admin", new JsonObject().put("provider", "openai").put("label", "budget key")
        .put("apiKey", "sk-budget-1234")).await().getString("id");
    String form = b.get("/sessions").send().await().bodyAsString();
    assertThat(form).contains("name=\"budgetUsd\"");
    int before = harness.sessions.callsOf("create").size();
    HttpResponse<Buffer> r = b.post("/sessions").sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", csrf(b))
        .add("credentialId", cred).add("model", "m").add("title", "budgeted").add("budgetUsd", "2.5")).await();
    assertThat(r.statusCode()).isEqualTo(303);
    JsonObject sent = harness.sessions.callsOf("create").get(before).getJsonObject("spec");
    assertThat(sent.getValue("budgetUsd")).isEqualTo(2.5);
    String chat = b.get(r.getHeader("Location")).send().await().bodyAsString();
    assertThat(chat).contains("id=\"budget\"").contains("budget $2.50");
    // left empty: no budget is sent, and the page shows none
    HttpResponse<Buffer> none = b.post("/sessions").sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", csrf(b))
        .add("credentialId", cred).add("model", "m").add("budgetUsd", "")).await();
    assertThat(harness.sessions.callsOf("create").get(before + 1).getJsonObject("spec").containsKey("budgetUsd")).isFalse();
    assertThat(b.get(none.getHeader("Location")).send().await().bodyAsString()).doesNotContain("id=\"budget\"");
  }

  @Test
  void anotherUsersSessionIsNotFound() {
    String id = harness.sessions.create("u-admin", new JsonObject().put("title", "admin only").put("provider", "openai").put("model", "m")).await().getString("id");
    WebClientSession b = browser();
    login(b, WebUiHarness.MEMBER, WebUiHarness.MEMBER_PASSWORD);
    HttpResponse<Buffer> r = b.get("/sessions/" + id).send().await();
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.bodyAsString()).contains("session not found").doesNotContain("admin only");
  }

  @Test
  void settingsAreForAdminsOnly() {
    WebClientSession member = browser();
    login(member, WebUiHarness.MEMBER, WebUiHarness.MEMBER_PASSWORD);
    assertThat(member.get("/settings").send().await().statusCode()).isEqualTo(403);
    assertThat(member.get("/sessions").send().await().bodyAsString()).doesNotContain("href=\"/settings\"");
    WebClientSession admin = browser();
    login(admin, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    assertThat(admin.get("/settings").send().await().statusCode()).isEqualTo(200);
  }

  @Test
  void credentialsPageWarnsAboutNeedsReauth() {
    harness.auth.addOAuth("u-mia", "My Claude login", "needs_reauth");
    WebClientSession b = browser();
    login(b, WebUiHarness.MEMBER, WebUiHarness.MEMBER_PASSWORD);
    String html = b.get("/credentials").send().await().bodyAsString();
    assertThat(html).contains("My Claude login").contains("needs_reauth").contains("Reconnect to keep using it");
  }

  @Test
  void addingABadKeyReportsTheFailedCheck() {
    WebClientSession b = browser();
    login(b, WebUiHarness.MEMBER, WebUiHarness.MEMBER_PASSWORD);
    HttpResponse<Buffer> r = b.post("/credentials").sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", csrf(b))
        .add("provider", "anthropic").add("label", "Bad key").add("apiKey", "nope-123456")).await();
    assertThat(r.getHeader("Location")).isEqualTo("/credentials");
    String html = b.get("/credentials").send().await().bodyAsString();
    assertThat(html).contains("the check failed: 401 invalid x-api-key").contains("…3456").doesNotContain("nope-123456");
  }

  @Test
  void logoutEndsTheSession() {
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    HttpResponse<Buffer> r = b.post("/logout").sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", csrf(b))).await();
    assertThat(r.getHeader("Location")).isEqualTo("/login");
    assertThat(b.get("/sessions").send().await().statusCode()).isEqualTo(303);
  }

  @Test
  void assetsAreServedFromTheJar() {
    HttpResponse<Buffer> css = client.get("/assets/app.css").send().await();
    assertThat(css.statusCode()).isEqualTo(200);
    assertThat(css.getHeader("Content-Type")).startsWith("text/css");
    assertThat(client.get("/assets/chat.js").send().await().bodyAsString()).contains("/api/v1/ws");
    assertThat(client.get("/assets/../templates/head.hbs").send().await().statusCode()).isNotEqualTo(200);
  }

  @Test
  void completedMessageFragmentIsServerRendered() {
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    String id = harness.sessions.create("u-admin", new JsonObject().put("title", "frag").put("provider", "openai").put("model", "m")).await().getString("id");
    String messageId = harness.sessions.send("u-admin", id, "**hi** <script>").await().getString("messageId");
    HttpResponse<Buffer> r = b.get("/sessions/" + id + "/messages/" + messageId).send().await();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsString()).contains("data-message-id=\"" + messageId + "\"").contains("<strong>hi</strong> &lt;script&gt;")
        .doesNotContain("<html");
    assertThat(b.get("/sessions/" + id + "/messages/nope").send().await().statusCode()).isEqualTo(404);
    harness.sessions.cancel("u-admin", id).await();
  }

  @Test
  void chatPageResumesAfterTheLastSeqOrReplaysTheTurnInFlight() {
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    String id = harness.sessions.create("u-admin", new JsonObject().put("title", "seq").put("provider", "openai").put("model", "m")).await().getString("id");
    harness.sessions.send("u-admin", id, "a slow one").await();
    long deadline = System.currentTimeMillis() + 5000;
    while (!harness.sessions.get("u-admin", id).await().encode().contains("\"status\":\"streaming\"")) {
      assertThat(System.currentTimeMillis()).as("the reply starts streaming").isLessThan(deadline);
      vertx.timer(20).await();
    }
    String during = b.get("/sessions/" + id).send().await().bodyAsString();
    assertThat(during).contains("data-after-seq=\"0\"").contains("data-streaming=\"true\"");
    harness.sessions.cancel("u-admin", id).await();
    long lastSeq = harness.sessions.get("u-admin", id).await().getLong("lastSeq");
    assertThat(lastSeq).isPositive();
    String after = b.get("/sessions/" + id).send().await().bodyAsString();
    assertThat(after).contains("data-after-seq=\"" + lastSeq + "\"").contains("data-streaming=\"false\"");
  }

  @Test
  void theOAuthConnectFormPassesLabelAndBaseUrlAndGoesToTheAuthorizeUrl() {
    String clientId = harness.auth.createOAuthClient(new JsonObject().put("name", "Compat").put("provider", "openai-compatible")
        .put("authorizeUrl", "https://as.example/authorize").put("tokenUrl", "https://as.example/token").put("clientId", "c"))
        .await().getString("id");
    WebClientSession b = browser();
    login(b, WebUiHarness.MEMBER, WebUiHarness.MEMBER_PASSWORD);
    assertThat(b.get("/credentials").send().await().bodyAsString()).contains("name=\"baseUrl\"");
    HttpResponse<Buffer> r = b.post("/credentials/oauth").sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", csrf(b))
        .add("oauthClientId", clientId).add("label", "Work").add("baseUrl", " http://127.0.0.1:9999/v1 ")).await();
    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.getHeader("Location")).startsWith("https://as.example/authorize?state=");
    assertThat(harness.auth.lastOAuthStart).isEqualTo(new JsonObject().put("oauthClientId", clientId).put("label", "Work")
        .put("baseUrl", "http://127.0.0.1:9999/v1"));
  }

  @Test
  void oauthCallbackOutcomeIsShownOnCredentials() {
    WebClientSession b = browser();
    login(b, WebUiHarness.MEMBER, WebUiHarness.MEMBER_PASSWORD);
    assertThat(b.get("/credentials?error=state%20expired%20%3Cb%3E").send().await().bodyAsString())
        .contains("The OAuth connection failed: state expired &lt;b&gt;");
    assertThat(b.get("/credentials?connected=abc").send().await().bodyAsString()).contains("Account connected.");
  }

  @Test
  void compactAndModelSwitchPostThroughTheForms() {
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    String id = harness.sessions.create("u-admin", new JsonObject().put("title", "c").put("provider", "openai").put("model", "m1")).await().getString("id");
    String token = csrf(b);
    assertThat(b.post("/sessions/" + id + "/compact").sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", token)).await().getHeader("Location"))
        .isEqualTo("/sessions/" + id);
    assertThat(b.get("/sessions/" + id).send().await().bodyAsString()).contains("Compacting the conversation");
    b.post("/sessions/" + id + "/model").sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", token).add("model", "m2")).await();
    assertThat(harness.sessions.get("u-admin", id).await().getString("model")).isEqualTo("m2");
  }

  @Test
  void withoutALastSeqTheChatSubscribesForLiveEventsOnly() {
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    String id = harness.sessions.create("u-admin", new JsonObject().put("title", "noseq").put("provider", "openai").put("model", "m")).await().getString("id");
    harness.sessions.hideLastSeq = true;
    try {
      assertThat(b.get("/sessions/" + id).send().await().bodyAsString()).contains("data-after-seq=\"\"");
    } finally {
      harness.sessions.hideLastSeq = false;
    }
  }

  @Test
  void aMemberSeesNoAdminFormsAndARefusedFormIsTheGatewaysProblemRendered() {
    WebClientSession b = browser();
    login(b, WebUiHarness.MEMBER, WebUiHarness.MEMBER_PASSWORD);
    assertThat(b.get("/mcp").send().await().bodyAsString()).doesNotContain("id=\"add-mcp\"").contains("mcp-admin-only");
    assertThat(b.get("/tools").send().await().bodyAsString()).doesNotContain("action=\"/tools/");
    int before = harness.tools.listMcpServers().await().size();
    HttpResponse<Buffer> r = b.post("/mcp").sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", csrf(b))
        .add("name", "pwn").add("transport", "stdio").add("command", "sh")).await();
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.getHeader("Content-Type")).startsWith("text/html");
    assertThat(r.bodyAsString()).contains("only an admin may do this");
    assertThat(harness.tools.listMcpServers().await()).hasSize(before);
  }

  @Test
  void aDeletedUsersCookieIsSentToLoginAndLosesItsSession() {
    WebClientSession b = browser();
    login(b, WebUiHarness.MEMBER, WebUiHarness.MEMBER_PASSWORD);
    assertThat(b.get("/sessions").send().await().statusCode()).isEqualTo(200);
    JsonObject saved = harness.api.users.get("u-mia").copy();
    harness.setRole("u-mia", null);
    try {
      HttpResponse<Buffer> r = b.get("/sessions").send().await();
      assertThat(r.statusCode()).isEqualTo(303);
      assertThat(r.getHeader("Location")).isEqualTo("/login");
    } finally {
      harness.api.users.put("u-mia", saved);
    }
    // the browser session ended with it: the user coming back does not revive it
    assertThat(b.get("/sessions").send().await().getHeader("Location")).isEqualTo("/login");
  }

  @Test
  void aDemotedAdminLosesTheSettingsLinkAndPageAtOnce() {
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    assertThat(b.get("/settings").send().await().statusCode()).isEqualTo(200);
    harness.setRole("u-admin", "member");
    try {
      assertThat(b.get("/settings").send().await().statusCode()).isEqualTo(403);
      assertThat(b.get("/sessions").send().await().bodyAsString()).doesNotContain("href=\"/settings\"");
    } finally {
      harness.setRole("u-admin", "admin");
    }
  }

  @Test
  void pagesReadThroughTheGatewaysOperations() {
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    harness.calls.clear();
    b.get("/mcp").send().await();
    b.get("/settings").send().await();
    assertThat(harness.calls).contains("listMcpServers", "listUsers", "listOAuthClients");
  }

  @Test
  void anAdminKeepsTheMcpAndToolForms() {
    String id = harness.tools.createMcpServer(new JsonObject().put("name", "adminsee").put("transport", "stdio").put("command", "true"))
        .await().getString("id");
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    assertThat(b.get("/mcp").send().await().bodyAsString()).contains("id=\"add-mcp\"")
        .contains("action=\"/mcp/" + id + "/restart\"").contains("action=\"/mcp/" + id + "/delete\"");
    assertThat(b.get("/tools").send().await().bodyAsString()).contains("class=\"tool-form\"");
  }

  @Test
  void anAdminGivesAStdioServerNetworkAndMountsFromTheForm() {
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    HttpResponse<Buffer> r = b.post("/mcp").sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", csrf(b))
        .add("name", "sandboxed").add("transport", "stdio").add("command", "npx").add("args", "-y\nsome-server")
        .add("network", "true").add("mounts", "/opt/mcp/one\n/srv/data:rw\n")).await();
    assertThat(r.statusCode()).isEqualTo(303);
    JsonObject created = harness.tools.listMcpServers().await().stream()
        .filter(s -> "sandboxed".equals(s.getString("name"))).findFirst().orElseThrow();
    assertThat(created.getBoolean("network")).isTrue();
    assertThat(created.getJsonArray("mounts")).containsExactly("/opt/mcp/one", "/srv/data:rw");
    String page = b.get("/mcp").send().await().bodyAsString();
    assertThat(page).contains("id=\"mcp-network\"").contains("/opt/mcp/one /srv/data:rw");
    // unticked: no network
    b.post("/mcp").sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", csrf(b))
        .add("name", "closed").add("transport", "stdio").add("command", "node")).await();
    JsonObject closed = harness.tools.listMcpServers().await().stream()
        .filter(s -> "closed".equals(s.getString("name"))).findFirst().orElseThrow();
    assertThat(closed.getBoolean("network")).isFalse();
    assertThat(closed.getJsonArray("mounts")).isEmpty();
  }

  @Test
  void theMcpPageShowsTheNegotiatedProtocolVersion() {
    harness.tools.createMcpServer(new JsonObject().put("name", "versioned").put("transport", "http").put("url", "http://x.example/mcp")
        .put("protocolVersion", "2025-06-18")).await();
    WebClientSession b = browser();
    login(b, WebUiHarness.ADMIN, WebUiHarness.ADMIN_PASSWORD);
    assertThat(b.get("/mcp").send().await().bodyAsString()).contains("class=\"badge mcp-protocol\"").contains("MCP 2025-06-18");
  }
}
