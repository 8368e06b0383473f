package dev.maestro.session;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ContextBuilderTest {
  private static JsonObject msg(String role, String status, JsonObject... parts) {
    return new JsonObject().put("role", role).put("status", status).put("content", new JsonArray(List.of((Object[]) parts)));
  }

  private static JsonObject text(String t) {
    return Messages.textPart(t);
  }

  private static JsonObject call(String id) {
    return new JsonObject().put("type", "tool_call").put("callId", id).put("name", "echo").put("arguments", new JsonObject());
  }

  @Test
  void aToolCallWithoutResultGetsAnErrorResultAndConsecutiveUserMessagesMerge() {
    JsonArray out = ContextBuilder.build(List.of(
        msg("user", "complete", text("do it")),
        msg("assistant", "cancelled", text("ok"), call("c1")),
        msg("user", "complete", text("again"))));
    assertThat(out).hasSize(3);
    JsonArray last = out.getJsonObject(2).getJsonArray("content");
    assertThat(last.getJsonObject(0).getString("type")).isEqualTo("tool_result");
    assertThat(last.getJsonObject(0).getString("callId")).isEqualTo("c1");
    assertThat(last.getJsonObject(0).getBoolean("isError")).isTrue();
    assertThat(last.getJsonObject(1).getString("text")).isEqualTo("again");
  }

  @Test
  void emptyInterruptedAnswersUnsignedThinkingAndCompactedMessagesAreLeftOut() {
    JsonArray out = ContextBuilder.build(List.of(
        msg("user", "complete", text("old")).put("compacted", true),
        msg("summary", "complete", text("it was old")),
        msg("user", "complete", text("q")),
        msg("assistant", "interrupted"),
        msg("user", "complete", text("q2")),
        msg("assistant", "complete", new JsonObject().put("type", "thinking").put("text", "t"), text("a"))));
    assertThat(out).hasSize(2);
    JsonArray user = out.getJsonObject(0).getJsonArray("content");
    assertThat(user.getJsonObject(0).getString("text")).contains("it was old");
    assertThat(user.getJsonObject(1).getString("text")).isEqualTo("q");
    assertThat(user.getJsonObject(2).getString("text")).isEqualTo("q2");
    assertThat(out.getJsonObject(1).getJsonArray("content")).hasSize(1);
  }

  @Test
  void toolMessagesTravelAsUserMessagesAndOrphanResultsAreDropped() {
    JsonArray out = ContextBuilder.build(List.of(
        msg("user", "complete", text("go")),
        msg("assistant", "complete", call("c1")),
        msg("tool", "complete", Messages.toolResultPart("c1", Messages.textContent("r"), false),
            Messages.toolResultPart("zz", Messages.textContent("orphan"), false))));
    assertThat(out).hasSize(3);
    assertThat(out.getJsonObject(2).getString("role")).isEqualTo("user");
    assertThat(out.getJsonObject(2).getJsonArray("content")).hasSize(1);
  }

  @Test
  void modelTablePricesAndPrefixMatching() {
    ModelTable t = ModelTable.load(null);
    JsonObject usage = new JsonObject().put("inputTokens", 1_000_000L).put("outputTokens", 1_000_000L);
    assertThat(t.cost("claude-sonnet-4-5", usage)).isEqualTo(18.0);
    assertThat(t.cost("claude-sonnet-4-5-20250929", usage)).isEqualTo(18.0);
    assertThat(t.cost("unknown-model", usage)).isEqualTo(0.0);
    assertThat(t.contextWindow("gpt-4o")).isEqualTo(128000);
  }
}
