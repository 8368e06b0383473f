package dev.maestro.gateway;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 13 point 6 (via point 1): the chat form's send is the sendMessage operation, so its rate limit applies. */
class WebFormSendLimitTest {
  @Test
  void theWebFormsSendCountsAgainstTheSendRateLimit() throws Exception {
    try (GatewayFixture fx = new GatewayFixture(new JsonObject().put(GatewaySettings.SENDS_PER_MINUTE, "2"))) {
      JsonObject u = fx.newUser(fx.adminToken(), "member");
      HttpResponse<Buffer> login = fx.client.post(fx.port(), "127.0.0.1", "/login").sendForm(MultiMap.caseInsensitiveMultiMap()
          .add("username", u.getString("username")).add("password", "password-" + u.getString("username"))).await();
      String cookie = login.cookies().stream().filter(c -> c.startsWith("maestro_session=")).map(c -> c.substring(0, c.indexOf(';')))
          .findFirst().orElseThrow();
      String html = fx.client.get(fx.port(), "127.0.0.1", "/sessions").putHeader("Cookie", cookie).send().await().bodyAsString();
      Matcher m = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"").matcher(html);
      assertThat(m.find()).isTrue();
      fx.sessions.quietSend = true;
      String id = fx.sessions.create(u.getString("id"), new JsonObject().put("title", "t").put("provider", "openai").put("model", "m"))
          .await().getString("id");
      for (int i = 0; i < 3; i++) {
        HttpResponse<Buffer> r = fx.client.post(fx.port(), "127.0.0.1", "/sessions/" + id + "/messages").putHeader("Cookie", cookie)
            .sendForm(MultiMap.caseInsensitiveMultiMap().add("_csrf", m.group(1)).add("text", "hello " + i)).await();
        assertThat(r.statusCode()).isEqualTo(303);
      }
      long sent = fx.sessions.sessions.get(id).getJsonArray("messages").stream()
          .filter(o -> "user".equals(((JsonObject) o).getString("role"))).count();
      assertThat(sent).isEqualTo(2);
      String chat = fx.client.get(fx.port(), "127.0.0.1", "/sessions/" + id).putHeader("Cookie", cookie).send().await().bodyAsString();
      assertThat(chat).contains("rate limit reached");
    }
  }
}
