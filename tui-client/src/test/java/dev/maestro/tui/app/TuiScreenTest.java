package dev.maestro.tui.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import dev.maestro.tui.view.Tone;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Frames drawn on lanterna's in-memory terminal. */
class TuiScreenTest {
  private final DefaultVirtualTerminal terminal = new DefaultVirtualTerminal(new TerminalSize(100, 16));
  private TerminalScreen screen;
  private final UiState state = new UiState();

  @BeforeEach
  void start() throws Exception {
    screen = new TerminalScreen(terminal);
    screen.startScreen();
    state.sessionId = "0123456789abcdef";
    state.connection = "connected";
    state.chat.loadSession(new JsonObject().put("id", state.sessionId).put("title", "demo").put("provider", "openai")
        .put("model", "gpt-x"));
    state.chat.addNotice("hello", Tone.SYSTEM);
  }

  @AfterEach
  void stop() throws Exception {
    screen.stopScreen();
  }

  private String row(int r) {
    StringBuilder sb = new StringBuilder();
    for (int c = 0; c < 100; c++) {
      sb.append(terminal.getCharacter(c, r).getCharacterString());
    }
    return sb.toString().stripTrailing();
  }

  @Test
  void withoutSandboxARedLineSitsAboveTheStatusBar() {
    assertThat(new TuiScreen(screen).draw(state, true)).isTrue();
    assertThat(row(14)).isEqualTo(">");
    assertThat(row(15)).startsWith(" demo [01234567] · connected · openai/gpt-x");

    state.sandboxWarning = "⚠ NO SANDBOX: run_command runs commands unconfined";
    new TuiScreen(screen).draw(state, true);
    assertThat(row(14)).isEqualTo("⚠ NO SANDBOX: run_command runs commands unconfined");
    TextCharacter first = terminal.getCharacter(3, 14);
    assertThat(first.getForegroundColor()).isEqualTo(TextColor.ANSI.RED_BRIGHT);
    assertThat(row(13)).isEqualTo(">");
    assertThat(row(15)).startsWith(" demo [01234567]");
  }

  @Test
  void theSessionListHeaderComesFromTheKeyTable() {
    state.mode = Mode.SESSIONS;
    new TuiScreen(screen).draw(state, true);
    assertThat(row(0)).isEqualTo("Sessions  type to search · Enter open · Ctrl+N new · Ctrl+R rename · Ctrl+D delete · Esc back");
  }
}
