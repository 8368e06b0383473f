package dev.maestro.gateway;

import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.gateway.GatewayFixture.Ws;
import dev.maestro.platform.MaestroConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
    fx = new GatewayFixture(new JsonObject().put(MaestroConfig.REDIS_URL, "redis://127.0.0.1:" + port + "/7")
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
    long deadline = System.currentTimeMillis() + 20_000;
    JsonArray open = null;
    while (System.currentTimeMillis() < deadline) {
      open = openIn(token, session);
      if (open != null && !open.isEmpty()) break;
      Thread.sleep(200);
    }
    assertThat(open).isEqualTo(new JsonArray().add("tui"));
    JsonObject presence = ws.next(f -> "event".equals(f.getString("type")) && "presence".equals(f.getJsonObject("event").getString("type")),
        Duration.ofSeconds(10));
    assertThat(presence.getJsonObject("event").getJsonArray("openIn")).isEqualTo(new JsonArray().add("tui"));
  }
}
