package dev.maestro.webui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ChatViewTest {

  private static JsonObject msg(String id, String role, String status, JsonObject... parts) {
    return new JsonObject().put("id", id).put("role", role).put("status", status).put("content", new JsonArray(java.util.List.of((Object[]) parts)));
  }

  private static JsonObject text(String t) {
    return new JsonObject().put("type", "text").put("text", t);
  }

  @Test
  void toolResultsAreShownInsideTheirCallAndResultOnlyMessagesVanish() {
    JsonObject session = new JsonObject().put("messages", new JsonArray()
        .add(msg("m1", "user", "complete", text("read it")))
        .add(msg("m2", "assistant", "complete", text("Reading"),
            new JsonObject().put("type", "tool_call").put("callId", "c1").put("name", "read_file").put("arguments", new JsonObject().put("path", "a.txt")))
            .put("usage", new JsonObject().put("inputTokens", 10).put("outputTokens", 5)))
        .add(msg("m3", "tool", "complete", new JsonObject().put("type", "tool_result").put("callId", "c1")
            .put("content", new JsonArray().add(text("<b>contents</b>"))).put("isError", false)))
        .add(msg("m4", "assistant", "complete", text("Done")).put("usage", new JsonObject().put("inputTokens", 20).put("outputTokens", 7))));

    JsonObject view = ChatView.of(session);

    JsonArray messages = view.getJsonArray("messages");
    assertThat(messages).hasSize(3);
    JsonObject call = messages.getJsonObject(1).getJsonArray("parts").getJsonObject(1);
    assertThat(call.getBoolean("isToolCall")).isTrue();
    assertThat(call.getString("arguments")).contains("\"path\" : \"a.txt\"");
    // Plain text: the template escapes it, so it is not pre-rendered HTML.
    assertThat(call.getString("result")).isEqualTo("<b>contents</b>");
    assertThat(call.getBoolean("isError")).isFalse();
    assertThat(view.getJsonObject("totals").getLong("inputTokens")).isEqualTo(30);
    assertThat(view.getJsonObject("totals").getLong("outputTokens")).isEqualTo(12);
    assertThat(view.getBoolean("streaming")).isFalse();
  }

  @Test
  void textAndThinkingAreRenderedAsSafeMarkdown() {
    JsonObject m = msg("m1", "assistant", "interrupted", new JsonObject().put("type", "thinking").put("text", "hmm <i>"), text("**hi** <script>"));
    JsonObject view = ChatView.message(m, java.util.Map.of());
    JsonArray parts = view.getJsonArray("parts");
    assertThat(parts.getJsonObject(0).getBoolean("isThinking")).isTrue();
    assertThat(parts.getJsonObject(0).getString("html")).contains("hmm &lt;i&gt;");
    assertThat(parts.getJsonObject(1).getString("html")).contains("<strong>hi</strong> &lt;script&gt;");
    assertThat(view.getString("statusNote")).isEqualTo("interrupted");
  }

  @Test
  void aStreamingMessageMarksTheSessionAsStreaming() {
    JsonObject session = new JsonObject().put("messages", new JsonArray().add(msg("m1", "assistant", "streaming")));
    JsonObject view = ChatView.of(session);
    assertThat(view.getBoolean("streaming")).isTrue();
    assertThat(view.getJsonArray("messages")).hasSize(1);
  }

  @Test
  void resumePointComesFromTheSessionWhenItHasOne() {
    assertThat(SessionPages.afterSeq(new JsonObject().put("lastSeq", 41))).isEqualTo(41);
    assertThat(SessionPages.afterSeq(new JsonObject())).isNull();
  }

  @Test
  void costIsTheServersSumRoundedForTheEyeAndKeptWholeForChatJs() {
    java.util.Locale before = java.util.Locale.getDefault();
    java.util.Locale.setDefault(java.util.Locale.GERMANY); // a decimal comma must not reach the page
    try {
      JsonObject session = new JsonObject().put("messages", new JsonArray()
          .add(msg("m1", "assistant", "complete", text("a")).put("usage", new JsonObject().put("inputTokens", 1).put("costUsd", 0.00004)))
          .add(msg("m2", "assistant", "complete", text("b")).put("usage", new JsonObject().put("inputTokens", 1).put("costUsd", 0.00004))));
      JsonObject totals = ChatView.of(session).getJsonObject("totals");
      assertThat(totals.getString("cost")).isEqualTo("$0.0001");
      assertThat(totals.getDouble("costUsd")).isEqualTo(0.00008);
      JsonObject none = ChatView.of(new JsonObject().put("messages", new JsonArray()
          .add(msg("m1", "assistant", "complete", text("a")).put("usage", new JsonObject().put("inputTokens", 1))))).getJsonObject("totals");
      assertThat(none.containsKey("cost")).isFalse();
      assertThat(none.containsKey("costUsd")).isFalse();
    } finally {
      java.util.Locale.setDefault(before);
    }
  }

  @Test
  void anAnswerNamesTheModelThatAnsweredIt() {
    JsonObject answered = msg("m1", "assistant", "complete", text("hi")).put("usage", new JsonObject().put("inputTokens", 3)
        .put("outputTokens", 1).put("provider", "openai").put("model", "gpt-4o-mini"));
    assertThat(ChatView.message(answered, java.util.Map.of()).getJsonObject("usage").getString("model")).isEqualTo("gpt-4o-mini");
  }
}
