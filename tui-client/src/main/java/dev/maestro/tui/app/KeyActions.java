package dev.maestro.tui.app;

/**
 * What a key can do. {@link KeyBindings} decides which key does what; the client wiring carries it
 * out. Keys that only edit text work on {@link #state()} directly.
 */
public interface KeyActions {
  UiState state();

  void quit();

  /** Enter in the chat: a slash command, or a message to the open session. */
  void submit();

  void answerApproval(boolean allow);

  void answerQuestion(boolean accept);

  void openSessionList();

  /** The search text of the session list changed: filter now, ask the server too. */
  void searchChanged();

  void openSelectedSession();

  void newSession();

  void renameSelectedSession();

  void deleteSelectedSession();

  /** Issue 16: Ctrl+S sends the input line as a steer message into the running turn. */
  default void steerInput() {
  }

  /** Issue 16: "a" on an approval: allow this call and the tool for the rest of the session. */
  default void allowForSession() {
  }
  /** Fetches the MCP servers' resources and prompts again (for @ and /server:prompt completion). */
  default void refreshMcp() { }
}
