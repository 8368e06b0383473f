package dev.maestro.tui.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The status bar's cost is the server's: the messages' usage.costUsd, stored and live, each counted once. */
class StatusLineTest {
  private static JsonObject message(String id, String role, long in, long out, Double cost) {
    JsonObject usage = new JsonObject().put("inputTokens", in).put("outputTokens", out);
    if (cost != null) {
      usage.put("costUsd", cost);
    }
    return new JsonObject().put("id", id).put("role", role).put("status", "complete")
        .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "x"))).put("usage", usage);
  }

  private static JsonObject session(JsonObject... messages) {
    return new JsonObject().put("id", "0123456789ab").put("title", "t").put("provider", "anthropic")
        .put("model", "claude-sonnet-4-5").put("messages", new JsonArray(java.util.List.of((Object[]) messages)));
  }

  @Test
  void costIsTheSumOfTheServersPricesNotALocalTable() {
    ChatModel m = new ChatModel();
    // a price unlike any list price: only the server's figure can produce it
    m.loadSession(session(message("a1", "assistant", 1000, 200, 0.0123), message("a2", "assistant", 10, 10, 0.0001)));
    assertThat(m.costUsd()).isCloseTo(0.0124, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(StatusLine.text(m, "0123456789ab", "connected", "", 200)).contains(" · $0.0124 ");
  }

  @Test
  void liveCompletionsAddTheirCostOnceEvenWhenReplayed() {
    ChatModel m = new ChatModel();
    m.loadSession(session(message("a1", "assistant", 1000, 200, 0.5)));
    JsonObject done = new JsonObject().put("type", "message_completed").put("messageId", "a2")
        .put("usage", new JsonObject().put("inputTokens", 5).put("outputTokens", 5).put("costUsd", 0.25));
    m.apply(1, new JsonObject().put("type", "message_started").put("messageId", "a2").put("role", "assistant"));
    m.apply(2, done);
    m.apply(3, done.copy());
    // the stored message a1 replayed as a live completion is not counted again
    m.apply(4, new JsonObject().put("type", "message_completed").put("messageId", "a1")
        .put("usage", new JsonObject().put("inputTokens", 1000).put("outputTokens", 200).put("costUsd", 0.5)));
    assertThat(StatusLine.cost(m.costUsd())).isEqualTo("$0.7500");
  }

  @Test
  void noCostKnownShowsADash() {
    ChatModel m = new ChatModel();
    m.loadSession(session(message("a1", "assistant", 1000, 200, null)));
    assertThat(m.costUsd()).isNull();
    assertThat(StatusLine.text(m, "0123456789ab", "connected", "", 200)).contains(" · $— ");
  }

  @Test
  void theHintOnTheRightWinsOverTheLeftPart() {
    ChatModel m = new ChatModel();
    m.loadSession(session());
    String line = StatusLine.text(m, "0123456789ab", "connected", "renamed to something", 40);
    assertThat(line).hasSize(40).endsWith(" renamed to something ").startsWith(" t [01234567]");
  }
}
