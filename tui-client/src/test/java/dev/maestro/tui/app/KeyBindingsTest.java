package dev.maestro.tui.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The key table as a plain class: which key does what in which mode, under which condition. */
class KeyBindingsTest {

  /** Records what the keys asked for; text editing happens on the real state. */
  static final class Recorder implements KeyActions {
    final UiState state = new UiState();
    final List<String> calls = new ArrayList<>();

    @Override public UiState state() { return state; }
    @Override public void quit() { calls.add("quit"); }
    @Override public void submit() { calls.add("submit:" + state.input.submit()); }
    @Override public void answerApproval(boolean allow) { calls.add("approval:" + allow); }
    @Override public void answerQuestion(boolean accept) { calls.add("question:" + accept); }
    @Override public void openSessionList() { calls.add("sessions"); }
    @Override public void searchChanged() { calls.add("search:" + state.sessions.query()); }
    @Override public void openSelectedSession() { calls.add("open"); }
    @Override public void newSession() { calls.add("new"); }
    @Override public void renameSelectedSession() { calls.add("rename"); }
    @Override public void deleteSelectedSession() { calls.add("delete"); }
  }

  private static KeyStroke ch(char c) {
    return new KeyStroke(c, false, false);
  }

  private static KeyStroke ctrl(char c) {
    return new KeyStroke(c, true, false);
  }

  private static KeyStroke key(KeyType t) {
    return new KeyStroke(t);
  }

  private static void type(Recorder r, String text) {
    text.chars().forEach(c -> KeyBindings.dispatch(r, ch((char) c), false));
  }

  private static void pendingApproval(UiState s) {
    s.chat.apply(1, new JsonObject().put("type", "turn_started").put("turnId", "t1"));
    s.chat.apply(2, new JsonObject().put("type", "message_started").put("messageId", "a1").put("role", "assistant"));
    s.chat.apply(3, new JsonObject().put("type", "tool_call").put("callId", "c1").put("name", "write_file")
        .put("arguments", new JsonObject()));
    s.chat.apply(4, new JsonObject().put("type", "approval_required").put("callId", "c1").put("name", "write_file")
        .put("arguments", new JsonObject()));
  }

  @Test
  void typingEditsTheInputAndEnterSubmits() {
    Recorder r = new Recorder();
    type(r, "helo");
    KeyBindings.dispatch(r, key(KeyType.ArrowLeft), false);
    KeyBindings.dispatch(r, ch('l'), false);
    assertThat(r.state.input.text()).isEqualTo("hello");
    KeyBindings.dispatch(r, key(KeyType.Enter), false);
    assertThat(r.calls).containsExactly("submit:hello");
  }

  @Test
  void altEnterAndEscCtrlJAddALineInsteadOfSending() {
    Recorder r = new Recorder();
    type(r, "one");
    KeyBindings.dispatch(r, key(KeyType.Enter), true);
    type(r, "two");
    KeyBindings.dispatch(r, new KeyStroke('j', true, false), true);
    type(r, "three");
    assertThat(r.state.input.lines()).containsExactly("one", "two", "three");
    assertThat(r.calls).isEmpty();
  }

  @Test
  void yAndNAnswerAnApprovalOnlyWhileTheInputIsEmpty() {
    Recorder r = new Recorder();
    KeyBindings.dispatch(r, ch('y'), false);
    assertThat(r.state.input.text()).as("no approval pending: y is text").isEqualTo("y");
    r.state.input.clear();
    pendingApproval(r.state);
    KeyBindings.dispatch(r, ch('n'), false);
    assertThat(r.calls).containsExactly("approval:false");
    type(r, "x");
    KeyBindings.dispatch(r, ch('y'), false);
    assertThat(r.state.input.text()).as("typing, not answering").isEqualTo("xy");
    assertThat(r.calls).containsExactly("approval:false");
  }

