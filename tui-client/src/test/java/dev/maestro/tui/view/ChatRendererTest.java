package dev.maestro.tui.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatRendererTest {

  private static ChatModel model() {
    ChatModel m = new ChatModel();
    m.addLocalUserMessage("please write");
    m.apply(1, new JsonObject().put("type", "message_started").put("messageId", "a").put("role", "assistant"));
    m.apply(2, new JsonObject().put("type", "thinking_delta").put("text", "secret reasoning"));
    m.apply(3, new JsonObject().put("type", "delta").put("text", "Sure, **writing** now."));
    m.apply(4, new JsonObject().put("type", "tool_call").put("callId", "c").put("name", "write_file")
        .put("arguments", new JsonObject().put("path", "a.txt")));
    m.apply(5, new JsonObject().put("type", "approval_required").put("callId", "c").put("name", "write_file"));
    return m;
  }

  private static String text(List<StyledLine> lines) {
    return String.join("\n", lines.stream().map(StyledLine::plain).toList());
  }

  @Test
  void thinkingIsCollapsedUntilAskedFor() {
    String collapsed = text(ChatRenderer.render(model(), 80, false));
    assertThat(collapsed).contains("▸ thinking (16 chars, Ctrl+T to show)").doesNotContain("secret reasoning");
    String expanded = text(ChatRenderer.render(model(), 80, true));
    assertThat(expanded).contains("┊ secret reasoning");
  }

  @Test
  void showsMessagesToolCallAndApprovalPrompt() {
    String screen = text(ChatRenderer.render(model(), 80, false));
    assertThat(screen).contains("you\n  please write")
        .contains("assistant  …")
        .contains("  Sure, writing now.")
        .contains("tool write_file {\"path\":\"a.txt\"}")
        .contains("  ! approval required: [y] allow  [n] deny");
  }

  @Test
  void aSubAgentIsOneCollapsedLineUnderItsTaskCall() {
    ChatModel m = new ChatModel();
    m.apply(1, new JsonObject().put("type", "tool_call").put("callId", "t1").put("name", "task")
        .put("arguments", new JsonObject().put("description", "look around")));
    m.apply(2, new JsonObject().put("type", "subagent_started").put("callId", "t1").put("childSessionId", "child-1")
        .put("description", "look around"));
    m.apply(3, new JsonObject().put("type", "subagent_delta").put("childSessionId", "child-1").put("text", "secret child text"));
    String running = text(ChatRenderer.render(m, 120, false));
    assertThat(running).contains("  ▸ sub-agent “look around” · running · 17 chars · session child-1")
        .doesNotContain("secret child text");
    m.apply(4, new JsonObject().put("type", "subagent_finished").put("childSessionId", "child-1").put("callId", "t1")
        .put("status", "complete"));
    assertThat(text(ChatRenderer.render(m, 120, false))).contains("▸ sub-agent “look around” · complete · 17 chars");
  }

  @Test
  void longToolResultsAreCut() {
    ChatModel m = new ChatModel();
    m.apply(1, new JsonObject().put("type", "tool_call").put("callId", "c").put("name", "read_file"));
    m.apply(2, new JsonObject().put("type", "tool_result").put("callId", "c")
        .put("content", "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10").put("isError", false));
    String screen = text(ChatRenderer.render(m, 80, false));
    assertThat(screen).contains("→ l1").contains("    l8").doesNotContain("l9").contains("… 2 more lines");
  }

  @Test
  void linesNeverExceedTheWidth() {
    ChatModel m = model();
    m.apply(6, new JsonObject().put("type", "delta").put("text", " " + "word ".repeat(50)));
    for (int width : new int[] {20, 33, 80}) {
      assertThat(ChatRenderer.render(m, width, true)).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(width));
    }
  }
}
