package dev.maestro.session;

import dev.maestro.contracts.session.SessionEvents;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The live history held as bytes: what a turn reads back is what was stored, and it builds the same context. */
class LiveHistoryTest {
  private static JsonObject msg(int ordinal, String role, JsonObject... parts) {
    return new JsonObject().put("id", java.util.UUID.randomUUID().toString()).put("ordinal", ordinal).put("role", role)
        .put("status", "complete").put("content", new JsonArray(List.of((Object[]) parts))).putNull("usage").put("compacted", false);
  }

  private static List<JsonObject> stored() {
    JsonObject call = new JsonObject().put("type", "tool_call").put("callId", "c1").put("name", "read")
        .put("arguments", new JsonObject().put("path", "a/b.txt").put("lines", new JsonArray().add(1).add(2)));
    return List.of(
        msg(0, "user", Messages.textPart("héllo ✓ \"quoted\" \n line")),
        msg(1, "assistant", Messages.textPart("let me read it"), call).put("usage", new JsonObject().put("inputTokens", 12)),
        msg(2, "tool", Messages.toolResultPart("c1", Messages.textContent("file text"), false)),
        msg(3, "assistant", Messages.textPart("done")),
        msg(4, "user", Messages.textPart("next")));
  }

  private static LiveHistory history(List<JsonObject> messages) {
    return new LiveHistory(new JsonObject().put("messages", new JsonArray(new ArrayList<>(messages))).put("nextOrdinal", messages.size()));
  }

  @Test
  void storedMessagesComeBackEqualAndBuildTheSameContext() {
    List<JsonObject> stored = stored();
    LiveHistory h = history(stored);
    assertThat(h.messages()).isEqualTo(stored);
    assertThat(ContextBuilder.build(h.messages())).isEqualTo(ContextBuilder.build(stored));
  }

  @Test
  void appendedMessagesKeepTheirOrderAndOrdinals() {
    LiveHistory h = history(stored());
    JsonObject next = h.newMessage(Messages.ASSISTANT, "t1", Messages.textContent("answer"), SessionEvents.COMPLETE);
    assertThat(next.getInteger("ordinal")).isEqualTo(5);
    h.messages(); // decoded once: an append must show up in the decoded list too
    h.add(next);
    assertThat(h.messages()).hasSize(6);
    assertThat(h.messages().get(5)).isEqualTo(next);
    h.settle();
    assertThat(h.messages().get(5)).isEqualTo(next);
    assertThat(h.messages()).isUnmodifiable();
  }

  @Test
  void aStreamingAnswerIsSeenAsItGrowsAndIsFrozenWhenTheTurnEnds() {
    LiveHistory h = history(stored());
    JsonObject answer = h.newMessage(Messages.ASSISTANT, "t1", new JsonArray(), SessionEvents.STREAMING);
    h.add(answer);
    answer.getJsonArray("content").add(Messages.textPart("partial"));
    answer.put("status", SessionEvents.COMPLETE);
    assertThat(h.messages().get(5).getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("partial");
    h.settle();
    answer.put("status", "changed after the turn");
    assertThat(h.messages().get(5).getString("status")).isEqualTo(SessionEvents.COMPLETE);
  }

  @Test
  void aSettledMessageIsACopyOfWhatWasAdded() {
    LiveHistory h = history(stored());
    JsonObject user = h.newMessage(Messages.USER, "t1", Messages.textContent("q"), SessionEvents.COMPLETE);
    h.add(user);
    user.put("role", "changed");
    assertThat(h.messages().get(5).getString("role")).isEqualTo(Messages.USER);
  }

  @Test
  void aCompactionPutsTheSummaryInPlaceOfTheCompactedMessages() {
    List<JsonObject> stored = stored();
    LiveHistory h = history(stored);
    JsonObject summary = h.newMessage(Messages.SUMMARY, null, Messages.textContent("earlier: a file was read"), SessionEvents.COMPLETE);
    h.compacted(3, summary);
    assertThat(h.messages()).containsExactly(summary, stored.get(3), stored.get(4));
    // the same context as the old representation, which kept the compacted messages marked
    List<JsonObject> marked = new ArrayList<>();
    stored.subList(0, 3).forEach(m -> marked.add(m.copy().put("compacted", true)));
    marked.add(summary);
    marked.addAll(stored.subList(3, 5));
    assertThat(ContextBuilder.build(h.messages())).isEqualTo(ContextBuilder.build(marked));
    assertThatThrownBy(() -> h.messages().add(summary)).isInstanceOf(UnsupportedOperationException.class);
  }
}
