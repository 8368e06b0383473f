package dev.maestro.tui.app.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maestro.tui.cli.CliArgs;
import dev.maestro.tui.view.ChatModel;
import dev.maestro.tui.view.StatusLine;
import dev.maestro.tui.view.Tone;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The TUI's project pieces as plain classes: diff colours, the status bar, files_changed, send --project. */
class ProjectCommandsTest {
  @Test
  void diffLinesAreColouredByKind() {
    assertThat(ProjectCommands.tone("+added")).isEqualTo(Tone.DIFF_ADD);
    assertThat(ProjectCommands.tone("-removed")).isEqualTo(Tone.DIFF_DEL);
    assertThat(ProjectCommands.tone("@@ -1 +1 @@")).isEqualTo(Tone.DIFF_HUNK);
    assertThat(ProjectCommands.tone("--- a/x")).isEqualTo(Tone.HEADING);
    assertThat(ProjectCommands.tone(" context")).isEqualTo(Tone.NORMAL);
  }

  @Test
  void theStatusBarShowsTheProjectAndBranchAndFilesChangedIsANotice() {
    ChatModel chat = new ChatModel();
    chat.loadSession(new JsonObject().put("id", "0123456789").put("title", "fix").put("provider", "openai").put("model", "m")
        .put("messages", new JsonArray()).put("project", new JsonObject().put("name", "shop").put("branch", "maestro/01234567")));
    assertThat(StatusLine.text(chat, "0123456789", "online", "", 200)).contains("shop@maestro/01234567");
    chat.apply(1, new JsonObject().put("type", "files_changed").put("turnId", "t").put("files", new JsonArray().add("a.txt").add("b.txt")));
    assertThat(chat.blocks().get(chat.blocks().size() - 1)).isInstanceOfSatisfying(ChatModel.NoticeBlock.class,
        n -> assertThat(n.text()).startsWith("files changed: a.txt, b.txt"));
  }

  @Test
  void sendTakesAProjectInsteadOfASession() {
    CliArgs a = CliArgs.parse(new String[] {"send", "--project", "shop", "--model", "gpt", "fix it"});
    assertThat(a.project()).isEqualTo("shop");
    assertThat(a.model()).isEqualTo("gpt");
    assertThat(a.session()).isNull();
    assertThatThrownBy(() -> CliArgs.parse(new String[] {"send", "text"})).hasMessageContaining("--project NAME");
  }
}
