package dev.maestro.session;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.maestro.session.FakeProvider.*;
import static dev.maestro.session.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A template's fallback models take a request, in order, when the model before answers overloaded /
 * 5xx / 429 before its first delta; the turn says which model answered.
 */
class ModelFallbackTest {
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    Harness.resetSchema();
    h = Harness.start(null);
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  @BeforeEach
  void reset() {
    h.provider.reset();
  }

  private static JsonObject template() {
    return new JsonObject().put("name", "with fallbacks").put("provider", "anthropic").put("model", "claude-sonnet-4-5")
        .put("tools", new JsonArray()).put("params", new JsonObject().put("fallbackModels", new JsonArray()
            .add(new JsonObject().put("model", "claude-haiku-4-5"))
            .add(new JsonObject().put("provider", "openai").put("model", "gpt-4o-mini"))));
  }

  @Test
  void overloadedThenRateLimitedFallsThroughTheListInOrderAndTheAnswerNamesItsModel() throws Exception {
    String user = Harness.newUser();
    JsonObject t = await(h.sessions.createTemplate(user, template()));
    String id = await(h.sessions.create(user, new JsonObject().put("templateId", t.getString("id")))).getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.script(error("overloaded", "anthropic 529: Overloaded"));
    h.provider.script(error("rate_limited", "anthropic 429: rate limited"));
    h.provider.script(text("from the second fallback"), usage(100, 10), done("end_turn"));

    await(h.sessions.send(user, id, "hello"));
    assertThat(rec.awaitTurnCompleted(1).getJsonObject("event").getString("status")).isEqualTo("complete");

    assertThat(h.provider.requests).extracting(r -> r.getString("provider") + "/" + r.getString("model"))
        .containsExactly("anthropic/claude-sonnet-4-5", "anthropic/claude-haiku-4-5", "openai/gpt-4o-mini");
    List<JsonObject> fallbacks = rec.ofType("model_fallback");
    assertThat(fallbacks).hasSize(2);
    JsonObject first = fallbacks.get(0).getJsonObject("event");
    assertThat(first.getJsonObject("from").getString("model")).isEqualTo("claude-sonnet-4-5");
    assertThat(first.getJsonObject("to").getString("model")).isEqualTo("claude-haiku-4-5");
    assertThat(first.getString("code")).isEqualTo("overloaded");
    assertThat(fallbacks.get(1).getJsonObject("event").getJsonObject("to"))
        .isEqualTo(new JsonObject().put("provider", "openai").put("model", "gpt-4o-mini"));
    assertThat(rec.types()).doesNotContain("turn_error");
    JsonObject usage = rec.ofType("message_completed").get(0).getJsonObject("event").getJsonObject("usage");
    assertThat(usage.getString("model")).isEqualTo("gpt-4o-mini");
    assertThat(usage.getString("provider")).isEqualTo("openai");
    // priced at the model that answered: gpt-4o-mini $0.15 / $0.60 per million
    assertThat(usage.getDouble("costUsd")).isEqualTo((100 * 0.15 + 10 * 0.6) / 1e6);
    JsonArray messages = await(h.sessions.get(user, id)).getJsonArray("messages");
    assertThat(messages.getJsonObject(1).getJsonObject("usage").getString("model")).isEqualTo("gpt-4o-mini");
    assertThat(messages.getJsonObject(1).getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("from the second fallback");
  }

  @Test
  void aFailureAfterTheFirstDeltaOrOfAnotherKindIsNotRetriedOnAnotherModel() throws Exception {
    String user = Harness.newUser();
    JsonObject t = await(h.sessions.createTemplate(user, template()));
    String id = await(h.sessions.create(user, new JsonObject().put("templateId", t.getString("id")))).getString("id");
    Harness.Recorder rec = h.record(id);
    h.provider.script(text("half an ans"), error("overloaded", "cut"));
    await(h.sessions.send(user, id, "one"));
    rec.awaitTurnCompleted(1);
    h.provider.script(error("bad_request", "invalid"));
    await(h.sessions.send(user, id, "two"));
    rec.awaitTurnCompleted(2);
    assertThat(h.provider.requests).hasSize(2).allSatisfy(r -> assertThat(r.getString("model")).isEqualTo("claude-sonnet-4-5"));
    assertThat(rec.ofType("model_fallback")).isEmpty();
    assertThat(rec.ofType("turn_error")).extracting(e -> e.getJsonObject("event").getString("code"))
        .containsExactly("overloaded", "bad_request");
  }

  @Test
  void malformedFallbackListsAreRefusedWhenStored() {
    String user = Harness.newUser();
    JsonObject bad = template();
    bad.getJsonObject("params").put("fallbackModels", new JsonArray().add(new JsonObject().put("provider", "openai")));
    assertThatThrownBy(() -> await(h.sessions.createTemplate(user, bad))).isInstanceOfSatisfying(ServiceException.class, e -> {
      assertThat(e.failureCode()).isEqualTo(400);
      assertThat(e.getMessage()).contains("params.fallbackModels[0].model");
    });
    JsonObject foreign = template();
    foreign.getJsonObject("params").put("fallbackModels", new JsonArray().add(new JsonObject().put("model", "m").put("provider", "evil")));
    assertThatThrownBy(() -> await(h.sessions.createTemplate(user, foreign))).isInstanceOf(ServiceException.class)
        .hasMessageContaining("provider");
  }
}