  @Test
  void ctrlKeysOfTheChat() {
    Recorder r = new Recorder();
    KeyBindings.dispatch(r, ctrl('t'), false);
    assertThat(r.state.showThinking).isTrue();
    KeyBindings.dispatch(r, ctrl('o'), false);
    KeyBindings.dispatch(r, ctrl('l'), false);
    assertThat(r.state.fullRedraw).isTrue();
    type(r, "abc");
    KeyBindings.dispatch(r, ctrl('u'), false);
    assertThat(r.state.input.text()).isEmpty();
    assertThat(KeyBindings.dispatch(r, ctrl('z'), false)).as("an unbound Ctrl key does nothing").isFalse();
    KeyBindings.dispatch(r, ctrl('c'), false);
    assertThat(r.calls).containsExactly("sessions", "quit");
  }

  @Test
  void tabCompletesOnlySlashCommands() {
    Recorder r = new Recorder();
    type(r, "/ne");
    KeyBindings.dispatch(r, key(KeyType.Tab), false);
    assertThat(r.state.input.text()).isEqualTo("/new ");
    r.state.input.clear();
    type(r, "ne");
    assertThat(KeyBindings.dispatch(r, key(KeyType.Tab), false)).isFalse();
    assertThat(r.state.input.text()).isEqualTo("ne");
  }

  @Test
  void pagingScrollsByTheChatHeight() {
    Recorder r = new Recorder();
    r.state.chatRows = 12;
    KeyBindings.dispatch(r, key(KeyType.PageUp), false);
    KeyBindings.dispatch(r, key(KeyType.PageUp), false);
    assertThat(r.state.scrollFromBottom).isEqualTo(20);
    KeyBindings.dispatch(r, key(KeyType.PageDown), false);
    KeyBindings.dispatch(r, key(KeyType.PageDown), false);
    KeyBindings.dispatch(r, key(KeyType.PageDown), false);
    assertThat(r.state.scrollFromBottom).isZero();
  }

  @Test
  void theSessionListSearchesOpensAndEscapesBack() {
    Recorder r = new Recorder();
    r.state.mode = Mode.SESSIONS;
    type(r, "ab");
    KeyBindings.dispatch(r, key(KeyType.Backspace), false);
    KeyBindings.dispatch(r, key(KeyType.Enter), false);
    KeyBindings.dispatch(r, ctrl('n'), false);
    KeyBindings.dispatch(r, ctrl('r'), false);
    KeyBindings.dispatch(r, ctrl('d'), false);
    KeyBindings.dispatch(r, key(KeyType.Delete), false);
    assertThat(r.calls).containsExactly("search:a", "search:ab", "search:a", "open", "new", "rename", "delete", "delete");
    KeyBindings.dispatch(r, key(KeyType.Escape), false);
    assertThat(r.state.mode).isEqualTo(Mode.CHAT);
  }

  @Test
  void aYesNoPromptTakesTheFirstKeyAndATextPromptTakesEnter() {
    Recorder r = new Recorder();
    r.state.mode = Mode.SESSIONS;
    List<String> answers = new ArrayList<>();
    r.state.prompt("delete? y/n", "", true, answers::add);
    KeyBindings.dispatch(r, ch('y'), false);
    assertThat(answers).containsExactly("y");
    assertThat(r.state.mode).isEqualTo(Mode.SESSIONS);

    r.state.prompt("rename to", "old", false, answers::add);
    KeyBindings.dispatch(r, key(KeyType.Backspace), false);
    type(r, "LD");
    assertThat(answers).hasSize(1);
    KeyBindings.dispatch(r, key(KeyType.Enter), false);
    assertThat(answers).containsExactly("y", "olLD");

    r.state.prompt("rename to", "x", false, answers::add);
    KeyBindings.dispatch(r, key(KeyType.Escape), false);
    assertThat(r.state.mode).as("Esc leaves without an answer").isEqualTo(Mode.SESSIONS);
    assertThat(answers).hasSize(2);
  }

  @Test
  void theHelpTextsComeFromTheTable() {
    assertThat(KeyBindings.help(Mode.CHAT)).contains("Enter send", "Alt+Enter new line", "Ctrl+C quit");
    assertThat(String.join(" · ", KeyBindings.help(Mode.SESSIONS)))
        .isEqualTo("type to search · Enter open · Ctrl+N new · Ctrl+R rename · Ctrl+D delete · Esc back");
  }
}
