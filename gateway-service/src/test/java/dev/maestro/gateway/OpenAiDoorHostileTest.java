package dev.maestro.gateway;

import dev.maestro.gateway.GatewayFixture.Resp;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 17 point 5, hostile input at the OpenAI-compatible door: no token, a browser cookie instead of a
 * token, a revoked token, malformed JSON, a body off the schema, a conversation that does not end with a
 * user's text, image parts, unknown providers, another member's template, an oversized body. Every answer
 * is OpenAI's error shape with the front door's status, never a problem+json, a 5xx or a class name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiDoorHostileTest {
  GatewayFixture fx;
  String admin;
  String member;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture(new JsonObject().put(GatewaySettings.BODY_LIMIT, "20000"));
    admin = fx.adminToken();
    member = fx.newUser(admin, "member").getString("token");
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  static JsonObject chat(String model, JsonArray messages) {
    return new JsonObject().put("model", model).put("messages", messages);
  }

  static JsonArray user(String text) {
    return new JsonArray().add(new JsonObject().put("role", "user").put("content", text));
  }

  JsonObject error(Resp r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.header("Content-Type")).startsWith("application/json");
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("dev.maestro");
    JsonObject e = r.json().getJsonObject("error");
    assertThat(e.getString("message")).isNotBlank();
    assertThat(e.getString("type")).isNotBlank();
    return e;
  }

  @Test
  void withoutAUsableTokenItIsA401InOpenAisShape() {
    Resp none = fx.post("/v1/chat/completions", null, chat("openai/m", user("hi")));
    assertThat(error(none, 401).getString("code")).isEqualTo("invalid_api_key");
    assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(error(fx.get("/v1/models", "mst_forged"), 401).getString("type")).isEqualTo("authentication_error");
    String revoked = fx.adminToken();
    String revokedId = fx.get("/api/v1/auth/tokens", revoked).json().getJsonArray("items").getJsonObject(0).getString("id");
    assertThat(fx.call(HttpMethod.DELETE, "/api/v1/auth/tokens/" + revokedId, admin, null).status()).isEqualTo(204);
    error(fx.post("/v1/chat/completions", revoked, chat("openai/m", user("hi"))), 401);
    error(fx.call(fx.port(), HttpMethod.GET, "/v1/models", null, null,
        MultiMap.caseInsensitiveMultiMap().add("Authorization", "Basic YWRtaW46eA==")), 401);
    // a browser's cookie is not a way in (the door takes bearer tokens only, so no CSRF question arises)
    Resp cookie = fx.call(fx.port(), HttpMethod.GET, "/v1/models", null, null,
        MultiMap.caseInsensitiveMultiMap().add("Cookie", "maestro_session=whatever"));
    error(cookie, 401);
  }

  @Test
  void badBodiesAre400sNamingTheField() {
    assertThat(error(fx.post("/v1/chat/completions", member, "{not json"), 400).getString("message")).contains("JSON");
    JsonObject noMessages = error(fx.post("/v1/chat/completions", member, new JsonObject().put("model", "openai/m")), 400);
    assertThat(noMessages.getString("message")).contains("messages");
    JsonObject last = error(fx.post("/v1/chat/completions", member, chat("openai/m",
        new JsonArray().add(new JsonObject().put("role", "assistant").put("content", "I spoke last")))), 400);
    assertThat(last.getString("param")).isEqualTo("messages");
    JsonObject image = error(fx.post("/v1/chat/completions", member, chat("openai/m", new JsonArray().add(new JsonObject()
        .put("role", "user").put("content", new JsonArray().add(new JsonObject().put("type", "image_url")
            .put("image_url", new JsonObject().put("url", "http://169.254.169.254/")))))) ), 400);
    assertThat(image.getString("param")).isEqualTo("messages[0].content");
    JsonObject toolRole = error(fx.post("/v1/chat/completions", member, chat("openai/m", new JsonArray()
        .add(new JsonObject().put("role", "tool").put("content", "x")).add(new JsonObject().put("role", "user").put("content", "y")))), 400);
    assertThat(toolRole.getString("param")).isEqualTo("messages[0].role");
    error(fx.post("/v1/chat/completions", member, "x".repeat(30_000)), 413);
  }

  @Test
  void unknownModelsAndOtherMembersTemplatesAre404ModelNotFound() {
    for (String model : new String[] {"gpt-4o", "nobody/x", "openai/", "/x", "template:missing", "openai/m"}) {
      JsonObject e = error(fx.post("/v1/chat/completions", member, chat(model, user("hi"))), 404);
      assertThat(e.getString("code")).as(model).isEqualTo("model_not_found");
      assertThat(e.getString("type")).isEqualTo("invalid_request_error");
    }
    assertThat(fx.post("/api/v1/templates", admin, new JsonObject().put("name", "admins-agent").put("provider", "openai")
        .put("model", "m")).status()).isEqualTo(201);
    error(fx.post("/v1/chat/completions", member, chat("template:admins-agent", user("hi"))), 404);
    JsonArray memberModels = fx.get("/v1/models", member).json().getJsonArray("data");
    assertThat(memberModels.encode()).doesNotContain("admins-agent");
    JsonObject adminModels = fx.get("/v1/models", admin).json();
    assertThat(adminModels.getString("object")).isEqualTo("list");
    assertThat(adminModels.getJsonArray("data").encode()).contains("template:admins-agent");
  }
}
