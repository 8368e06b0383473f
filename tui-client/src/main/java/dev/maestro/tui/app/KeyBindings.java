package dev.maestro.tui.app;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.maestro.tui.view.SlashCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Every key of every mode in one table, read top to bottom: the first binding of the mode (or of
 * every mode) whose key matches and whose condition holds runs. The help texts of /help and of the
 * session list's header come from the same table.
 */
public final class KeyBindings {
  private static void completeMcp(KeyActions a, KeyStroke k) {
    String text = input(a).text();
    String done = a.state().mcp.complete(text);
    input(a).setText(done);
    if (done.equals(text)) {
      java.util.List<String> c = a.state().mcp.candidates(text);
      a.state().flash = c.isEmpty() ? "no MCP match" : String.join("  ", c.subList(0, Math.min(6, c.size())));
    }
    a.refreshMcp();
  }

  /** Matches a key stroke; {@code alt} also covers an ESC read just before it (Alt sent as two reads). */
  @FunctionalInterface
  public interface Key {
    boolean matches(KeyStroke k, boolean alt);
  }

  /** mode null: every mode. help null: not listed in the help. */
  public record Binding(Mode mode, String help, Key key, Predicate<UiState> when, BiConsumer<KeyActions, KeyStroke> action) {}

  public static final List<Binding> TABLE = List.of(
      // every mode
      new Binding(null, null, type(KeyType.EOF), always(), (a, k) -> a.quit()),
      new Binding(null, "Ctrl+C quit", ctrl('c'), always(), (a, k) -> a.quit()),

      // chat: the input line, approvals and questions, scrolling
      new Binding(Mode.CHAT, "Enter send", KeyBindings::isPlainEnter, always(), (a, k) -> a.submit()),
      new Binding(Mode.CHAT, "Alt+Enter new line", KeyBindings::isNewline, always(), (a, k) -> input(a).newline()),
      new Binding(Mode.CHAT, "y/n answer an approval", chars('y', 'n'), s -> s.input.isEmpty() && s.chat.pendingApproval() != null,
          (a, k) -> a.answerApproval(k.getCharacter() == 'y')),
      new Binding(Mode.CHAT, "a allow the tool for this session", chars('a'), s -> s.input.isEmpty() && s.chat.pendingApproval() != null,
          (a, k) -> a.allowForSession()),
      new Binding(Mode.CHAT, "Ctrl+S steer", ctrl('s'), always(), (a, k) -> a.steerInput()),
      new Binding(Mode.CHAT, "a/d a tool's question (input empty)", chars('a', 'd'),
          s -> s.input.isEmpty() && s.chat.pendingApproval() == null && s.chat.pendingElicitation() != null,
          (a, k) -> a.answerQuestion(k.getCharacter() == 'a')),
      new Binding(Mode.CHAT, "Up/Down history", type(KeyType.ArrowUp), always(), (a, k) -> input(a).up()),
      new Binding(Mode.CHAT, null, type(KeyType.ArrowDown), always(), (a, k) -> input(a).down()),
      new Binding(Mode.CHAT, "Tab complete", type(KeyType.Tab), s -> SlashCommands.isCommand(s.input.text()),
          (a, k) -> {
            String text = input(a).text();
            String done = SlashCommands.complete(text);
            if (done.equals(text) && dev.maestro.tui.view.McpCompletion.wants(text)) completeMcp(a, k);   // /server:prompt
            else input(a).setText(done);
          }),
      // MCP: @ completes a resource URI, /server:prompt a prompt (the lists are fetched again for the next Tab)
      new Binding(Mode.CHAT, null, type(KeyType.Tab), s -> dev.maestro.tui.view.McpCompletion.wants(s.input.text()),
          KeyBindings::completeMcp),
      new Binding(Mode.CHAT, "PgUp/PgDn scroll", type(KeyType.PageUp), always(),
          (a, k) -> a.state().scrollFromBottom += page(a.state())),
      new Binding(Mode.CHAT, null, type(KeyType.PageDown), always(),
          (a, k) -> a.state().scrollFromBottom = Math.max(0, a.state().scrollFromBottom - page(a.state()))),
      new Binding(Mode.CHAT, null, type(KeyType.Backspace), always(), (a, k) -> input(a).backspace()),
      new Binding(Mode.CHAT, null, type(KeyType.Delete), always(), (a, k) -> input(a).delete()),
      new Binding(Mode.CHAT, null, type(KeyType.ArrowLeft), always(), (a, k) -> input(a).left()),
      new Binding(Mode.CHAT, null, type(KeyType.ArrowRight), always(), (a, k) -> input(a).right()),
      new Binding(Mode.CHAT, null, type(KeyType.Home), always(), (a, k) -> input(a).home()),
      new Binding(Mode.CHAT, null, type(KeyType.End), always(), (a, k) -> input(a).end()),
      new Binding(Mode.CHAT, "Ctrl+T thinking", ctrl('t'), always(), (a, k) -> a.state().showThinking = !a.state().showThinking),
      new Binding(Mode.CHAT, "Ctrl+O sessions", ctrl('o'), always(), (a, k) -> a.openSessionList()),
      new Binding(Mode.CHAT, null, ctrl('u'), always(), (a, k) -> input(a).killToLineStart()),
      new Binding(Mode.CHAT, null, ctrl('a'), always(), (a, k) -> input(a).home()),
      new Binding(Mode.CHAT, null, ctrl('e'), always(), (a, k) -> input(a).end()),
      new Binding(Mode.CHAT, null, ctrl('l'), always(), (a, k) -> a.state().fullRedraw = true),
      new Binding(Mode.CHAT, null, KeyBindings::isPlainCharacter, always(), (a, k) -> input(a).insert(k.getCharacter())),
      new Binding(Mode.CHAT, null, type(KeyType.Escape), always(), (a, k) -> a.state().flash = ""),

      // the session list
      new Binding(Mode.SESSIONS, "type to search", KeyBindings::isPlainCharacter, always(), (a, k) -> {
        a.state().sessions.type(k.getCharacter());
        a.searchChanged();
      }),
      new Binding(Mode.SESSIONS, null, type(KeyType.Backspace), always(), (a, k) -> {
        a.state().sessions.backspace();
        a.searchChanged();
      }),
      new Binding(Mode.SESSIONS, null, type(KeyType.ArrowUp), always(), (a, k) -> a.state().sessions.up()),
      new Binding(Mode.SESSIONS, null, type(KeyType.ArrowDown), always(), (a, k) -> a.state().sessions.down()),
      new Binding(Mode.SESSIONS, "Enter open", type(KeyType.Enter), always(), (a, k) -> a.openSelectedSession()),
      new Binding(Mode.SESSIONS, "Ctrl+N new", ctrl('n'), always(), (a, k) -> a.newSession()),
      new Binding(Mode.SESSIONS, "Ctrl+R rename", ctrl('r'), always(), (a, k) -> a.renameSelectedSession()),
      new Binding(Mode.SESSIONS, "Ctrl+D delete", ctrl('d'), always(), (a, k) -> a.deleteSelectedSession()),
      new Binding(Mode.SESSIONS, null, type(KeyType.Delete), always(), (a, k) -> a.deleteSelectedSession()),
      new Binding(Mode.SESSIONS, "Esc back", type(KeyType.Escape), always(), (a, k) -> a.state().mode = Mode.CHAT),

      // a one-line question; a y/n question takes the first key as its answer
      new Binding(Mode.PROMPT, null, type(KeyType.Escape), always(), (a, k) -> a.state().mode = a.state().prompt.returnTo()),
      new Binding(Mode.PROMPT, null, (k, alt) -> true, s -> s.prompt.singleKey(),
          (a, k) -> a.state().answerPrompt(k.getKeyType() == KeyType.Character ? String.valueOf(k.getCharacter()) : "")),
      new Binding(Mode.PROMPT, null, type(KeyType.Enter), always(), (a, k) -> a.state().answerPrompt(a.state().prompt.input.text())),
      new Binding(Mode.PROMPT, null, type(KeyType.Backspace), always(), (a, k) -> a.state().prompt.input.backspace()),
      new Binding(Mode.PROMPT, null, type(KeyType.ArrowLeft), always(), (a, k) -> a.state().prompt.input.left()),
      new Binding(Mode.PROMPT, null, type(KeyType.ArrowRight), always(), (a, k) -> a.state().prompt.input.right()),
      new Binding(Mode.PROMPT, null, KeyBindings::isPlainCharacter, always(),
          (a, k) -> a.state().prompt.input.insert(k.getCharacter())));

