package dev.maestro.tui.app;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.screen.Screen;
import dev.maestro.tui.view.ChatRenderer;
import dev.maestro.tui.view.SessionList;
import dev.maestro.tui.view.SlashCommands;
import dev.maestro.tui.view.Span;
import dev.maestro.tui.view.StatusLine;
import dev.maestro.tui.view.StyledLine;
import dev.maestro.tui.view.Tone;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.List;

/**
 * Draws the {@link UiState} on a lanterna screen: the chat pane with the input and the command
 * suggestions, or the session list; the status bar under both. It reads the state and writes only
 * {@code chatRows} and {@code scrollFromBottom} (both depend on the terminal size).
 */
public final class TuiScreen {
  private final Screen screen;

  public TuiScreen(Screen screen) {
    this.screen = screen;
  }

  /** One frame; false when the terminal is gone. */
  public boolean draw(UiState s, boolean full) {
    TerminalSize size = screen.getTerminalSize();
    int cols = Math.max(20, size.getColumns());
    int rows = Math.max(6, size.getRows());
    screen.clear();
    TextGraphics g = screen.newTextGraphics();
    if (s.showsSessions()) {
      drawSessions(g, s, cols, rows);
    } else {
      drawChat(g, s, cols, rows);
    }
    try {
      screen.refresh(full ? Screen.RefreshType.COMPLETE : Screen.RefreshType.DELTA);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void drawChat(TextGraphics g, UiState s, int cols, int rows) {
    boolean prompting = s.mode == Mode.PROMPT;
    List<String> inLines = prompting ? List.of(s.prompt.label() + ": " + s.prompt.input.text()) : s.input.lines();
    int inputRows = Math.min(6, inLines.size());
    List<SlashCommands.Command> suggestions = s.mode == Mode.CHAT ? SlashCommands.matches(s.input.text()) : List.of();
    int suggestRows = Math.min(suggestions.size(), 6);
    int warningRows = s.sandboxWarning == null ? 0 : 1;
    s.chatRows = Math.max(1, rows - inputRows - 2 - suggestRows - warningRows);

    List<StyledLine> lines = ChatRenderer.render(s.chat, cols - 1, s.showThinking);
    int maxScroll = Math.max(0, lines.size() - s.chatRows);
    s.scrollFromBottom = Math.min(s.scrollFromBottom, maxScroll);
    int start = Math.max(0, lines.size() - s.chatRows - s.scrollFromBottom);
    for (int r = 0; r < s.chatRows && start + r < lines.size(); r++) {
      putLine(g, 0, r, lines.get(start + r), cols);
    }
    int row = s.chatRows;
    for (int i = 0; i < suggestRows; i++) {
      SlashCommands.Command c = suggestions.get(i);
      putLine(g, 0, row++, StyledLine.of(Span.bold("  " + c.usage(), Tone.SYSTEM), Span.of("  " + c.help(), Tone.DIM)),
          cols);
    }
    String rule = s.scrollFromBottom > 0 ? "── ↑ " + s.scrollFromBottom + " lines above the bottom (PgDn) " : "";
    putLine(g, 0, row++, StyledLine.plain(pad(rule, cols, '─'), Tone.DIM), cols);
    int inputTop = row;
    int firstShown = prompting ? 0 : Math.max(0, Math.min(s.input.row(), inLines.size() - inputRows));
    for (int i = 0; i < inputRows; i++) {
      String prefix = prompting ? "" : (firstShown + i == 0 ? "> " : "  ");
      putLine(g, 0, row++, StyledLine.of(Span.bold(prefix, Tone.USER), Span.of(inLines.get(firstShown + i), Tone.NORMAL)),
          cols);
    }
    if (warningRows > 0) {
      putLine(g, 0, rows - 2, StyledLine.of(Span.bold(s.sandboxWarning, Tone.ERROR)), cols);
    }
    drawStatus(g, s, cols, rows - 1);
    if (prompting) {
      screen.setCursorPosition(new TerminalPosition(Math.min(cols - 1, s.prompt.label().length() + 2 + s.prompt.input.col()),
          inputTop));
    } else {
      screen.setCursorPosition(new TerminalPosition(Math.min(cols - 1, 2 + s.input.col()), inputTop + s.input.row() - firstShown));
    }
  }

  private void drawSessions(TextGraphics g, UiState s, int cols, int rows) {
    putLine(g, 0, 0, StyledLine.of(Span.bold("Sessions", Tone.HEADING),
        Span.of("  " + String.join(" · ", KeyBindings.help(Mode.SESSIONS)), Tone.DIM)), cols);
    if (s.mode == Mode.PROMPT) {
      putLine(g, 0, 1, StyledLine.of(Span.bold(s.prompt.label() + ": ", Tone.APPROVAL), Span.of(s.prompt.input.text(),
          Tone.NORMAL)), cols);
    } else {
      putLine(g, 0, 1, StyledLine.of(Span.bold("search: ", Tone.SYSTEM), Span.of(s.sessions.query(), Tone.NORMAL)), cols);
    }
    List<JsonObject> visible = s.sessions.visible();
    int listRows = rows - 4;
    int first = Math.max(0, s.sessions.selectedIndex() - listRows + 1);
    for (int i = 0; i < listRows && first + i < visible.size(); i++) {
      JsonObject item = visible.get(first + i);
      boolean sel = first + i == s.sessions.selectedIndex();
      String text = (sel ? "›" : " ") + SessionList.row(item, s.sessionId);
      putLine(g, 0, 3 + i, StyledLine.of(new Span(pad(text, cols, ' '), sel ? Tone.USER : Tone.NORMAL, sel, false)), cols);
    }
    if (visible.isEmpty()) {
      putLine(g, 0, 3, StyledLine.plain("  (no sessions)", Tone.DIM), cols);
    }
    drawStatus(g, s, cols, rows - 1);
    screen.setCursorPosition(new TerminalPosition(Math.min(cols - 1, 8 + s.sessions.query().length()), 1));
  }

  private static void drawStatus(TextGraphics g, UiState s, int cols, int row) {
    String text = StatusLine.text(s.chat, s.sessionId, s.connection, s.flash, cols);
    g.setBackgroundColor(TextColor.ANSI.BLUE);
    g.setForegroundColor(TextColor.ANSI.WHITE_BRIGHT);
    g.enableModifiers(SGR.BOLD);
    g.putString(0, row, text);
    g.disableModifiers(SGR.BOLD);
    g.setBackgroundColor(TextColor.ANSI.DEFAULT);
    g.setForegroundColor(TextColor.ANSI.DEFAULT);
  }

  static String pad(String s, int cols, char fill) {
    if (s.length() >= cols) {
      return s.substring(0, cols);
    }
    return s + String.valueOf(fill).repeat(cols - s.length());
  }

  private static void putLine(TextGraphics g, int col, int row, StyledLine line, int cols) {
    int c = col;
    for (Span span : line.spans()) {
      if (c >= cols) {
        break;
      }
      String text = span.text();
      if (c + text.length() > cols) {
        text = text.substring(0, cols - c);
      }
      g.setForegroundColor(color(span.tone()));
      g.setBackgroundColor(TextColor.ANSI.DEFAULT);
      g.clearModifiers();
      if (span.bold()) {
        g.enableModifiers(SGR.BOLD);
      }
      if (span.italic()) {
        g.enableModifiers(SGR.ITALIC);
      }
      if (span.tone() == Tone.LINK) {
        g.enableModifiers(SGR.UNDERLINE);
      }
      g.putString(c, row, text);
      c += text.length();
    }
    g.clearModifiers();
    g.setForegroundColor(TextColor.ANSI.DEFAULT);
  }

  private static TextColor color(Tone tone) {
    return switch (tone) {
      case USER -> TextColor.ANSI.CYAN_BRIGHT;
      case ASSISTANT -> TextColor.ANSI.GREEN_BRIGHT;
      case HEADING -> TextColor.ANSI.YELLOW_BRIGHT;
      case CODE -> TextColor.ANSI.CYAN;
      case LINK -> TextColor.ANSI.BLUE_BRIGHT;
      case QUOTE, DIM, THINKING -> TextColor.ANSI.WHITE;
      case TOOL -> TextColor.ANSI.MAGENTA_BRIGHT;
      case APPROVAL -> TextColor.ANSI.YELLOW_BRIGHT;
      case ERROR -> TextColor.ANSI.RED_BRIGHT;
      case SYSTEM -> TextColor.ANSI.YELLOW;
      case DIFF_ADD -> TextColor.ANSI.GREEN;
      case DIFF_DEL -> TextColor.ANSI.RED;
      case DIFF_HUNK -> TextColor.ANSI.CYAN;
      default -> TextColor.ANSI.DEFAULT;
    };
  }
}
