package dev.maestro.tui.view;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** @ completion of MCP resources, /server:prompt completion and argument parsing in the TUI's input line. */
class McpCompletionTest {
  static final JsonObject ARGS_PROMPT = new JsonObject().put("serverId", "s1").put("server", "every").put("name", "args-prompt")
      .put("arguments", new JsonArray().add(new JsonObject().put("name", "city").put("required", true))
          .add(new JsonObject().put("name", "state").put("required", false)));

  static McpCompletion completion() {
    McpCompletion c = new McpCompletion();
    c.update(List.of(
        new JsonObject().put("serverId", "s1").put("server", "every").put("uri", "demo://resource/static/document/architecture.md").put("name", "architecture.md"),
        new JsonObject().put("serverId", "s1").put("server", "every").put("uri", "demo://resource/static/document/features.md").put("name", "features.md")),
        List.of(ARGS_PROMPT, new JsonObject().put("serverId", "s1").put("server", "every").put("name", "simple-prompt").put("arguments", new JsonArray())));
    return c;
  }

  @Test
  void atCompletesAResourceUriAndSendingAttachesIt() {
    McpCompletion c = completion();
    assertThat(McpCompletion.wants("look at @demo")).isTrue();
    assertThat(c.complete("look at @demo")).isEqualTo("look at @demo://resource/static/document/");
    assertThat(c.complete("look at @demo://resource/static/document/f")).isEqualTo("look at @demo://resource/static/document/features.md ");
    assertThat(c.complete("look at @features")).isEqualTo("look at @demo://resource/static/document/features.md ");
    assertThat(c.candidates("@demo")).hasSize(2);
    JsonArray att = c.attachments("compare @demo://resource/static/document/features.md with @nothing://x");
    assertThat(att).containsExactly(new JsonObject().put("serverId", "s1").put("uri", "demo://resource/static/document/features.md"));
  }

  @Test
  void slashCompletesPromptsAndParsesTheirArguments() {
    McpCompletion c = completion();
    assertThat(c.complete("/every:a")).isEqualTo("/every:args-prompt ");
    assertThat(c.complete("/every:")).isEqualTo("/every:");
    assertThat(c.prompt("/every:args-prompt")).isEqualTo(ARGS_PROMPT);
    Map<String, String> args = McpCompletion.arguments(ARGS_PROMPT, "\"New York\" state=NY");
    assertThat(args).containsEntry("city", "New York").containsEntry("state", "NY");
    assertThat(McpCompletion.missing(ARGS_PROMPT, McpCompletion.arguments(ARGS_PROMPT, "state=NY")))
        .extracting(a -> a.getString("name")).containsExactly("city");
  }
}
