package dev.maestro.gateway;

import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.gateway.GatewayFixture.Resp;
import dev.maestro.gateway.GatewayFixture.Ws;
import dev.maestro.gateway.api.OpenApiDocument;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hundreds of hostile requests and frames — malformed JSON, wrong types, huge and deeply nested
 * bodies, unknown fields, SQL and HTML payloads, other users' ids, missing and revoked tokens, bad
 * frames — each answered with its documented 4xx or error frame; the gateway serves normally after.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {
  GatewayFixture fx;
  String admin;
  String alice;
  String bob;
  String revoked;
  String aliceSession;
  String aliceTemplate;
  String aliceCredential;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture(new JsonObject().put(GatewaySettings.API_PER_MINUTE, "100000").put(GatewaySettings.SENDS_PER_MINUTE, "100000"));
    admin = fx.adminToken();
    alice = fx.newUser(admin, "member").getString("token");
    bob = fx.newUser(admin, "member").getString("token");
    revoked = fx.adminToken();
    String revokedId = fx.get("/api/v1/auth/tokens", revoked).json().getJsonArray("items").getJsonObject(0).getString("id");
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/auth/tokens/" + revokedId, admin, null).status()).isEqualTo(204);
    aliceSession = fx.newSession(alice);
    aliceTemplate = fx.post("/api/v1/templates", alice, new JsonObject().put("name", "t").put("provider", "openai").put("model", "m"))
        .json().getString("id");
    aliceCredential = fx.post("/api/v1/credentials", alice, new JsonObject().put("provider", "openai").put("label", "l").put("apiKey", "sk-1"))
        .json().getString("id");
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  record Case(String name, HttpMethod method, String path, String token, Object body, MultiMap headers, int expected) {}

  final List<Case> cases = new ArrayList<>();

  void add(String name, HttpMethod m, String path, String token, Object body, int expected) {
    cases.add(new Case(name, m, path, token, body, null, expected));
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static String concrete(String path) {
    return path.replace("{id}", UUID.randomUUID().toString()).replace("{name}", "read_file").replace("{provider}", "openai");
  }

  void buildHttpCases() {
    String s = "/api/v1/sessions/" + aliceSession;
    // 1. malformed JSON on every body-taking endpoint
    String[] malformed = {"{", "{\"text\":", "nul", "{'text':'x'}", "{\"text\":\"x\",}", "\u0000\u0001", "{\"text\" \"x\"}", "]"};
    String[][] bodyEndpoints = {{"POST", "/api/v1/sessions"}, {"POST", s + "/messages"}, {"POST", "/api/v1/credentials"},
        {"POST", "/api/v1/templates"}, {"POST", s + "/fork"}, {"PATCH", s}, {"POST", "/api/v1/auth/token"},
        {"POST", "/api/v1/credentials/oauth/openai/start"}, {"POST", "/api/v1/sessions/import"}};
    for (String[] e : bodyEndpoints) {
      for (String body : malformed) {
        add("malformed " + e[0] + " " + e[1] + " " + body, HttpMethod.valueOf(e[0]), e[1], alice, body, 400);
      }
      add("JSON array body " + e[1], HttpMethod.valueOf(e[0]), e[1], alice, "[]", 400);
      add("JSON string body " + e[1], HttpMethod.valueOf(e[0]), e[1], alice, "\"text\"", 400);
    }
    // 2. wrong types
    Object[] wrong = {1, true, new JsonArray().add("x"), new JsonObject().put("a", 1), 1.5};
    for (Object w : wrong) {
      add("text as " + w, HttpMethod.POST, s + "/messages", alice, new JsonObject().put("text", w), 400);
      add("provider as " + w, HttpMethod.POST, "/api/v1/sessions", alice, new JsonObject().put("provider", w).put("model", "m"), 400);
      add("model as " + w, HttpMethod.POST, "/api/v1/sessions", alice, new JsonObject().put("provider", "openai").put("model", w), 400);
      add("apiKey as " + w, HttpMethod.POST, "/api/v1/credentials", alice, new JsonObject().put("provider", "openai").put("label", "l").put("apiKey", w), 400);
      add("tools as " + w, HttpMethod.PATCH, s, alice, new JsonObject().put("tools", w instanceof JsonArray ? new JsonArray().add(3) : w), 400);
      add("password as " + w, HttpMethod.POST, "/api/v1/auth/token", null, new JsonObject().put("username", "admin").put("password", w).put("name", "n"), 400);
    }
    add("null text", HttpMethod.POST, s + "/messages", alice, "{\"text\":null}", 400);
    add("empty text", HttpMethod.POST, s + "/messages", alice, new JsonObject().put("text", ""), 400);
    add("empty patch", HttpMethod.PATCH, s, alice, new JsonObject(), 400);
    add("missing required", HttpMethod.POST, "/api/v1/credentials", alice, new JsonObject().put("provider", "openai"), 400);
    add("bad enum policy", HttpMethod.PATCH, "/api/v1/tools/read_file", admin, new JsonObject().put("policy", "yolo"), 400);
    add("bad transport", HttpMethod.POST, "/api/v1/mcp-servers", admin, new JsonObject().put("name", "x").put("transport", "smoke"), 400);
    add("bad uuid credentialId", HttpMethod.POST, "/api/v1/sessions", alice,
        new JsonObject().put("provider", "openai").put("model", "m").put("credentialId", "not-a-uuid"), 400);
    add("bad baseUrl scheme", HttpMethod.POST, "/api/v1/credentials", alice,
        new JsonObject().put("provider", "openai").put("label", "l").put("apiKey", "k").put("baseUrl", "file:///etc/passwd"), 400);
    add("bad expiresAt", HttpMethod.POST, "/api/v1/auth/token", null,
        new JsonObject().put("username", "admin").put("password", "x").put("name", "n").put("expiresAt", "tomorrow"), 400);
    // 3. huge bodies
    String huge = "x".repeat((1 << 20) + 1);
    add("huge text", HttpMethod.POST, s + "/messages", alice, new JsonObject().put("text", huge), 413);
    add("huge session", HttpMethod.POST, "/api/v1/sessions", alice, new JsonObject().put("provider", "openai").put("model", "m").put("title", huge), 413);
    add("huge import", HttpMethod.POST, "/api/v1/sessions/import", alice, new JsonObject().put("x", huge + huge), 413);
    add("huge login", HttpMethod.POST, "/api/v1/auth/token", null, new JsonObject().put("username", huge), 413);
    add("huge garbage", HttpMethod.POST, "/api/v1/credentials", alice, huge, 413);
    add("long text over schema max", HttpMethod.POST, s + "/messages", alice, new JsonObject().put("text", "y".repeat(200_001)), 400);
    add("long title", HttpMethod.POST, "/api/v1/sessions", alice, new JsonObject().put("provider", "openai").put("model", "m").put("title", "t".repeat(501)), 400);
    // 4. deeply nested
    String deep = "[".repeat(5000) + "]".repeat(5000);
    add("deep import", HttpMethod.POST, "/api/v1/sessions/import", alice, "{\"a\":" + deep + "}", 400);
    add("deep params", HttpMethod.POST, "/api/v1/sessions", alice, "{\"provider\":\"openai\",\"model\":\"m\",\"params\":" + deep + "}", 400);
    add("deep text", HttpMethod.POST, s + "/messages", alice, "{\"text\":" + deep + "}", 400);
    String deepObj = "{\"a\":".repeat(3000) + "1" + "}".repeat(3000);
    add("deep object import", HttpMethod.POST, "/api/v1/sessions/import", alice, deepObj, 400);
    add("deep object template", HttpMethod.POST, "/api/v1/templates", alice, deepObj, 400);
    // 5. unknown fields
    add("unknown session field", HttpMethod.POST, "/api/v1/sessions", alice, new JsonObject().put("provider", "openai").put("model", "m").put("userId", "x"), 400);
    add("role on message", HttpMethod.POST, s + "/messages", alice, new JsonObject().put("text", "t").put("role", "system"), 400);
    add("userId on credential", HttpMethod.POST, "/api/v1/credentials", alice,
        new JsonObject().put("provider", "openai").put("label", "l").put("apiKey", "k").put("userId", UUID.randomUUID().toString()), 400);
    add("isAdmin on user", HttpMethod.POST, "/api/v1/users", admin, new JsonObject().put("username", "zz").put("password", "12345678").put("isAdmin", true), 400);
    add("id on user patch", HttpMethod.PATCH, "/api/v1/users/" + UUID.randomUUID(), admin, new JsonObject().put("id", "x"), 400);
    add("kind oauth on credential", HttpMethod.POST, "/api/v1/credentials", alice,
        new JsonObject().put("provider", "openai").put("kind", "oauth").put("label", "l").put("apiKey", "k"), 400);
    add("__proto__", HttpMethod.PATCH, s, alice, "{\"__proto__\":{\"admin\":true}}", 400);
    add("body on cancel", HttpMethod.POST, s + "/cancel", alice, new JsonObject().put("force", true), 400);
    add("unknown tool field", HttpMethod.PATCH, "/api/v1/tools/read_file", admin, new JsonObject().put("source", "mcp:evil"), 400);
    add("unknown template field", HttpMethod.POST, "/api/v1/templates", alice,
        new JsonObject().put("name", "n").put("provider", "openai").put("model", "m").put("owner", "bob"), 400);
    // 6. SQL and HTML payloads
    String[] sql = {"' OR 1=1 --", "1; DROP TABLE app_user; --", "\" OR \"\"=\"", "%00", "../../etc/passwd", "<script>alert(1)</script>"};
    for (String p : sql) {
      add("sql session id " + p, HttpMethod.GET, "/api/v1/sessions/" + enc(p), alice, null, 404);
      add("sql token id " + p, HttpMethod.DELETE, "/api/v1/auth/tokens/" + enc(p), alice, null, 404);
      add("sql user id " + p, HttpMethod.DELETE, "/api/v1/users/" + enc(p), admin, null, 404);
      add("sql login " + p, HttpMethod.POST, "/api/v1/auth/token", null, new JsonObject().put("username", p).put("password", p).put("name", "n"), 401);
      add("sql username " + p, HttpMethod.POST, "/api/v1/users", admin, new JsonObject().put("username", p).put("password", "12345678"), 400);
      add("sql cursor " + p, HttpMethod.GET, "/api/v1/users?cursor=" + enc(p), admin, null, 200);
      add("sql tool name " + p, HttpMethod.PATCH, "/api/v1/tools/" + enc(p), admin, new JsonObject().put("enabled", false), 404);
    }
    add("html title stored as data", HttpMethod.POST, "/api/v1/sessions", alice,
        new JsonObject().put("provider", "openai").put("model", "m").put("title", "<img src=x onerror=alert(1)>"), 201);
    add("sql search", HttpMethod.GET, "/api/v1/sessions?q=" + enc("' OR 1=1 --"), alice, null, 200);
    // 7. other users' ids
    for (String[] e : new String[][] {{"GET", s}, {"PATCH", s}, {"DELETE", s}, {"POST", s + "/fork"}, {"POST", s + "/messages"},
        {"POST", s + "/cancel"}, {"POST", s + "/compact"}, {"GET", s + "/export"}, {"GET", s + "/events?afterSeq=0"},
        {"GET", "/api/v1/templates/" + aliceTemplate}, {"PUT", "/api/v1/templates/" + aliceTemplate}, {"DELETE", "/api/v1/templates/" + aliceTemplate},
        {"DELETE", "/api/v1/credentials/" + aliceCredential}, {"GET", "/api/v1/models?provider=openai&credentialId=" + aliceCredential}}) {
      HttpMethod m = HttpMethod.valueOf(e[0]);
      Object body = switch (e[0]) {
        case "PATCH" -> new JsonObject().put("title", "mine now");
        case "PUT" -> new JsonObject().put("name", "n").put("provider", "openai").put("model", "m");
        case "POST" -> e[1].endsWith("/messages") ? new JsonObject().put("text", "hi") : null;
        default -> null;
      };
      add("bob → alice's " + e[0] + " " + e[1], m, e[1], bob, body, 404);
    }
    // 8. missing, revoked and malformed tokens on every protected operation
    for (JsonObject op : new OpenApiDocument().operations().values()) {
      if (op.getBoolean("public")) continue;
      if (dev.maestro.gateway.openai.OpenAiDoor.owns(op)) continue; // OpenAI-shaped errors: OpenAiDoorHostileTest
      HttpMethod m = HttpMethod.valueOf(op.getString("method"));
      String path = concrete(op.getString("path"));
      add("no token " + m + " " + path, m, path, null, null, 401);
      add("revoked token " + m + " " + path, m, path, revoked, null, 401);
      add("garbage token " + m + " " + path, m, path, "mst_" + "A".repeat(43), null, 401);
      if (op.getBoolean("admin")) add("member on admin op " + m + " " + path, m, path, alice, null, 403);
    }
    cases.add(new Case("basic auth", HttpMethod.GET, "/api/v1/sessions", null, null,
        MultiMap.caseInsensitiveMultiMap().add("Authorization", "Basic YWRtaW46eA=="), 401));
    cases.add(new Case("cookie without session", HttpMethod.GET, "/api/v1/sessions", null, null,
        MultiMap.caseInsensitiveMultiMap().add("Cookie", "maestro_session=forged"), 401));
    // 9. wrong methods, unknown paths, bad query parameters
    add("PUT sessions", HttpMethod.PUT, "/api/v1/sessions", alice, new JsonObject(), 405);
    add("DELETE tools", HttpMethod.DELETE, "/api/v1/tools", admin, null, 405);
    add("POST models", HttpMethod.POST, "/api/v1/models", alice, new JsonObject(), 405);
    add("PATCH tokens", HttpMethod.PATCH, "/api/v1/auth/tokens", alice, new JsonObject(), 405);
    add("GET auth/token", HttpMethod.GET, "/api/v1/auth/token", alice, null, 405);
    add("unknown api path", HttpMethod.GET, "/api/v1/secrets", alice, null, 404);
    add("unknown version", HttpMethod.GET, "/api/v2/sessions", alice, null, 404);
    add("traversal", HttpMethod.GET, "/api/v1/../../etc/passwd", alice, null, 404);
    for (String q : new String[] {"limit=0", "limit=-1", "limit=abc", "limit=100000", "limit=1&limit=2", "cursor=" + "c".repeat(600)}) {
      add("bad query " + q, HttpMethod.GET, "/api/v1/sessions?" + q, alice, null, 400);
    }
    add("afterSeq -5", HttpMethod.GET, s + "/events?afterSeq=-5", alice, null, 400);
    add("afterSeq float", HttpMethod.GET, s + "/events?afterSeq=1.5", alice, null, 400);
    add("afterSeq sql", HttpMethod.GET, s + "/events?afterSeq=" + enc("1 OR 1=1"), alice, null, 400);
    add("format xml", HttpMethod.GET, s + "/export?format=xml", alice, null, 400);
    add("provider evil", HttpMethod.GET, "/api/v1/models?provider=evil", alice, null, 400);
    add("credentialId not uuid", HttpMethod.GET, "/api/v1/models?credentialId=1", alice, null, 400);
    add("form body", HttpMethod.POST, "/api/v1/sessions", alice, Buffer.buffer("provider=openai&model=m"), 415);
  }

  @TestFactory
  Stream<DynamicTest> hostileRequestsAndFramesGetTheirDocumentedAnswers() throws Exception {
    buildHttpCases();
    List<DynamicTest> tests = new ArrayList<>();
    for (Case c : cases) {
      tests.add(DynamicTest.dynamicTest(c.name().length() > 120 ? c.name().substring(0, 120) : c.name(), () -> {
        Resp r = c.body() instanceof Buffer b
            ? fx.call(fx.port(), c.method(), c.path(), c.token(), b, MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/x-www-form-urlencoded"))
            : fx.call(fx.port(), c.method(), c.path(), c.token(), c.body(), c.headers());
        assertThat(r.status()).as(c.name() + " → " + r.body()).isEqualTo(c.expected());
        if (c.expected() >= 400) {
          assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
          assertThat(r.json().getInteger("status")).isEqualTo(c.expected());
          assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("org.postgresql");
        }
      }));
    }
    List<String[]> frames = frameCases();
    tests.add(DynamicTest.dynamicTest("bad WebSocket frames (" + frames.size() + ")", () -> {
      Ws ws = fx.ws(alice);
      int onThisSocket = 0;
      for (String[] f : frames) {
        if (++onThisSocket > 30) { // stay inside one socket's frame burst (40): this test is about content, not rate
          ws = fx.ws(alice);
          onThisSocket = 1;
        }
        ws.sendText(f[0]);
        JsonObject err = ws.next("error");
        assertThat(err.getString("code")).as(f[0].length() > 200 ? f[0].substring(0, 200) : f[0]).isEqualTo(f[1]);
      }
      ws.socket.writeBinaryMessage(Buffer.buffer("\u0000binary")).await();
      assertThat(ws.next("error").getString("code")).isEqualTo("bad_frame");
      ws.send(new JsonObject().put("type", "ping"));
      assertThat(ws.next("pong")).isNotNull();
      assertThat(ws.closeCode).isNull();
    }));
    tests.add(DynamicTest.dynamicTest("WebSocket without or with a revoked token is refused", () -> {
      assertThatThrownBy(() -> fx.ws(null)).isInstanceOf(UpgradeRejectedException.class);
      assertThatThrownBy(() -> fx.ws(revoked)).isInstanceOf(UpgradeRejectedException.class);
      assertThatThrownBy(() -> fx.ws("mst_nope")).isInstanceOf(UpgradeRejectedException.class);
    }));
    tests.add(DynamicTest.dynamicTest("an oversized frame closes only that socket (1009)", () -> {
      Ws ws = fx.ws(alice);
      ws.sendText("{\"type\":\"send\",\"text\":\"" + "z".repeat((1 << 20) + 100) + "\"}");
      assertThat(ws.awaitClose(Duration.ofSeconds(10))).isEqualTo((short) 1009);
    }));
    tests.addAll(originCases());
    tests.addAll(invalidTextCases());
    tests.addAll(unexpectedFailureCases());
    tests.addAll(memberViewCases());
    tests.add(DynamicTest.dynamicTest("a frame flood gets rate_limited, then close 4003", () -> {
      Ws ws = fx.ws(alice);
      String ping = new JsonObject().put("type", "ping").encode();
      for (int i = 0; i < 1000 && ws.closeCode == null; i++) ws.socket.writeTextMessage(ping);
      assertThat(ws.awaitClose(Duration.ofSeconds(10))).isEqualTo(dev.maestro.gateway.ws.CloseCodes.TOO_MANY_FRAMES);
      assertThat(new ArrayList<>(ws.frames)).anySatisfy(f -> assertThat(f.getString("code")).isEqualTo("rate_limited"));
    }));
    tests.add(DynamicTest.dynamicTest("after all that the gateway serves normally", () -> {
      assertThat(cases.size() + frames.size()).isGreaterThanOrEqualTo(200);
      assertThat(fx.get("/health", null).json().getString("postgres")).isEqualTo("UP");
      Ws ws = fx.ws(alice);
      fx.subscribe(ws, aliceSession, null);
      ws.send(new JsonObject().put("type", "send").put("sessionId", aliceSession).put("text", "still fine"));
      JsonObject f;
      do {
        f = ws.next("event");
      } while (!SessionEvents.TURN_COMPLETED.equals(f.getJsonObject("event").getString("type")));
      assertThat(fx.get("/api/v1/sessions/" + aliceSession, alice).json().getJsonArray("messages").encode()).contains("still fine");
    }));
    return tests.stream();
  }

  List<String[]> frameCases() {
    List<String[]> f = new ArrayList<>();
    String other = fx.newSession(bob);
    String[] notObjects = {"", " ", "null", "42", "\"subscribe\"", "[]", "[{\"type\":\"ping\"}]", "{", "{\"type\":\"ping\"", "ping",
        "<script>alert(1)</script>", "' OR 1=1 --", "{\"type\":\"ping\"}{\"type\":\"ping\"}"};
    for (String s : notObjects) f.add(new String[] {s, "bad_frame"});
    Object[] badTypes = {null, 1, true, new JsonArray(), new JsonObject(), "", "SUBSCRIBE", "drop table", "<b>x</b>", "x".repeat(1000)};
    for (Object t : badTypes) f.add(new String[] {new JsonObject().put("type", t).put("sessionId", aliceSession).encode(), "bad_frame"});
    Object[] badIds = {null, 1, "", "not-a-uuid", "' OR 1=1 --", "<script>", "../" + aliceSession, aliceSession + "x", new JsonArray().add(aliceSession)};
    for (String type : new String[] {"subscribe", "unsubscribe", "send", "cancel", "approve"}) {
      for (Object id : badIds) f.add(new String[] {new JsonObject().put("type", type).put("sessionId", id).put("text", "t").encode(), "bad_frame"});
    }
    Object[] badSeqs = {"3", 1.5, -2, new JsonObject(), true};
    for (Object s : badSeqs) f.add(new String[] {new JsonObject().put("type", "subscribe").put("sessionId", aliceSession).put("afterSeq", s).encode(), "bad_frame"});
    Object[] badTexts = {null, "", 5, new JsonArray(), "x".repeat(200_001)};
    for (Object t : badTexts) f.add(new String[] {new JsonObject().put("type", "send").put("sessionId", aliceSession).put("text", t).encode(), "bad_frame"});
    f.add(new String[] {new JsonObject().put("type", "approve").put("sessionId", aliceSession).put("callId", "c").put("decision", "maybe").encode(), "bad_frame"});
    f.add(new String[] {new JsonObject().put("type", "approve").put("sessionId", aliceSession).put("callId", 3).put("decision", "allow").encode(), "bad_frame"});
    f.add(new String[] {new JsonObject().put("type", "approve").put("sessionId", aliceSession).put("decision", "allow").encode(), "bad_frame"});
    // invalid text anywhere in a frame: NUL, lone surrogates, control characters
    for (String bad : BAD_TEXT) {
      f.add(new String[] {escaped(new JsonObject().put("type", "send").put("sessionId", aliceSession).put("text", "hi" + bad)), "bad_frame"});
      f.add(new String[] {escaped(new JsonObject().put("type", "approve").put("sessionId", aliceSession).put("callId", "c" + bad).put("decision", "allow")), "bad_frame"});
      f.add(new String[] {escaped(new JsonObject().put("type", "elicit").put("sessionId", aliceSession).put("elicitationId", "e1").put("action", "accept")
          .put("content", new JsonObject().put("name", "x" + bad))), "bad_frame"});
    }
    f.add(new String[] {new JsonObject().put("type", "ping").put("note", "\u0000").encode(), "bad_frame"});
    // another user's session: not found, exactly like a missing one
    f.add(new String[] {new JsonObject().put("type", "subscribe").put("sessionId", other).encode(), "not_found"});
    f.add(new String[] {new JsonObject().put("type", "subscribe").put("sessionId", other).put("afterSeq", 0).encode(), "not_found"});
    f.add(new String[] {new JsonObject().put("type", "send").put("sessionId", other).put("text", "hi").encode(), "not_found"});
    f.add(new String[] {new JsonObject().put("type", "cancel").put("sessionId", other).encode(), "not_found"});
    f.add(new String[] {new JsonObject().put("type", "approve").put("sessionId", other).put("callId", "c").put("decision", "allow").encode(), "not_found"});
    f.add(new String[] {new JsonObject().put("type", "subscribe").put("sessionId", UUID.randomUUID().toString()).encode(), "not_found"});
    return f;
  }

  /**
   * A browser's Origin against the Host it sent, on a CSRF-checked request and on the WebSocket
   * upgrade: another port of the same host is another origin, even when Host carries no port.
   */
  List<DynamicTest> originCases() {
    String[][] pairs = {
        // origin, host, accepted?
        {"http://127.0.0.1:9999", "127.0.0.1", "no"},
        {"http://127.0.0.1:8080", "127.0.0.1", "no"},
        {"http://127.0.0.1:443", "127.0.0.1", "no"},
        {"https://127.0.0.1:8443", "127.0.0.1", "no"},
        {"http://127.0.0.1/x", "127.0.0.1", "no"},
        {"ws://127.0.0.1", "127.0.0.1", "no"},
        {"http://127.0.0.1", "127.0.0.1:80", "yes"},
        {"https://127.0.0.1", "127.0.0.1:443", "yes"},
        {"http://127.0.0.1:80", "127.0.0.1", "yes"},
    };
    List<DynamicTest> out = new ArrayList<>();
    for (String[] p : pairs) {
      boolean ok = p[2].equals("yes");
      out.add(DynamicTest.dynamicTest("Origin " + p[0] + " with Host " + p[1] + " → " + (ok ? "accepted" : "refused"), () -> {
        JsonObject user = fx.newUser(admin, "member");
        JsonObject browser = fx.browserLogin(user.getString("username"), "password-" + user.getString("username"));
        MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Cookie", browser.getString("cookie"))
            .add("X-CSRF-Token", browser.getString("csrf")).add("Origin", p[0]).add("Host", p[1]);
        Resp r = fx.call(fx.port(), HttpMethod.POST, "/api/v1/sessions", null, new JsonObject().put("provider", "openai").put("model", "m"), h);
        assertThat(r.status()).as(r.body()).isEqualTo(ok ? 201 : 403);
        MultiMap wsHeaders = MultiMap.caseInsensitiveMultiMap().add("Cookie", browser.getString("cookie")).add("Origin", p[0]).add("Host", p[1]);
        if (ok) {
          Ws ws = fx.ws(fx.port(), null, wsHeaders, null);
          ws.send(new JsonObject().put("type", "ping"));
          assertThat(ws.next("pong")).isNotNull();
        } else {
          assertThatThrownBy(() -> fx.ws(fx.port(), null, wsHeaders, null))
              .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(403));
        }
      }));
    }
    return out;
  }

  /** JSON text with surrogates spelled as escapes: a lone one cannot travel as UTF-8, but "\\ud800" can. */
  static String escaped(JsonObject frame) {
    StringBuilder b = new StringBuilder();
    for (char c : frame.encode().toCharArray()) {
      if (Character.isSurrogate(c)) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.toString();
  }

  /** NUL, lone surrogates (both halves) and C0 controls: each must be a 400 naming the field. */
  static final String[] BAD_TEXT = {"\u0000", "a\u0000b", "\ud800", "x\udc00y", "\u0001", "\u001b[31m", "\b"};

  /**
   * Invalid text in a body string, a nested body string, a query parameter or a path parameter →
   * 400 problem+json whose {@code errors} name the field; never a 5xx and never a class name.
   */
  List<DynamicTest> invalidTextCases() {
    String s = "/api/v1/sessions/" + aliceSession;
    record T(String name, HttpMethod method, String path, String token, Object body, String field) {}
    List<T> list = new ArrayList<>();
    for (String bad : BAD_TEXT) {
      String shown = bad.chars().mapToObj(c -> c < 0x20 || Character.isSurrogate((char) c) ? String.format("U+%04X", c) : String.valueOf((char) c))
          .reduce("", String::concat);
      list.add(new T("session title " + shown, HttpMethod.POST, "/api/v1/sessions", alice,
          new JsonObject().put("provider", "openai").put("model", "m").put("title", bad), "title"));
      list.add(new T("session params nested " + shown, HttpMethod.POST, "/api/v1/sessions", alice,
          new JsonObject().put("provider", "openai").put("model", "m").put("params", new JsonObject().put("stop", new JsonArray().add("ok").add(bad))), "params.stop.1"));
      list.add(new T("message text " + shown, HttpMethod.POST, s + "/messages", alice, new JsonObject().put("text", "hello " + bad), "text"));
      list.add(new T("patch title " + shown, HttpMethod.PATCH, s, alice, new JsonObject().put("title", bad), "title"));
      list.add(new T("credential label " + shown, HttpMethod.POST, "/api/v1/credentials", alice,
          new JsonObject().put("provider", "openai").put("label", bad).put("apiKey", "sk-1"), "label"));
      list.add(new T("template name " + shown, HttpMethod.POST, "/api/v1/templates", alice,
          new JsonObject().put("name", bad).put("provider", "openai").put("model", "m"), "name"));
      list.add(new T("login username " + shown, HttpMethod.POST, "/api/v1/auth/token", null,
          new JsonObject().put("username", "admin" + bad).put("password", "x").put("name", "n"), "username"));
      list.add(new T("token name " + shown, HttpMethod.POST, "/api/v1/auth/token", null,
          new JsonObject().put("username", "admin").put("password", GatewayFixture.ADMIN_PASSWORD).put("name", "n" + bad), "name"));
      String q = enc(bad);
      if (bad.chars().anyMatch(c -> Character.isSurrogate((char) c))) continue; // a URL carries UTF-8: no lone surrogates
      list.add(new T("query q " + shown, HttpMethod.GET, "/api/v1/sessions?q=" + q, alice, null, "q"));
      list.add(new T("query cursor " + shown, HttpMethod.GET, "/api/v1/users?cursor=" + q, admin, null, "cursor"));
    }
    // (usernames and provider names already had a pattern / enum, and Jackson already refuses
    // invalid UTF-8 bytes: those cases passed before and are not repeated here)
    list.add(new T("import NUL", HttpMethod.POST, "/api/v1/sessions/import", alice, new JsonObject().put("title", "a\u0000b"), "title"));
    list.add(new T("import lone surrogate", HttpMethod.POST, "/api/v1/sessions/import", alice,
        new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("text", "\ud83d"))), "messages.0.text"));
    list.add(new T("path session id NUL", HttpMethod.GET, "/api/v1/sessions/%00", alice, null, "id"));
    list.add(new T("path session id with NUL suffix", HttpMethod.DELETE, s + "%00", alice, null, "id"));
    list.add(new T("path tool name NUL", HttpMethod.PATCH, "/api/v1/tools/read%00file", admin, new JsonObject().put("enabled", false), "name"));
    list.add(new T("path user id ESC", HttpMethod.DELETE, "/api/v1/users/%1B", admin, null, "id"));
    list.add(new T("key with NUL", HttpMethod.PATCH, s, alice, "{\"title\":\"t\",\"a\\u0000\":1}", "(body)"));
    List<DynamicTest> out = new ArrayList<>();
    for (T t : list) {
      out.add(DynamicTest.dynamicTest("invalid text: " + t.name(), () -> {
        Resp r = fx.call(fx.port(), t.method(), t.path(), t.token(), t.body(), null);
        assertThat(r.status()).as(t.name() + " → " + r.body()).isEqualTo(400);
        assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("java.").doesNotContain("io.vertx").doesNotContain("org.postgresql");
        JsonArray errors = r.json().getJsonArray("errors");
        assertThat(errors).as(r.body()).isNotNull();
        assertThat(errors.stream().map(e -> ((JsonObject) e).getString("field")).toList()).as(r.body()).contains(t.field());
      }));
    }
    return out;
  }

  /**
   * A service failing unexpectedly — answering as auth-service (503 naming the driver's class) and
   * session-service (503 with the raw driver message) used to, or throwing — reaches the caller as
   * the platform policy's generic problem with a ref, over HTTP and over the WebSocket.
   */
  List<DynamicTest> unexpectedFailureCases() {
    Throwable[] failures = {
        new io.vertx.serviceproxy.ServiceException(503, "auth-service could not complete the request (PgException)"),
        new io.vertx.serviceproxy.ServiceException(503, "session 5: io.vertx.pgclient.PgException: ERROR: unsupported Unicode escape sequence (22P05)"),
        new io.vertx.serviceproxy.ServiceException(500, "java.lang.IllegalStateException: pool closed"),
        new io.vertx.serviceproxy.ServiceException(502, "Connection reset by peer: io.netty.channel.unix.Errors$NativeIoException"),
        new NullPointerException("Cannot invoke \"java.lang.String.length()\" because \"label\" is null"),
    };
    List<DynamicTest> out = new ArrayList<>();
    for (Throwable t : failures) {
      out.add(DynamicTest.dynamicTest("unexpected failure in a service: " + t.getMessage(), () -> {
        fx.auth.nextFailure = t;
        Resp r = fx.post("/api/v1/credentials", alice, new JsonObject().put("provider", "openai").put("label", "l").put("apiKey", "sk-1"));
        assertThat(r.status()).as(r.body()).isGreaterThanOrEqualTo(500);
        assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("java.").doesNotContain("io.vertx").doesNotContain("io.netty")
            .doesNotContain("Pg").doesNotContain("22P05");
        assertThat(r.json().getString("detail")).matches("internal error, see the service log \\(ref [0-9a-f]{8}\\)");
      }));
    }
    return out;
  }

  /**
   * Secrets admins put in shared configuration are write-only for members: MCP args, URL query and
   * user-info, env and header values, OAuth clients' extraHeaders / extraParams. Admins still see them.
   */
  List<DynamicTest> memberViewCases() {
    List<DynamicTest> out = new ArrayList<>();
    String[] secrets = {"sk-arg-secret", "sk-query-secret", "sk-userinfo-secret", "sk-env-secret", "sk-header-secret"};
    JsonObject server = new JsonObject().put("name", "secrets-" + UUID.randomUUID().toString().substring(0, 8)).put("transport", "http")
        .put("url", "https://bot:sk-userinfo-secret@mcp.example/x?api_key=sk-query-secret&plain")
        .put("args", new JsonArray().add("--token").add("sk-arg-secret"))
        .put("env", new JsonObject().put("HOME_DIR", "sk-env-secret"))
        .put("headers", new JsonObject().put("X-Custom", "sk-header-secret"));
    JsonObject client = new JsonObject().put("provider", "openai").put("name", "c").put("authorizeUrl", "https://id.example/a")
        .put("tokenUrl", "https://id.example/t").put("clientId", "cid").put("clientSecret", "sk-client-secret")
        .put("extraHeaders", new JsonObject().put("X-Tenant-Key", "sk-extra-header")).put("extraParams", new JsonObject().put("audience", "sk-extra-param"));
    String[] paths = new String[4];
    out.add(DynamicTest.dynamicTest("member view: setup (admin creates an MCP server and an OAuth client)", () -> {
      Resp m = fx.post("/api/v1/mcp-servers", admin, server);
      assertThat(m.status()).as(m.body()).isEqualTo(201);
      Resp c = fx.post("/api/v1/oauth-clients", admin, client);
      assertThat(c.status()).as(c.body()).isEqualTo(201);
      paths[0] = "/api/v1/mcp-servers";
      paths[1] = "/api/v1/mcp-servers/" + m.json().getString("id");
      paths[2] = "/api/v1/oauth-clients";
      paths[3] = "/api/v1/oauth-clients/" + c.json().getString("id");
    }));
    String[] names = {"list MCP servers", "get MCP server", "list OAuth clients", "get OAuth client"};
    for (int k = 0; k < names.length; k++) {
      int at = k;
      out.add(DynamicTest.dynamicTest("member view: " + names[k] + " masks every secret", () -> {
        Resp r = fx.get(paths[at], alice);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        for (String secret : secrets) assertThat(r.body()).doesNotContain(secret);
        assertThat(r.body()).doesNotContain("sk-extra-header").doesNotContain("sk-extra-param").doesNotContain("sk-client-secret");
        if (at < 2) assertThat(r.body()).contains("api_key=********").contains("HOME_DIR").contains("X-Custom");
        else assertThat(r.body()).contains("X-Tenant-Key").contains("audience");
      }));
    }
    out.add(DynamicTest.dynamicTest("member view: the admin still reads the configuration", () -> {
      assertThat(fx.get(paths[1], admin).body()).contains("sk-arg-secret").contains("sk-query-secret").contains("sk-header-secret");
      assertThat(fx.get(paths[3], admin).body()).contains("sk-extra-header");
    }));
    return out;
  }
}
