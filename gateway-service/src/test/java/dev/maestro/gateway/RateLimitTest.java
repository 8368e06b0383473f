package dev.maestro.gateway;

import dev.maestro.gateway.GatewayFixture.Resp;
import dev.maestro.gateway.GatewayFixture.Ws;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimitTest {
  GatewayFixture fx;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture(new JsonObject().put(GatewaySettings.SENDS_PER_MINUTE, "2").put(GatewaySettings.API_PER_MINUTE, "12"));
    fx.sessions.quietSend = true;
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  @Test
  void sendsAreRateLimitedPerTokenOverHttpAndWebSocket() throws Exception {
    String t = fx.adminToken();
    String session = fx.newSession(t);
    assertThat(fx.post("/api/v1/sessions/" + session + "/messages", t, new JsonObject().put("text", "1")).status()).isEqualTo(202);
    Ws ws = fx.ws(t);
    ws.send(new JsonObject().put("type", "send").put("sessionId", session).put("text", "2"));
    assertThat(ws.next("ack").getString("action")).isEqualTo("send");
    ws.send(new JsonObject().put("type", "send").put("sessionId", session).put("text", "3"));
    JsonObject err = ws.next("error");
    assertThat(err.getString("code")).isEqualTo("rate_limited");
    assertThat(err.getLong("retryAfter")).isPositive();
    Resp limited = fx.post("/api/v1/sessions/" + session + "/messages", t, new JsonObject().put("text", "4"));
    assertThat(limited.status()).isEqualTo(429);
    assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 60L);
    assertThat(limited.header("Content-Type")).isEqualTo("application/problem+json");
    // another token has its own budget
    String other = fx.adminToken();
    assertThat(fx.post("/api/v1/sessions/" + session + "/messages", other, new JsonObject().put("text", "5")).status()).isEqualTo(202);
  }

  @Test
  void apiCallsAreRateLimitedPerToken() {
    String t = fx.adminToken();
    int ok = 0;
    Resp last = null;
    for (int i = 0; i < 20; i++) {
      last = fx.get("/api/v1/tools", t);
      if (last.status() == 200) ok++;
      else break;
    }
    assertThat(ok).isEqualTo(12);
    assertThat(last.status()).isEqualTo(429);
    assertThat(last.header("Retry-After")).isNotNull();
    assertThat(fx.get("/api/v1/tools", fx.adminToken()).status()).isEqualTo(200);
  }
}
