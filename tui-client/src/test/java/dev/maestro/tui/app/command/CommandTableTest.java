package dev.maestro.tui.app.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.maestro.tui.app.UiState;
import dev.maestro.tui.client.GatewayClient;
import dev.maestro.tui.fake.FakeGateway;
import dev.maestro.tui.view.ChatModel;
import dev.maestro.tui.view.SlashCommands;
import dev.maestro.tui.view.Tone;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The slash-command table as a plain class, against the fake gateway for the commands that ask it. */
@ExtendWith(VertxExtension.class)
class CommandTableTest {
  private final CommandTable table = CommandTable.standard();
  private FakeGateway fake;
  private Ctx ctx;

  /** The real view state and API client; the client's other actions are recorded. Results are awaited in line. */
  static final class Ctx implements CommandContext {
    final UiState state = new UiState();
    final GatewayClient api;
    final Vertx vertx;
    final List<String> calls = new ArrayList<>();
    final List<JsonObject> created = new ArrayList<>();
    String warning = "unset";

    Ctx(Vertx vertx, GatewayClient api) {
      this.vertx = vertx;
      this.api = api;
    }

    @Override public UiState state() { return state; }
    @Override public GatewayClient api() { return api; }

    @Override
    public <T> void onUi(Future<T> f, Consumer<T> ok) {
      T result;
      try {
        result = f.await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        state.error(e.getMessage());
        return;
      }
      ok.accept(result);
    }

    @Override public void createSession(JsonObject body) { created.add(body); }
    @Override public void openSessionList() { calls.add("sessions"); }
    @Override public void rename(String sessionId, String title) { calls.add("rename " + sessionId + " " + title); }
    @Override public void cancelTurn() { calls.add("cancel"); }

    @Override
    public void answerElicitation(ChatModel.ElicitationBlock question, String action, List<String> assignments) {
      calls.add(action + " " + assignments);
    }

    @Override public void sandboxWarning(String w) { warning = w; }

    @Override
    public Future<Void> writeFile(Path path, Buffer data) {
      return vertx.fileSystem().writeFile(path.toString(), data);
    }

    @Override public void quit() { calls.add("quit"); }

    String lastNotice() {
      return ((ChatModel.NoticeBlock) state.chat.blocks().get(state.chat.blocks().size() - 1)).text();
    }

