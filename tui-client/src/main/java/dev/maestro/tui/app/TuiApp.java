package dev.maestro.tui.app;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.DefaultTerminalFactory;
import com.googlecode.lanterna.terminal.Terminal;
import com.googlecode.lanterna.terminal.ansi.UnixLikeTerminal.CtrlCBehaviour;
import dev.maestro.tui.cli.ClientSettings;
import dev.maestro.tui.client.GatewayClient;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The interactive client's UI loop. One UI thread (the caller of {@link #run()}) owns the lanterna
 * screen and the {@link UiState}; Vert.x callbacks never touch either and instead post a task that
 * this loop runs (STYLE.md §3.13). Keys go through {@link KeyBindings}, frames through
 * {@link TuiScreen}, the network through {@link ClientWiring}.
 */
public final class TuiApp {
  /** An ESC followed within this long by another key is Alt+that key (terminals send it as two reads). */
  private static final long ALT_WINDOW_MS = 80;
  private static final String DEBUG_FILE = System.getenv("MAESTRO_TUI_DEBUG");

  private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
  private final UiState state = new UiState();
  private final ClientWiring wiring;
  private final String initialSession;
  private Screen screen;
  private TuiScreen view;
  private boolean escapePending;
  private long escapeAt;

  public TuiApp(Vertx vertx, GatewayClient api, ClientSettings settings, String initialSession) {
    this.wiring = new ClientWiring(vertx, api, settings, state, tasks::add);
    this.initialSession = initialSession;
  }

  /** Runs until /quit or Ctrl+C; always restores the terminal. */
  public int run() throws IOException {
    Terminal terminal = new DefaultTerminalFactory(System.out, System.in, StandardCharsets.UTF_8)
        .setForceTextTerminal(true)
        .setUnixTerminalCtrlCBehaviour(CtrlCBehaviour.TRAP)
        .createTerminal();
    screen = new TerminalScreen(terminal);
    view = new TuiScreen(screen);
    Thread restore = new Thread(this::stopScreen, "tui-restore-terminal");
    Runtime.getRuntime().addShutdownHook(restore);
    screen.startScreen();
    try {
      wiring.start(initialSession);
      loopUntilQuit();
    } finally {
      wiring.stop();
      stopScreen();
      try {
        Runtime.getRuntime().removeShutdownHook(restore);
      } catch (IllegalStateException e) {
        // already shutting down
      }
    }
    return 0;
  }

  private synchronized void stopScreen() {
    try {
      if (screen != null) {
        screen.stopScreen();
        screen = null;
      }
    } catch (IOException e) {
      // the terminal is gone; nothing left to restore
    }
  }

  /** Appends a line to $MAESTRO_TUI_DEBUG when set: the screen owns stdout and stderr. */
  static void debug(String line) {
    if (DEBUG_FILE == null) {
      return;
    }
    try {
      Files.writeString(Path.of(DEBUG_FILE), Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      // debugging only
    }
  }

  private void loopUntilQuit() throws IOException {
    draw(true);
    while (state.running) {
      boolean dirty = false;
      KeyStroke key;
      while ((key = screen.pollInput()) != null) {
        handleKey(key);
        dirty = true;
        if (!state.running) {
          return;
        }
      }
      if (escapePending && System.currentTimeMillis() - escapeAt > ALT_WINDOW_MS) {
        escapePending = false;
        KeyBindings.dispatch(wiring, new KeyStroke(KeyType.Escape), false);
        dirty = true;
      }
      Runnable task;
      while ((task = tasks.poll()) != null) {
        runTask(task);
        dirty = true;
      }
      if (state.bell) {
        state.bell = false;
        if (screen instanceof TerminalScreen ts) {
          ts.getTerminal().bell();
        }
      }
      TerminalSize resized = screen.doResizeIfNecessary();
      if (resized != null || dirty) {
        draw(resized != null);
        continue;
      }
      try {
        task = tasks.poll(15, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (task != null) {
        runTask(task);
        draw(false);
      }
    }
  }

  private void draw(boolean full) {
    boolean complete = full || state.fullRedraw;
    state.fullRedraw = false;
    if (screen != null && !view.draw(state, complete)) {
      state.running = false;
    }
  }

  private void runTask(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      debug("task failed: " + e);
      state.error(String.valueOf(e.getMessage()));
    }
  }

  private void handleKey(KeyStroke k) {
    debug("key " + k);
    if (k.getKeyType() == KeyType.Escape) {
      // ESC may be the first half of Alt+Enter sent as two reads; decide on the next key
      escapePending = true;
      escapeAt = System.currentTimeMillis();
      return;
    }
    boolean alt = k.isAltDown() || (escapePending && System.currentTimeMillis() - escapeAt <= ALT_WINDOW_MS);
    escapePending = false;
    KeyBindings.dispatch(wiring, k, alt);
  }
}
