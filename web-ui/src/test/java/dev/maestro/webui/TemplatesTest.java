package dev.maestro.webui;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.templ.handlebars.HandlebarsTemplateEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The Handlebars templates on their own: structure the chat script relies on, and escaping. */
class TemplatesTest {
  static Vertx vertx;
  static HandlebarsTemplateEngine engine;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    engine = HandlebarsTemplateEngine.create(vertx);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  static String render(String template, JsonObject data) {
    return engine.render(data, PageRenderer.TEMPLATES + template).await().toString();
  }

  @Test
  void messageShowsToolCallWithEscapedArgumentsAndResult() {
    JsonObject m = new JsonObject().put("id", "m1").put("role", "assistant").put("status", "complete")
        .put("usage", new JsonObject().put("inputTokens", 3).put("outputTokens", 4))
        .put("content", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", "Run <b>it</b>"))
            .add(new JsonObject().put("type", "tool_call").put("callId", "c\"1").put("name", "run<x>")
                .put("arguments", new JsonObject().put("code", "<script>alert(1)</script>"))));
    JsonObject result = new JsonObject().put("type", "tool_result").put("callId", "c\"1")
        .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "<img src=x>"))).put("isError", true);
    String html = render("message", new JsonObject()
        .put("m", ChatView.message(m, Map.of("c\"1", result)))
        .put("session", new JsonObject().put("id", "s1")).put("csrf", "tok"));

    assertThat(html).contains("data-message-id=\"m1\"").contains("data-status=\"complete\"")
        .contains("Run &lt;b&gt;it&lt;/b&gt;")
        .contains("data-call-id=\"c&quot;1\"")
        .contains("<code>run&lt;x&gt;</code>")
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .contains("<pre class=\"result error\">&lt;img src&#x3D;x&gt;</pre>")
        .contains("3 in · 4 out tokens")
        .contains("action=\"/sessions/s1/fork\"").contains("name=\"_csrf\" value=\"tok\"").contains("name=\"atMessageId\" value=\"m1\"");
    assertThat(html).doesNotContain("<script").doesNotContain("<img").doesNotContain("<b>");
  }

  @Test
  void loginFormHasTheFieldsTheTestsAndScriptsUse() {
    String html = render("login", new JsonObject().put("error", "Wrong <b>").put("username", "\"><x"));
    assertThat(html).contains("name=\"username\"").contains("name=\"password\"").contains("action=\"/login\"")
        .contains("Wrong &lt;b&gt;").contains("value=\"&quot;&gt;&lt;x\"").contains("role=\"alert\"");
  }

  @Test
  void chatPageCarriesTheComposerAndResumePoint() {
    String html = render("chat", new JsonObject()
        .put("user", new JsonObject().put("username", "ann")).put("csrf", "tok")
        .put("session", new JsonObject().put("id", "s1").put("title", "T").put("provider", "openai").put("model", "gpt"))
        .put("messages", new JsonArray()).put("totals", new JsonObject().put("inputTokens", 0).put("outputTokens", 0))
        .put("streaming", false).put("afterSeq", 17).put("models", new JsonArray()));
    assertThat(html).contains("data-session-id=\"s1\"").contains("data-after-seq=\"17\"")
        .contains("<textarea id=\"text\" name=\"text\"").contains("id=\"send\"").contains("id=\"cancel\"")
        .contains("src=\"/assets/chat.js\"").contains("No messages yet");
  }
}
