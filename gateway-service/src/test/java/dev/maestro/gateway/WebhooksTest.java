package dev.maestro.gateway;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.events.IntegrationEvents;
import dev.maestro.gateway.GatewayFixture.Resp;
import dev.maestro.gateway.webhooks.WebhookSettings;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Webhooks through the front door against a real receiver: events published on maestro.events
 * arrive as POSTs signed with the secret shown once (checked here with an HMAC of our own, as a
 * receiver would); a receiver that is down gets them later, in order, from the PostgreSQL outbox;
 * one that keeps failing is given up after the attempts and shown as failed; bad URLs are refused.
 */
class WebhooksTest {
  record Received(MultiMap headers, String body) {}

  static GatewayFixture fx;
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    // the backstop poll never comes within these tests (an hour): new events and retries must be sent when
    // they are due without it (an idle gateway no longer queries the outbox every second, issue 14)
    fx = new GatewayFixture(new JsonObject().put(WebhookSettings.POLL_MS, "3600000").put(WebhookSettings.BACKOFF_MS, "100")
        .put(WebhookSettings.MAX_BACKOFF_MS, "400").put(WebhookSettings.MAX_ATTEMPTS, "4"));
    admin = fx.adminToken();
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A receiver on port answering status to every POST. */
  static HttpServer receiver(int port, int status, List<Received> into) throws Exception {
    return fx.vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      into.add(new Received(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()), b.toString()));
      req.response().setStatusCode(status).end("receiver says: internal detail");
    })).listen(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  static JsonObject create(String url, JsonArray types) {
    JsonObject body = new JsonObject().put("url", url);
    if (types != null) body.put("types", types);
    Resp r = fx.post("/api/v1/webhooks", admin, body);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  static JsonObject listed(String id) {
    Resp r = fx.get("/api/v1/webhooks", admin);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).doesNotContain("whsec_");
    for (Object o : r.json().getJsonArray("items")) if (((JsonObject) o).getString("id").equals(id)) return (JsonObject) o;
    return null;
  }

  static JsonObject publish(JsonObject envelope) {
    fx.vertx.eventBus().publish(Addresses.EVENTS, envelope);
    return envelope;
  }

  static String hmac(String secret, String timestamp, String body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return "sha256=" + HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void eventsArriveSignedWithTheSecretShownOnceAndOnlyTheTypesAsked() throws Exception {
    List<Received> got = new CopyOnWriteArrayList<>();
    int port = freePort();
    HttpServer server = receiver(port, 204, got);
    JsonObject hook = create("http://127.0.0.1:" + port + "/hook", new JsonArray().add(IntegrationEvents.TURN_COMPLETED));
    String secret = hook.getString("secret");
    assertThat(secret).startsWith("whsec_").hasSizeGreaterThan(40);
    String session = UUID.randomUUID().toString();
    publish(IntegrationEvents.turnStarted("u1", session, "t1"));
    JsonObject done = publish(IntegrationEvents.turnCompleted("u1", session, "t1", "complete", 12, 3, null));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> got.size() >= 1);
    Received r = got.get(0);
    assertThat(new JsonObject(r.body())).isEqualTo(done);
    long ts = Long.parseLong(r.headers().get("X-Maestro-Timestamp"));
    assertThat(Math.abs(System.currentTimeMillis() / 1000 - ts)).isLessThan(60);
    assertThat(r.headers().get("X-Maestro-Signature")).isEqualTo(hmac(secret, r.headers().get("X-Maestro-Timestamp"), r.body()));
    assertThat(r.headers().get("X-Maestro-Signature")).isNotEqualTo(hmac("whsec_other", r.headers().get("X-Maestro-Timestamp"), r.body()));
    assertThat(r.headers().get("X-Maestro-Event")).isEqualTo(IntegrationEvents.TURN_COMPLETED);
    assertThat(r.headers().get("X-Maestro-Delivery")).isEqualTo(done.getString("id"));
    assertThat(r.headers().get("Content-Type")).isEqualTo("application/json");
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> listed(hook.getString("id")).getJsonObject("deliveries").getLong("delivered") == 1);
    assertThat(got).hasSize(1); // turn.started was not asked for
    JsonObject shown = listed(hook.getString("id"));
    assertThat(shown.containsKey("secret")).isFalse();
    assertThat(shown.getString("lastDeliveredAt")).isNotNull();
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/webhooks/" + hook.getString("id"), admin, null).status()).isEqualTo(204);
    assertThat(listed(hook.getString("id"))).isNull();
    server.close();
  }

  @Test
  void aReceiverThatIsDownGetsTheEventsLaterInOrder() throws Exception {
    int port = freePort(); // nothing listens yet: connection refused
    JsonObject hook = create("http://127.0.0.1:" + port + "/later", null);
    String session = UUID.randomUUID().toString();
    List<JsonObject> sent = List.of(publish(IntegrationEvents.sessionCreated("u2", session, "openai", "gpt-4o")),
        publish(IntegrationEvents.turnStarted("u2", session, "t1")),
        publish(IntegrationEvents.approvalRequired("u2", session, "t1", "c1", "run_command")));
    JsonObject failing = Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> listed(hook.getString("id")),
        h -> h.getString("lastError") != null && h.getJsonObject("deliveries").getLong("pending") == 3);
    assertThat(failing.getString("lastError")).startsWith("cannot reach");

    List<Received> got = new CopyOnWriteArrayList<>();
    HttpServer server = receiver(port, 200, got);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> got.size() >= 3);
    assertThat(got).extracting(r -> new JsonObject(r.body()).getString("id"))
        .containsExactly(sent.get(0).getString("id"), sent.get(1).getString("id"), sent.get(2).getString("id"));
    JsonObject after = Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> listed(hook.getString("id")),
        h -> h.getJsonObject("deliveries").getLong("delivered") == 3);
    assertThat(after.getJsonObject("deliveries").getLong("pending")).isZero();
    server.close();
    fx.call(HttpMethod.DELETE, "/api/v1/webhooks/" + hook.getString("id"), admin, null);
  }

  @Test
  void aReceiverThatKeepsFailingIsGivenUpAfterTheAttemptsAndShownAsFailed() throws Exception {
    List<Received> got = new CopyOnWriteArrayList<>();
    int port = freePort();
    HttpServer server = receiver(port, 500, got);
    JsonObject hook = create("http://127.0.0.1:" + port + "/broken", null);
    publish(IntegrationEvents.mcpStatus(UUID.randomUUID().toString(), "srv", "failed"));
    JsonObject shown = Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> listed(hook.getString("id")),
        h -> h.getJsonObject("deliveries").getLong("failed") == 1);
    assertThat(got).hasSize(4);
    assertThat(shown.getString("lastError")).isEqualTo("HTTP 500"); // never the receiver's own text
    server.close();
    fx.call(HttpMethod.DELETE, "/api/v1/webhooks/" + hook.getString("id"), admin, null);
  }

  @Test
  void badUrlsAndUnknownIdsAreDocumentedProblems() {
    for (String url : List.of("ftp://example.com/x", "http://169.254.169.254/latest/meta-data", "http://10.1.2.3/hook")) {
      Resp r = fx.post("/api/v1/webhooks", admin, new JsonObject().put("url", url));
      assertThat(r.status()).as(url).isEqualTo(400);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
      assertThat(r.json().getJsonArray("errors").getJsonObject(0).getString("field")).contains("url");
    }
    Resp badType = fx.post("/api/v1/webhooks", admin, new JsonObject().put("url", "https://example.com/h")
        .put("types", new JsonArray().add("message.text")));
    assertThat(badType.status()).isEqualTo(400);
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/webhooks/" + UUID.randomUUID(), admin, null).status()).isEqualTo(404);
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/webhooks/not-a-uuid", admin, null).status()).isEqualTo(404);
    String member = fx.newUser(admin, "member").getString("token");
    assertThat(fx.post("/api/v1/webhooks", member, new JsonObject().put("url", "https://example.com/h")).status()).isEqualTo(403);
    assertThat(fx.get("/api/v1/webhooks", member).status()).isEqualTo(403);
  }
  /** The admin page: the secret is in the answer to the form only; the list shows delivery status; remove works. */
  @Test
  void theAdminPageAddsShowsTheSecretOnceListsStatusAndRemoves() throws Exception {
    io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> login = fx.client.post(fx.port(), "127.0.0.1", "/login")
        .sendForm(MultiMap.caseInsensitiveMultiMap().add("username", "admin").add("password", GatewayFixture.ADMIN_PASSWORD)).await();
    String cookie = login.cookies().stream().filter(c -> c.startsWith("maestro_session=")).map(c -> c.substring(0, c.indexOf(';')))
        .findFirst().orElseThrow();
    String page = fx.client.get(fx.port(), "127.0.0.1", "/webhooks").putHeader("Cookie", cookie).send().await().bodyAsString();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page);
    assertThat(m.find()).as(page).isTrue();
    String url = "https://hooks.example/page-" + UUID.randomUUID();
    var added = fx.client.post(fx.port(), "127.0.0.1", "/webhooks").putHeader("Cookie", cookie)
        .sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", m.group(1)).add("url", url).add("types", "turn.completed")).await();
    assertThat(added.statusCode()).isEqualTo(200);
    java.util.regex.Matcher secret = java.util.regex.Pattern.compile("id=\"webhook-secret\">(whsec_[A-Za-z0-9_-]+)<").matcher(added.bodyAsString());
    assertThat(secret.find()).as(added.bodyAsString()).isTrue();
    String again = fx.client.get(fx.port(), "127.0.0.1", "/webhooks").putHeader("Cookie", cookie).send().await().bodyAsString();
    assertThat(again).contains(url).contains("turn.completed").contains("0 pending").doesNotContain(secret.group(1)).doesNotContain("whsec_");
    String id = null;
    for (Object o : fx.get("/api/v1/webhooks", admin).json().getJsonArray("items")) {
      if (url.equals(((JsonObject) o).getString("url"))) id = ((JsonObject) o).getString("id");
    }
    var removed = fx.client.post(fx.port(), "127.0.0.1", "/webhooks/" + id + "/delete").putHeader("Cookie", cookie)
        .sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", m.group(1))).await();
    assertThat(removed.statusCode()).isEqualTo(303);
    assertThat(listed(id)).isNull();
  }
}