    List<ChatModel.NoticeBlock> notices(Tone tone) {
      return state.chat.blocks().stream().filter(b -> b instanceof ChatModel.NoticeBlock n && n.tone() == tone)
          .map(b -> (ChatModel.NoticeBlock) b).toList();
    }
  }

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    fake = new FakeGateway(vertx, "t0k");
    int port = fake.start(0).await(10, TimeUnit.SECONDS);
    ctx = new Ctx(vertx, new GatewayClient(vertx, "http://127.0.0.1:" + port, "t0k"));
  }

  private void run(String line) {
    table.run(SlashCommands.parse(line), ctx);
  }

  @Test
  void everyListedCommandRunsAndAliasesRunTheirCommand() {
    for (SlashCommands.Command c : SlashCommands.ALL) {
      assertThat(table.find(c.name())).as(c.name()).isNotNull();
    }
    assertThat(table.find("/exit")).isSameAs(table.find("/quit"));
    assertThat(table.find("/q")).isSameAs(table.find("/quit"));
    run("/q");
    assertThat(ctx.calls).containsExactly("quit");
  }

  @Test
  void aCommandListedButNotRunnableOrTwiceNamedIsRefusedAtStart() {
    assertThatThrownBy(() -> new CommandTable(List.of(new ToolsCommand())))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("/new");
    List<SlashCommand> twice = new ArrayList<>();
    twice.add(new ToolsCommand());
    twice.add(new ToolsCommand());
    assertThatThrownBy(() -> new CommandTable(twice)).hasMessageContaining("two slash commands named /tools");
  }

  @Test
  void unknownCommandSaysSoInRed() {
    run("/nope x");
    assertThat(ctx.notices(Tone.ERROR)).extracting(ChatModel.NoticeBlock::text)
        .containsExactly("error: unknown command /nope (/help lists them)");
  }

  @Test
  void helpIsGeneratedFromTheCommandAndKeyTables() {
    run("/help");
    String help = ctx.lastNotice();
    for (SlashCommands.Command c : SlashCommands.ALL) {
      assertThat(help).contains(c.usage()).contains(c.help());
    }
    assertThat(help).contains("Alt+Enter new line", "Ctrl+O sessions", "Ctrl+C quit", "//");
  }

  @Test
  void commandsThatNeedASessionSaySoWithoutOne() {
    for (String c : List.of("/cancel", "/compact", "/export", "/rename x", "/model other")) {
      ctx.state.chat = new ChatModel();
      run(c);
      assertThat(ctx.lastNotice()).as(c).isEqualTo("error: no session open");
    }
    run("/new");
    assertThat(ctx.lastNotice()).isEqualTo("error: usage: /new PROVIDER MODEL (no current session to copy them from)");
    assertThat(ctx.created).isEmpty();
    assertThat(ctx.calls).isEmpty();
  }

  @Test
  void newCopiesTheOpenSessionsProviderModelAndCredential() {
    ctx.state.sessionId = "s1";
    ctx.state.chat.loadSession(new JsonObject().put("id", "s1").put("provider", "anthropic").put("model", "m1")
        .put("credentialId", "cred-1"));
    run("/new");
    run("/new openai");
    run("/new openai gpt-x");
    assertThat(ctx.created).containsExactly(
        new JsonObject().put("provider", "anthropic").put("model", "m1").put("credentialId", "cred-1"),
        new JsonObject().put("provider", "openai").put("model", "m1"),
        new JsonObject().put("provider", "openai").put("model", "gpt-x"));
  }

  @Test
  void renameCancelThinkingAndSessions() {
    ctx.state.sessionId = "s1";
    run("/rename");
    assertThat(ctx.lastNotice()).isEqualTo("error: usage: /rename TITLE");
    run("/rename  new title ");
    run("/cancel");
    assertThat(ctx.state.flash).isEqualTo("cancel requested");
    run("/sessions");
    run("/thinking");
    assertThat(ctx.state.showThinking).isTrue();
    assertThat(ctx.calls).containsExactly("rename s1 new title", "cancel", "sessions");
  }

  @Test
  void acceptAndDeclineNeedAWaitingQuestion() {
    run("/accept name=x");
    assertThat(ctx.lastNotice()).isEqualTo("error: no question from a tool is waiting");
    ctx.state.chat.apply(1, new JsonObject().put("type", "elicitation_required").put("elicitationId", "e1")
        .put("server", "srv").put("message", "name?").put("schema", new JsonObject()
            .put("type", "object").put("properties", new JsonObject().put("name", new JsonObject().put("type", "string")))));
    run("/accept name=x");
    run("/decline");
    assertThat(ctx.calls).containsExactly("accept [name=x]", "decline []");
  }

  @Test
  void toolsListsPoliciesAndWarnsInRedWhenCommandsRunWithoutASandbox() {
    run("/tools");
    assertThat(ctx.lastNotice()).startsWith("tools").containsPattern("read_file +\\[allow\\]")
        .contains("run_command  [ask]  builtin  sandbox: bubblewrap");
    assertThat(ctx.notices(Tone.ERROR)).isEmpty();
    assertThat(ctx.warning).isNull();

    fake.commandSandbox("none");
    run("/tools");
    assertThat(ctx.notices(Tone.ERROR)).singleElement().extracting(ChatModel.NoticeBlock::text).asString()
        .contains("NO SANDBOX", "run_command");
    assertThat(ctx.warning).contains("NO SANDBOX");
  }

  @Test
  void exportWritesTheSessionToTheNamedFile(@TempDir Path dir) throws Exception {
    String id = fake.createSession("exported", "anthropic", "m1");
    ctx.state.sessionId = id;
    Path file = dir.resolve("out.md");
    run("/export " + file);
    assertThat(ctx.lastNotice()).isEqualTo("exported to " + file.toAbsolutePath());
    assertThat(Files.readString(file)).contains("exported");
  }

  @Test
  void templateByNameCreatesASessionFromIt() {
    run("/template nope");
    assertThat(ctx.lastNotice()).isEqualTo("error: no template named nope");
    run("/template");
    assertThat(ctx.lastNotice()).startsWith("templates").contains("reviewer  anthropic/claude-sonnet-4-5");
    run("/template Reviewer");
    assertThat(ctx.created).containsExactly(new JsonObject().put("templateId", "tpl-1").put("title", "reviewer")
        .put("provider", "anthropic").put("model", "claude-sonnet-4-5"));
  }
}
