package dev.maestro.tui.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.googlecode.lanterna.input.KeyStroke;
import dev.maestro.tui.app.command.CommandTable;
import dev.maestro.tui.view.ChatModel;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 16 in the terminal client: what the runs watcher tells, queued messages in the chat, the steer and allow keys. */
class RuntimeKeysAndRunsTest {
  static JsonObject run(String sessionId, String status) {
    return new JsonObject().put("sessionId", sessionId).put("title", "T " + sessionId).put("status", status);
  }

  @Test
  void theWatcherTellsWhenARunFinishesOrStartsWaitingButNotOnItsFirstPoll() {
    assertThat(RunsWatcher.changes(null, List.of(run("a", "waiting_approval")))).isNull();
    Map<String, JsonObject> before = RunsWatcher.byId(List.of(run("a", "running"), run("b", "queued")));
    assertThat(RunsWatcher.changes(before, List.of(run("a", "waiting_approval"), run("b", "queued"))))
        .isEqualTo("waiting for approval: T a");
    assertThat(RunsWatcher.changes(before, List.of(run("b", "queued")))).isEqualTo("run finished: T a");
    // a queued session whose messages all started is not a finished run; nothing changed is nothing to tell
    assertThat(RunsWatcher.changes(before, List.of(run("a", "running")))).isNull();
  }

  @Test
  void aQueuedMessageThatStartsShowsItsTextAndAnExpiredApprovalIsNoLongerPending() {
    ChatModel m = new ChatModel();
    m.apply(1, new JsonObject().put("type", "turn_started").put("turnId", "t1"));
    m.apply(2, new JsonObject().put("type", "message_started").put("messageId", "q1").put("role", "user")
        .put("mode", "queue").put("text", "do the next thing"));
    ChatModel.UserBlock u = (ChatModel.UserBlock) m.blocks().stream().filter(b -> b instanceof ChatModel.UserBlock).findFirst().orElseThrow();
    assertThat(u.messageId).isEqualTo("q1");
    assertThat(u.text.toString()).isEqualTo("do the next thing");
    m.apply(3, new JsonObject().put("type", "approval_required").put("callId", "c1").put("name", "run_command"));
    assertThat(m.pendingApproval()).isNotNull();
    m.apply(4, new JsonObject().put("type", "approval_expired").put("callId", "c1").put("name", "run_command"));
    assertThat(m.pendingApproval()).isNull();
  }

  @Test
  void ctrlSSteersAndAOnAnApprovalAllowsForTheSession() {
    List<String> done = new ArrayList<>();
    UiState state = new UiState();
    KeyActions actions = new KeyActions() {
      @Override public UiState state() { return state; }
      @Override public void quit() { }
      @Override public void submit() { done.add("submit"); }
      @Override public void answerApproval(boolean allow) { done.add("approve " + allow); }
      @Override public void answerQuestion(boolean accept) { }
      @Override public void openSessionList() { }
      @Override public void searchChanged() { }
      @Override public void openSelectedSession() { }
      @Override public void newSession() { }
      @Override public void renameSelectedSession() { }
      @Override public void deleteSelectedSession() { }
      @Override public void steerInput() { done.add("steer"); }
      @Override public void allowForSession() { done.add("allowForSession"); }
    };
    KeyBindings.dispatch(actions, new KeyStroke('s', true, false), false);
    state.chat.apply(1, new JsonObject().put("type", "approval_required").put("callId", "c1").put("name", "write_file"));
    KeyBindings.dispatch(actions, new KeyStroke('a', false, false), false);
    KeyBindings.dispatch(actions, new KeyStroke('y', false, false), false);
    assertThat(done).containsExactly("steer", "allowForSession", "approve true");
    assertThat(CommandTable.help()).contains("/steer text", "/plan", "/build", "/runs", "Ctrl+S steer");
  }
}