  private KeyBindings() {}

  /** The binding a key stroke selects in the current mode; null when the key does nothing there. */
  public static Binding find(UiState state, KeyStroke k, boolean alt) {
    for (Binding b : TABLE) {
      if ((b.mode() == null || b.mode() == state.mode) && b.key().matches(k, alt) && b.when().test(state)) {
        return b;
      }
    }
    return null;
  }

  /** Runs the key; false when it does nothing in this mode. */
  public static boolean dispatch(KeyActions actions, KeyStroke k, boolean alt) {
    Binding b = find(actions.state(), k, alt);
    if (b == null) {
      return false;
    }
    b.action().accept(actions, k);
    return true;
  }

  /** The help texts of a mode's bindings (and of every mode's), in table order. */
  public static List<String> help(Mode mode) {
    List<String> out = new ArrayList<>();
    for (Binding b : TABLE) {
      if (b.help() != null && b.mode() == mode) {
        out.add(b.help());
      }
    }
    if (mode == Mode.CHAT) {
      TABLE.stream().filter(b -> b.mode() == null && b.help() != null).forEach(b -> out.add(b.help()));
    }
    return out;
  }

  // ---------------------------------------------------------------- keys

  static Key type(KeyType type) {
    return (k, alt) -> k.getKeyType() == type;
  }

  static Key ctrl(char c) {
    return (k, alt) -> k.getKeyType() == KeyType.Character && k.isCtrlDown() && Character.toLowerCase(k.getCharacter()) == c;
  }

  static Key chars(char... cs) {
    return (k, alt) -> {
      if (!isPlainCharacter(k, alt)) {
        return false;
      }
      for (char c : cs) {
        if (k.getCharacter() == c) {
          return true;
        }
      }
      return false;
    };
  }

  static boolean isPlainCharacter(KeyStroke k, boolean alt) {
    return k.getKeyType() == KeyType.Character && !k.isCtrlDown();
  }

  static boolean isPlainEnter(KeyStroke k, boolean alt) {
    return k.getKeyType() == KeyType.Enter && !alt;
  }

  /** Alt+Enter, or Ctrl+J / Ctrl+M after an ESC (how some terminals send Alt+Enter). */
  static boolean isNewline(KeyStroke k, boolean alt) {
    if (k.getKeyType() == KeyType.Enter) {
      return alt;
    }
    return k.getKeyType() == KeyType.Character && k.isCtrlDown() && alt && (k.getCharacter() == 'j' || k.getCharacter() == 'm');
  }

  private static Predicate<UiState> always() {
    return s -> true;
  }

  private static dev.maestro.tui.view.InputEditor input(KeyActions a) {
    return a.state().input;
  }

  private static int page(UiState s) {
    return Math.max(1, s.chatRows - 2);
  }
}
