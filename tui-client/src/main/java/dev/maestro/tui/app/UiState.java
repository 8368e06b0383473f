package dev.maestro.tui.app;

import dev.maestro.tui.view.ChatModel;
import dev.maestro.tui.view.InputEditor;
import dev.maestro.tui.view.SessionList;
import dev.maestro.tui.view.Tone;
import java.util.function.Consumer;

/**
 * Everything the screen shows. Owned by the UI thread (STYLE.md §3.13): network callbacks never
 * touch it directly, they post a task that does.
 */
public final class UiState {
  public Mode mode = Mode.CHAT;
  public ChatModel chat = new ChatModel();
  public final InputEditor input = new InputEditor();
  public final SessionList sessions = new SessionList();
  public final PromptLine prompt = new PromptLine();
  /** MCP resources and prompts for @ and /server:prompt completion. */
  public final dev.maestro.tui.view.McpCompletion mcp = new dev.maestro.tui.view.McpCompletion();
  /** The open session, null when none. */
  public String sessionId;
  public String connection = "connecting";
  /** The last notice, shown at the right of the status bar. */
  public String flash = "";
  /** Set from GET /tools when the command tool runs without a sandbox; shown in red above the status bar. */
  public String sandboxWarning;
  public int scrollFromBottom;
  /** Rows of the chat pane at the last draw: one PgUp/PgDn page. */
  public int chatRows = 10;
  public boolean showThinking;
  public boolean running = true;
  /** Ctrl+L: the next draw repaints every cell. */
  public boolean fullRedraw;
  /** Issue 16: ring the terminal bell at the next draw (a run finished or waits for approval). */
  public boolean bell;

  /** An error: red in the chat and in the status bar; the view follows the bottom again. */
  public void error(String message) {
    chat.addNotice("error: " + message, Tone.ERROR);
    flash = "error: " + message;
    scrollFromBottom = 0;
  }

  /** Opens a one-line question over the current view; its answer runs {@code action} (on Enter, or the first key). */
  public void prompt(String label, String initial, boolean singleKey, Consumer<String> action) {
    prompt.open(mode, label, initial, singleKey, action);
    mode = Mode.PROMPT;
  }

  /** Ends the question with an answer ("" for a non-character key of a single-key question). */
  public void answerPrompt(String answer) {
    mode = prompt.returnTo();
    prompt.action().accept(answer);
  }

  /** The session list is on screen, possibly under a prompt. */
  public boolean showsSessions() {
    return mode == Mode.SESSIONS || (mode == Mode.PROMPT && prompt.returnTo() == Mode.SESSIONS);
  }
}
