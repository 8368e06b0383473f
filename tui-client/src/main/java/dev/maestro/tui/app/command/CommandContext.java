package dev.maestro.tui.app.command;

import dev.maestro.tui.app.UiState;
import dev.maestro.tui.client.GatewayClient;
import dev.maestro.tui.view.ChatModel;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** What a slash command may use: the view state (UI thread only), the gateway API and the client's actions. */
public interface CommandContext {
  UiState state();

  GatewayClient api();

  /** Runs {@code ok} with f's result on the UI thread; a failure becomes an error notice. */
  <T> void onUi(Future<T> f, Consumer<T> ok);

  /** True when a session is open; otherwise says so in red. */
  default boolean requireSession() {
    if (state().sessionId == null) {
      state().error("no session open");
      return false;
    }
    return true;
  }

  void createSession(JsonObject body);

  void openSessionList();

  void rename(String sessionId, String title);

  /** Cancels the open session's turn (WebSocket, else HTTP). */
  void cancelTurn();

  void answerElicitation(ChatModel.ElicitationBlock question, String action, List<String> assignments);

  /** Remembers what GET /tools said about the command sandbox (null: sandboxed, nothing to warn). */
  void sandboxWarning(String warning);

  Future<Void> writeFile(Path path, Buffer data);

  void quit();
}
