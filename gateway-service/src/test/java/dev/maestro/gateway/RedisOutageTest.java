package dev.maestro.gateway;

import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.gateway.GatewayFixture.Ws;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Redis goes away mid-test (through a proxy we cut): chat keeps working, presence reads unknown, then returns. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisOutageTest {
  Vertx proxyVertx = Vertx.vertx();
  TcpProxy proxy;
  GatewayFixture fx;

  @BeforeAll
  void start() throws Exception {
    proxy = new TcpProxy(proxyVertx, 6379);
    int port = proxy.start(0);
    fx = new GatewayFixture(new JsonObject().put(MaestroConfig.REDIS_URL, "redis://127.0.0.1:" + port + java.net.URI.create(TestEnv.redisUrl()).getPath())
        .put(GatewaySettings.WS_HEARTBEAT, "1"));
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
    proxyVertx.close().await();
  }

  JsonArray openIn(String token, String session) {
    return fx.get("/api/v1/sessions", token).json().getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(s -> s.getString("id").equals(session)).findFirst().orElseThrow().getJsonArray("openIn");
  }

  @Test
  void chatContinuesWhileRedisIsDownAndPresenceReturnsAfterwards() throws Exception {
    String token = fx.adminToken();
    String session = fx.newSession(token);
    Ws ws = fx.ws(token);
    fx.subscribe(ws, session, null);
    assertThat(openIn(token, session)).isEqualTo(new JsonArray().add("tui"));

    proxy.stop();
    // HTTP and WebSocket chat still work; presence is unknown (null), not an error
    assertThat(fx.post("/api/v1/sessions/" + session + "/messages", token, new JsonObject().put("text", "during outage")).status()).isEqualTo(202);
    ws.send(new JsonObject().put("type", "send").put("sessionId", session).put("text", "over the socket"));
    int completed = 0;
    while (completed < 2) {
      JsonObject f = ws.next(x -> "event".equals(x.getString("type")) && x.getLong("seq") != null, Duration.ofSeconds(10));
      if (SessionEvents.TURN_COMPLETED.equals(f.getJsonObject("event").getString("type"))) completed++;
    }
    GatewayFixture.Resp list = fx.get("/api/v1/sessions", token);
    assertThat(list.status()).isEqualTo(200);
    assertThat(openIn(token, session)).isNull();
    Ws second = fx.ws(token);
    fx.subscribe(second, session, 0L);
    assertThat(fx.get("/health", null).json().getString("redis")).isEqualTo("DOWN");

    proxy.restart();
    JsonArray open = Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> openIn(token, session), o -> o != null && !o.isEmpty());
    assertThat(open).isEqualTo(new JsonArray().add("tui"));
    JsonObject presence = ws.next(f -> "event".equals(f.getString("type")) && "presence".equals(f.getJsonObject("event").getString("type")),
        Duration.ofSeconds(10));
    assertThat(presence.getJsonObject("event").getJsonArray("openIn")).isEqualTo(new JsonArray().add("tui"));
  }

  @Test
  void browsersGetAClear503WhileRedisIsDownAndTokenCallsNeverCreateASession() throws Exception {
    String token = fx.adminToken();
    GatewayFixture.Resp tokenCall = fx.get("/api/v1/sessions", token);
    assertThat(tokenCall.status()).isEqualTo(200);
    assertThat(tokenCall.headers().getAll("Set-Cookie")).as("a bearer call stores no browser session").isEmpty();

    JsonObject browser = fx.browserLogin("admin", GatewayFixture.ADMIN_PASSWORD);
    MultiMap cookie = MultiMap.caseInsensitiveMultiMap().add("Cookie", browser.getString("cookie"));
    assertThat(fx.call(fx.port(), HttpMethod.GET, "/api/v1/sessions", null, null, cookie).status()).isEqualTo(200);
    proxy.stop();
    try {
      GatewayFixture.Resp during = fx.call(fx.port(), HttpMethod.GET, "/api/v1/sessions", null, null, cookie);
      assertThat(during.status()).isEqualTo(503);
      assertThat(during.header("Content-Type")).startsWith("application/problem+json");
      assertThat(during.json().getString("detail")).contains("Redis cannot be reached").doesNotContain("Exception");
      assertThat(fx.get("/api/v1/sessions", token).status()).isEqualTo(200);
    } finally {
      proxy.restart();
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
        assertThat(fx.call(fx.port(), HttpMethod.GET, "/api/v1/sessions", null, null, cookie).status())
            .as("the browser session survives the outage").isEqualTo(200));
  }

  @Test
  void loginsFailClosedWith503WhileRedisIsDown() throws Exception {
    String token = fx.adminToken();
    proxy.stop();
    try {
      GatewayFixture.Resp login = fx.post("/api/v1/auth/token", null, new JsonObject().put("username", "admin")
          .put("password", GatewayFixture.ADMIN_PASSWORD).put("name", "during outage"));
      assertThat(login.status()).as(login.body()).isEqualTo(503);
      assertThat(login.header("Content-Type")).isEqualTo("application/problem+json");
      assertThat(login.json().getString("detail")).contains("sign-in is unavailable").doesNotContain("Exception");
      // a wrong password is not let through either, and no guess reaches the hasher
      var accounts = fx.gateways.get(0).webUiGateway();
      long before = accounts.hasher().derivations();
      Throwable wrong = AuthAndUsersTest.catchFailure(accounts.login("admin", "guess-during-outage", "10.66.0.1"));
      assertThat(((io.vertx.serviceproxy.ServiceException) wrong).failureCode()).isEqualTo(503);
      assertThat(accounts.hasher().derivations()).isEqualTo(before);
      // existing tokens keep working
      assertThat(fx.get("/api/v1/sessions", token).status()).isEqualTo(200);
    } finally {
      proxy.restart();
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
        assertThat(fx.post("/api/v1/auth/token", null, new JsonObject().put("username", "admin")
            .put("password", GatewayFixture.ADMIN_PASSWORD).put("name", "after outage")).status())
            .as("sign-in works again once Redis is back").isEqualTo(201));
  }
}
