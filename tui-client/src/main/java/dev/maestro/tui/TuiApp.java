package dev.maestro.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.DefaultTerminalFactory;
import com.googlecode.lanterna.terminal.Terminal;
import com.googlecode.lanterna.terminal.ansi.UnixLikeTerminal.CtrlCBehaviour;
import dev.maestro.tui.cli.ClientSettings;
import dev.maestro.tui.client.GatewayClient;
import dev.maestro.tui.client.LiveSocket;
import dev.maestro.tui.view.ChatModel;
import dev.maestro.tui.view.ChatRenderer;
import dev.maestro.tui.view.InputEditor;
import dev.maestro.tui.view.Pricing;
import dev.maestro.tui.view.SessionList;
import dev.maestro.tui.view.SlashCommands;
import dev.maestro.tui.view.Span;
import dev.maestro.tui.view.StyledLine;
import dev.maestro.tui.view.Tone;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The interactive client. One UI thread (the caller of {@link #run()}) owns the lanterna screen and
 * all view state; Vert.x callbacks never touch either and instead {@link #post} a task that the UI
 * loop runs (STYLE.md §3.13). The LiveSocket lives on one Vert.x context and is only called there.
 */
final class TuiApp {
  private enum Mode { CHAT, SESSIONS, PROMPT }

  private final Vertx vertx;
  private final GatewayClient api;
  private final ClientSettings settings;
  private final String initialSession;
  private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
  private final Context loop;

  private Screen screen;
  private LiveSocket socket;
  private volatile boolean running = true;
  private Mode mode = Mode.CHAT;
  private ChatModel chat = new ChatModel();
  private final InputEditor input = new InputEditor();
  private final SessionList sessions = new SessionList();
  private String sessionId;
  private List<Object[]> bufferedEvents; // events that arrived while the session was loading
  private String connection = "connecting";
  private String flash = "";
  private String noticeAfterLoad;
  private int scrollFromBottom;
  private int chatRows = 10;
  private boolean showThinking;
  private boolean escapePending;
  private long escapeAt;
  // prompt mode
  private Mode promptReturn = Mode.CHAT;
  private String promptLabel = "";
  private final InputEditor promptInput = new InputEditor(0);
  private boolean promptSingleKey;
  private Consumer<String> promptAction = s -> { };

  TuiApp(Vertx vertx, GatewayClient api, ClientSettings settings, String initialSession) {
    this.vertx = vertx;
    this.api = api;
    this.settings = settings;
    this.initialSession = initialSession;
    this.loop = vertx.getOrCreateContext();
  }

  /** Runs until /quit or Ctrl+C; always restores the terminal. */
  int run() throws IOException {
    Terminal terminal = new DefaultTerminalFactory(System.out, System.in, StandardCharsets.UTF_8)
        .setForceTextTerminal(true)
        .setUnixTerminalCtrlCBehaviour(CtrlCBehaviour.TRAP)
        .createTerminal();
    screen = new TerminalScreen(terminal);
    Thread restore = new Thread(this::stopScreen, "tui-restore-terminal");
    Runtime.getRuntime().addShutdownHook(restore);
    screen.startScreen();
    try {
      startNetwork();
      loopUntilQuit();
    } finally {
      onLoop(() -> {
        if (socket != null) {
          socket.close();
        }
      });
      stopScreen();
      try {
        Runtime.getRuntime().removeShutdownHook(restore);
      } catch (IllegalStateException e) {
        // already shutting down
      }
    }
    return TuiMain.OK;
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

  private static final String DEBUG_FILE = System.getenv("MAESTRO_TUI_DEBUG");

  /** Appends a line to $MAESTRO_TUI_DEBUG when set: the screen owns stdout and stderr. */
  static void debug(String line) {
    if (DEBUG_FILE == null) {
      return;
    }
    try {
      java.nio.file.Files.writeString(Path.of(DEBUG_FILE), java.time.Instant.now() + " " + line + "\n",
          StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      // debugging only
    }
  }

  /** Queues work for the UI thread; callable from any thread. */
  void post(Runnable r) {
    tasks.add(r);
  }

  private void onLoop(Runnable r) {
    loop.runOnContext(v -> r.run());
  }

  /** Runs f's result on the UI thread; a failure becomes an error notice in the chat. */
  private <T> void ui(Future<T> f, Consumer<T> ok) {
    f.onComplete(ar -> post(() -> {
      if (ar.succeeded()) {
        ok.accept(ar.result());
      } else {
        error(ar.cause().getMessage());
      }
    }));
  }

  private void error(String message) {
    chat.addNotice("error: " + message, Tone.ERROR);
    flash = "error: " + message;
    scrollFromBottom = 0;
  }

  private void startNetwork() {
    onLoop(() -> {
      socket = new LiveSocket(vertx, settings.url(), settings.token(), new LiveSocket.Listener() {
        @Override
        public void onEvent(String sid, long seq, JsonObject event) {
          post(() -> onSessionEvent(sid, seq, event));
        }

        @Override
        public void onUnsequencedEvent(String sid, JsonObject event) {
          post(() -> {
            if (sid.equals(sessionId)) {
              chat.applyUnsequenced(event);
            }
          });
        }

        @Override
        public void onState(LiveSocket.State state, String detail) {
          post(() -> connection = state == LiveSocket.State.RECONNECTING || state == LiveSocket.State.CLOSED
              ? state.name().toLowerCase() + " (" + detail + ")" : state.name().toLowerCase());
        }

        @Override
        public void onServerError(String code, String message) {
          post(() -> {
            chat.localMessageRefused();
            error(code + " " + message);
          });
        }
      });
      socket.connect().onFailure(t -> post(() -> flash = t.getMessage()));
    });
    chat.addNotice("connecting to " + settings.url() + "…", Tone.DIM);
    if (initialSession != null) {
      openSession(initialSession);
    } else {
      ui(api.listSessions(null), items -> {
        if (!items.isEmpty()) {
          openSession(items.get(0).getString("id"));
        } else {
          chat.addNotice("No sessions yet. Create one with /new PROVIDER MODEL, or /template NAME. /help for more.",
              Tone.SYSTEM);
        }
      });
    }
  }

  private void loopUntilQuit() throws IOException {
    draw(true);
    while (running) {
      boolean dirty = false;
      KeyStroke key;
      while ((key = screen.pollInput()) != null) {
        handleKey(key);
        dirty = true;
        if (!running) {
          return;
        }
      }
      if (escapePending && System.currentTimeMillis() - escapeAt > 80) {
        escapePending = false;
        onEscape();
        dirty = true;
      }
      Runnable task;
      while ((task = tasks.poll()) != null) {
        runTask(task);
        dirty = true;
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

  private void runTask(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      debug("task failed: " + e);
      error(String.valueOf(e.getMessage()));
    }
  }

  // ---------------------------------------------------------------- sessions

  private void openSession(String id) {
    if (sessionId != null && !sessionId.equals(id)) {
      String old = sessionId;
      onLoop(() -> socket.unsubscribe(old));
    }
    sessionId = id;
    chat = new ChatModel();
    chat.addNotice("loading session " + SessionList.shortId(id) + "…", Tone.DIM);
    scrollFromBottom = 0;
    bufferedEvents = new ArrayList<>();
    // afterSeq 0: every held event is replayed, so nothing between the GET and the subscription is lost;
    // ChatModel folds replays of stored messages idempotently
    onLoop(() -> socket.subscribe(id, 0L));
    api.getSession(id).onComplete(ar -> post(() -> {
      if (!id.equals(sessionId)) {
        return;
      }
      if (ar.failed()) {
        chat = new ChatModel();
        bufferedEvents = null;
        error("cannot open session " + id + ": " + ar.cause().getMessage());
        return;
      }
      chat.loadSession(ar.result());
      if (noticeAfterLoad != null) {
        chat.addNotice(noticeAfterLoad, Tone.SYSTEM);
        noticeAfterLoad = null;
      }
      List<Object[]> held = bufferedEvents;
      bufferedEvents = null;
      for (Object[] e : held) {
        chat.apply((Long) e[0], (JsonObject) e[1]);
      }
      chat.takeTurnStartedElsewhere(); // replayed turns: their messages came with the history
    }));
  }

  private void onSessionEvent(String sid, long seq, JsonObject event) {
    if (!sid.equals(sessionId)) {
      return;
    }
    if (bufferedEvents != null) {
      bufferedEvents.add(new Object[] {seq, event});
      return;
    }
    chat.apply(seq, event);
    if ("turn_started".equals(event.getString("type")) && chat.takeTurnStartedElsewhere()) {
      // another client sent this turn's message: fetch its text
      ChatModel target = chat;
      api.getSession(sid).onSuccess(s -> post(() -> {
        if (chat == target) {
          chat.addMissingUserMessages(s.getJsonArray("messages", new io.vertx.core.json.JsonArray()));
        }
      }));
    }
    if ("approval_required".equals(event.getString("type"))) {
      flash = "approval required: y allow, n deny";
      scrollFromBottom = 0;
    }
    if ("elicitation_required".equals(event.getString("type"))) {
      flash = "a tool asks: a accept, d decline";
      scrollFromBottom = 0;
    }
  }

  private void refreshSessionList() {
    String q = sessions.query();
    ui(api.listSessions(q), items -> {
      if (!q.equals(sessions.query())) {
        return; // a newer search is on its way
      }
      if (!q.isBlank()) {
        items.forEach(s -> s.put("_serverHit", true));
      }
      sessions.setItems(items);
    });
  }

  private void createSession(JsonObject body) {
    ui(api.createSession(body), s -> {
      openSession(s.getString("id"));
      noticeAfterLoad = "created session " + s.getString("id");
      flash = "new session " + SessionList.shortId(s.getString("id"));
      mode = Mode.CHAT;
    });
  }

  // ---------------------------------------------------------------- keys

  private void handleKey(KeyStroke k) {
    debug("key " + k);
    if (k.getKeyType() == KeyType.EOF) {
      running = false;
      return;
    }
    if (isCtrl(k, 'c')) {
      running = false;
      return;
    }
    if (k.getKeyType() == KeyType.Escape) {
      // ESC may be the first half of Alt+Enter sent as two reads; decide on the next key
      escapePending = true;
      escapeAt = System.currentTimeMillis();
      return;
    }
    boolean alt = k.isAltDown() || (escapePending && System.currentTimeMillis() - escapeAt <= 80);
    escapePending = false;
    switch (mode) {
      case CHAT -> chatKey(k, alt);
      case SESSIONS -> sessionsKey(k);
      case PROMPT -> promptKey(k);
      default -> { }
    }
  }

  private void onEscape() {
    if (mode == Mode.SESSIONS) {
      mode = Mode.CHAT;
    } else if (mode == Mode.PROMPT) {
      mode = promptReturn;
    } else {
      flash = "";
    }
  }

  private static boolean isCtrl(KeyStroke k, char c) {
    return k.getKeyType() == KeyType.Character && k.isCtrlDown() && Character.toLowerCase(k.getCharacter()) == c;
  }

  private static boolean isNewlineKey(KeyStroke k, boolean alt) {
    if (k.getKeyType() == KeyType.Enter) {
      return alt;
    }
    return k.getKeyType() == KeyType.Character && k.isCtrlDown() && alt
        && (k.getCharacter() == 'j' || k.getCharacter() == 'm');
  }

  private void chatKey(KeyStroke k, boolean alt) {
    if (isNewlineKey(k, alt)) {
      input.newline();
      return;
    }
    ChatModel.ToolBlock approval = chat.pendingApproval();
    if (approval != null && input.isEmpty() && k.getKeyType() == KeyType.Character && !k.isCtrlDown()
        && (k.getCharacter() == 'y' || k.getCharacter() == 'n')) {
      answerApproval(approval, k.getCharacter() == 'y');
      return;
    }
    ChatModel.ElicitationBlock question = chat.pendingElicitation();
    if (approval == null && question != null && input.isEmpty() && k.getKeyType() == KeyType.Character && !k.isCtrlDown()
        && (k.getCharacter() == 'a' || k.getCharacter() == 'd')) {
      answerElicitation(question, k.getCharacter() == 'a' ? "accept" : "decline", List.of());
      return;
    }
    switch (k.getKeyType()) {
      case Enter -> submit();
      case Tab -> {
        if (SlashCommands.isCommand(input.text())) {
          input.setText(SlashCommands.complete(input.text()));
        }
      }
      case Backspace -> input.backspace();
      case Delete -> input.delete();
      case ArrowLeft -> input.left();
      case ArrowRight -> input.right();
      case ArrowUp -> input.up();
      case ArrowDown -> input.down();
      case Home -> input.home();
      case End -> input.end();
      case PageUp -> scrollFromBottom += Math.max(1, chatRows - 2);
      case PageDown -> scrollFromBottom = Math.max(0, scrollFromBottom - Math.max(1, chatRows - 2));
      case Character -> {
        char c = k.getCharacter();
        if (k.isCtrlDown()) {
          switch (Character.toLowerCase(c)) {
            case 't' -> showThinking = !showThinking;
            case 'u' -> input.killToLineStart();
            case 'a' -> input.home();
            case 'e' -> input.end();
            case 'o' -> enterSessions();
            case 'l' -> draw(true);
            default -> { }
          }
        } else {
          input.insert(c);
        }
      }
      default -> { }
    }
  }

  private void answerApproval(ChatModel.ToolBlock t, boolean allow) {
    String sid = sessionId;
    chat.markApproval(t.callId, allow);
    flash = (allow ? "allowed " : "denied ") + t.name;
    onLoop(() -> socket.approve(sid, t.callId, allow)
        .onFailure(e -> post(() -> error("approval not sent: " + e.getMessage()))));
  }

  /** accept with the defaults (the server fills every field left out) or with some fields changed; or decline. */
  private void answerElicitation(ChatModel.ElicitationBlock e, String action, List<String> assignments) {
    JsonObject content;
    try {
      content = "accept".equals(action) ? e.content(assignments) : null;
    } catch (IllegalArgumentException bad) {
      error(bad.getMessage());
      return;
    }
    String sid = sessionId;
    chat.markElicitation(e.elicitationId, action);
    flash = ("accept".equals(action) ? "accepted " : "declined ") + e.server + "'s question";
    onLoop(() -> socket.elicit(sid, e.elicitationId, action, content)
        .onFailure(err -> post(() -> error("answer not sent: " + err.getMessage()))));
  }

  private void submit() {
    String text = input.submit();
    if (text.isBlank()) {
      return;
    }
    scrollFromBottom = 0;
    SlashCommands.Invocation cmd = SlashCommands.parse(text);
    if (cmd != null) {
      command(cmd);
      return;
    }
    String message = text.startsWith("//") ? text.substring(1) : text;
    if (sessionId == null) {
      error("no session open: /new PROVIDER MODEL or /sessions");
      return;
    }
    String sid = sessionId;
    chat.addLocalUserMessage(message);
    onLoop(() -> {
      if (socket.state() == LiveSocket.State.CONNECTED) {
        socket.send(sid, message).onFailure(t -> ui(api.sendMessage(sid, message), ack -> { }));
      } else {
        // offline WebSocket: post over HTTP; the reply arrives after reconnection via afterSeq
        ui(api.sendMessage(sid, message), ack -> { });
      }
    });
  }

  private void command(SlashCommands.Invocation cmd) {
    String args = cmd.args();
    switch (cmd.name()) {
      case "/quit", "/exit", "/q" -> running = false;
      case "/help" -> help();
      case "/new" -> {
        String[] a = args.isBlank() ? new String[0] : args.split("\\s+");
        String provider = a.length > 0 ? a[0] : chat.session().getString("provider");
        String model = a.length > 1 ? a[1] : chat.session().getString("model");
        if (provider == null || model == null) {
          error("usage: /new PROVIDER MODEL (no current session to copy them from)");
          return;
        }
        JsonObject body = new JsonObject().put("provider", provider).put("model", model);
        if (a.length == 0 && chat.session().getString("credentialId") != null) {
          body.put("credentialId", chat.session().getString("credentialId"));
        }
        createSession(body);
      }
      case "/sessions" -> enterSessions();
      case "/model" -> {
        if (args.isBlank()) {
          ui(api.listModels(chat.session().getString("provider")), models -> {
            StringBuilder sb = new StringBuilder("models");
            models.forEach(m -> sb.append("\n  ").append(m.getString("id")).append("  ")
                .append(m.getString("displayName", "")));
            chat.addNotice(models.isEmpty() ? "no models listed" : sb.toString(), Tone.SYSTEM);
          });
        } else if (requireSession()) {
          ui(api.patchSession(sessionId, new JsonObject().put("model", args)), s -> {
            chat.updateSession(s.isEmpty() ? new JsonObject().put("model", args) : s);
            chat.addNotice("model is now " + chat.session().getString("model"), Tone.SYSTEM);
          });
        }
      }
      case "/template" -> ui(api.listTemplates(), templates -> {
        if (args.isBlank()) {
          StringBuilder sb = new StringBuilder("templates");
          templates.forEach(t -> sb.append("\n  ").append(t.getString("name")).append("  ")
              .append(t.getString("provider", "")).append("/").append(t.getString("model", "")).append("  ")
              .append(t.getString("description", "")));
          chat.addNotice(templates.isEmpty() ? "no templates" : sb.toString(), Tone.SYSTEM);
          return;
        }
        JsonObject t = templates.stream()
            .filter(x -> args.equalsIgnoreCase(x.getString("name")) || args.equals(x.getString("id")))
            .findFirst().orElse(null);
        if (t == null) {
          error("no template named " + args);
          return;
        }
        createSession(new JsonObject().put("templateId", t.getString("id")).put("title", t.getString("name"))
            .put("provider", t.getString("provider")).put("model", t.getString("model")));
      });
      case "/tools" -> ui(api.listTools(), tools -> {
        StringBuilder sb = new StringBuilder("tools");
        tools.forEach(t -> sb.append("\n  ").append(t.getString("name")).append("  [")
            .append(t.getString("policy", "?")).append("]  ").append(t.getString("source", ""))
            .append(Boolean.FALSE.equals(t.getBoolean("enabled")) ? "  (disabled)" : ""));
        chat.addNotice(tools.isEmpty() ? "no tools" : sb.toString(), Tone.SYSTEM);
      });
      case "/accept", "/decline" -> {
        ChatModel.ElicitationBlock question = chat.pendingElicitation();
        if (question == null) {
          error("no question from a tool is waiting");
        } else {
          answerElicitation(question, cmd.name().substring(1), args.isBlank() ? List.of() : List.of(args.split("\\s+")));
        }
      }
      case "/cancel" -> {
        if (requireSession()) {
          String sid = sessionId;
          onLoop(() -> socket.cancel(sid).onFailure(t -> ui(api.cancel(sid), v -> { })));
          flash = "cancel requested";
        }
      }
      case "/compact" -> {
        if (requireSession()) {
          ui(api.compact(sessionId), v -> chat.addNotice("compaction requested", Tone.SYSTEM));
        }
      }
      case "/export" -> {
        if (requireSession()) {
          String file = args.isBlank() ? "maestro-" + SessionList.shortId(sessionId) + ".md" : args;
          String format = file.endsWith(".json") ? "json" : "markdown";
          Path path = Path.of(file).toAbsolutePath();
          ui(api.export(sessionId, format).compose(b -> vertx.fileSystem().writeFile(path.toString(), b)),
              v -> chat.addNotice("exported to " + path, Tone.SYSTEM));
        }
      }
      case "/rename" -> {
        if (requireSession()) {
          if (args.isBlank()) {
            error("usage: /rename TITLE");
          } else {
            rename(sessionId, args);
          }
        }
      }
      case "/thinking" -> showThinking = !showThinking;
      default -> error("unknown command " + cmd.name() + " (/help lists them)");
    }
  }

  private boolean requireSession() {
    if (sessionId == null) {
      error("no session open");
      return false;
    }
    return true;
  }

  private void rename(String id, String title) {
    ui(api.patchSession(id, new JsonObject().put("title", title)), s -> {
      if (id.equals(sessionId)) {
        chat.updateSession(new JsonObject().put("title", title));
      }
      flash = "renamed to " + title;
      if (mode == Mode.SESSIONS) {
        refreshSessionList();
      }
    });
  }

  private void help() {
    StringBuilder sb = new StringBuilder("commands");
    for (SlashCommands.Command c : SlashCommands.ALL) {
      sb.append("\n  ").append(String.format("%-28s", c.usage())).append(c.help());
    }
    sb.append("\nkeys\n  Enter send · Alt+Enter new line · Up/Down history · Tab complete · PgUp/PgDn scroll")
        .append("\n  y/n answer an approval, a/d a tool's question (input empty) · Ctrl+T thinking · Ctrl+O sessions · Ctrl+C quit")
        .append("\n  start a message with // to send a literal leading slash");
    chat.addNotice(sb.toString(), Tone.SYSTEM);
  }

  private void enterSessions() {
    mode = Mode.SESSIONS;
    refreshSessionList();
  }

  private void sessionsKey(KeyStroke k) {
    switch (k.getKeyType()) {
      case ArrowUp -> sessions.up();
      case ArrowDown -> sessions.down();
      case Enter -> {
        String id = sessions.selectedId();
        if (id != null) {
          openSession(id);
          mode = Mode.CHAT;
        }
      }
      case Backspace -> {
        sessions.backspace();
        refreshSessionList();
      }
      case Delete -> confirmDelete();
      case Character -> {
        char c = k.getCharacter();
        if (k.isCtrlDown()) {
          switch (Character.toLowerCase(c)) {
            case 'n' -> command(new SlashCommands.Invocation("/new", ""));
            case 'r' -> {
              JsonObject s = sessions.selected();
              if (s != null) {
                String id = s.getString("id");
                prompt("rename to", s.getString("title", ""), false, title -> {
                  if (!title.isBlank()) {
                    rename(id, title.strip());
                  }
                });
              }
            }
            case 'd' -> confirmDelete();
            default -> { }
          }
        } else {
          sessions.type(c);
          refreshSessionList();
        }
      }
      default -> { }
    }
  }

  private void confirmDelete() {
    JsonObject s = sessions.selected();
    if (s == null) {
      return;
    }
    String id = s.getString("id");
    prompt("delete \"" + s.getString("title", SessionList.shortId(id)) + "\"? y/n", "", true, answer -> {
      if (answer.equals("y")) {
        ui(api.deleteSession(id), v -> {
          flash = "deleted " + SessionList.shortId(id);
          if (id.equals(sessionId)) {
            onLoop(() -> socket.unsubscribe(id));
            sessionId = null;
            chat = new ChatModel();
          }
          refreshSessionList();
        });
      }
    });
  }

  private void prompt(String label, String initial, boolean singleKey, Consumer<String> action) {
    promptReturn = mode;
    mode = Mode.PROMPT;
    promptLabel = label;
    promptSingleKey = singleKey;
    promptAction = action;
    promptInput.setText(initial);
  }

  private void promptKey(KeyStroke k) {
    if (promptSingleKey) {
      mode = promptReturn;
      promptAction.accept(k.getKeyType() == KeyType.Character ? String.valueOf(k.getCharacter()) : "");
      return;
    }
    switch (k.getKeyType()) {
      case Enter -> {
        mode = promptReturn;
        promptAction.accept(promptInput.text());
      }
      case Backspace -> promptInput.backspace();
      case ArrowLeft -> promptInput.left();
      case ArrowRight -> promptInput.right();
      case Character -> {
        if (!k.isCtrlDown()) {
          promptInput.insert(k.getCharacter());
        }
      }
      default -> { }
    }
  }

  // ---------------------------------------------------------------- drawing

  private void draw(boolean full) {
    if (screen == null) {
      return;
    }
    TerminalSize size = screen.getTerminalSize();
    int cols = Math.max(20, size.getColumns());
    int rows = Math.max(6, size.getRows());
    screen.clear();
    TextGraphics g = screen.newTextGraphics();
    if (mode == Mode.SESSIONS || (mode == Mode.PROMPT && promptReturn == Mode.SESSIONS)) {
      drawSessions(g, cols, rows);
    } else {
      drawChat(g, cols, rows);
    }
    try {
      screen.refresh(full ? Screen.RefreshType.COMPLETE : Screen.RefreshType.DELTA);
    } catch (IOException e) {
      running = false;
    }
  }

  private void drawChat(TextGraphics g, int cols, int rows) {
    List<String> inLines = mode == Mode.PROMPT ? List.of(promptLabel + ": " + promptInput.text()) : input.lines();
    int inputRows = Math.min(6, inLines.size());
    List<SlashCommands.Command> suggestions = mode == Mode.CHAT ? SlashCommands.matches(input.text()) : List.of();
    int suggestRows = Math.min(suggestions.size(), 6);
    chatRows = Math.max(1, rows - inputRows - 2 - suggestRows);

    List<StyledLine> lines = ChatRenderer.render(chat, cols - 1, showThinking);
    int maxScroll = Math.max(0, lines.size() - chatRows);
    scrollFromBottom = Math.min(scrollFromBottom, maxScroll);
    int start = Math.max(0, lines.size() - chatRows - scrollFromBottom);
    for (int r = 0; r < chatRows && start + r < lines.size(); r++) {
      putLine(g, 0, r, lines.get(start + r), cols);
    }
    int row = chatRows;
    for (int i = 0; i < suggestRows; i++) {
      SlashCommands.Command c = suggestions.get(i);
      putLine(g, 0, row++, StyledLine.of(Span.bold("  " + c.usage(), Tone.SYSTEM), Span.of("  " + c.help(), Tone.DIM)),
          cols);
    }
    String rule = scrollFromBottom > 0 ? "── ↑ " + scrollFromBottom + " lines above the bottom (PgDn) " : "";
    putLine(g, 0, row++, StyledLine.plain(pad(rule, cols, '─'), Tone.DIM), cols);
    int inputTop = row;
    int firstShown = mode == Mode.PROMPT ? 0 : Math.max(0, Math.min(input.row(), inLines.size() - inputRows));
    for (int i = 0; i < inputRows; i++) {
      String prefix = mode == Mode.PROMPT ? "" : (firstShown + i == 0 ? "> " : "  ");
      putLine(g, 0, row++, StyledLine.of(Span.bold(prefix, Tone.USER), Span.of(inLines.get(firstShown + i), Tone.NORMAL)),
          cols);
    }
    drawStatus(g, cols, rows - 1);
    if (mode == Mode.PROMPT) {
      screen.setCursorPosition(new TerminalPosition(Math.min(cols - 1, promptLabel.length() + 2 + promptInput.col()),
          inputTop));
    } else {
      screen.setCursorPosition(new TerminalPosition(Math.min(cols - 1, 2 + input.col()),
          inputTop + input.row() - firstShown));
    }
  }

  private void drawSessions(TextGraphics g, int cols, int rows) {
    putLine(g, 0, 0, StyledLine.of(Span.bold("Sessions", Tone.HEADING),
        Span.of("  type to search · Enter open · Ctrl+N new · Ctrl+R rename · Ctrl+D delete · Esc back", Tone.DIM)),
        cols);
    if (mode == Mode.PROMPT) {
      putLine(g, 0, 1, StyledLine.of(Span.bold(promptLabel + ": ", Tone.APPROVAL), Span.of(promptInput.text(),
          Tone.NORMAL)), cols);
    } else {
      putLine(g, 0, 1, StyledLine.of(Span.bold("search: ", Tone.SYSTEM), Span.of(sessions.query(), Tone.NORMAL)), cols);
    }
    List<JsonObject> visible = sessions.visible();
    int listRows = rows - 4;
    int first = Math.max(0, sessions.selectedIndex() - listRows + 1);
    for (int i = 0; i < listRows && first + i < visible.size(); i++) {
      JsonObject s = visible.get(first + i);
      boolean sel = first + i == sessions.selectedIndex();
      String text = (sel ? "›" : " ") + SessionList.row(s, sessionId);
      putLine(g, 0, 3 + i, StyledLine.of(new Span(pad(text, cols, ' '), sel ? Tone.USER : Tone.NORMAL, sel, false)),
          cols);
    }
    if (visible.isEmpty()) {
      putLine(g, 0, 3, StyledLine.plain("  (no sessions)", Tone.DIM), cols);
    }
    drawStatus(g, cols, rows - 1);
    screen.setCursorPosition(new TerminalPosition(Math.min(cols - 1, 8 + sessions.query().length()), 1));
  }

  private void drawStatus(TextGraphics g, int cols, int row) {
    JsonObject s = chat.session();
    String title = sessionId == null ? "no session"
        : s.getString("title") != null && !s.getString("title").isBlank() ? s.getString("title")
        : SessionList.shortId(sessionId);
    String model = s.getString("model", "?");
    String tokens = "in " + chat.inputTokens() + " out " + chat.outputTokens() + " tok";
    String cost = Pricing.format(Pricing.estimate(model, chat.inputTokens(), chat.outputTokens()));
    String presence = chat.openIn().size() > 1 ? " · open in " + chat.openIn().size() : "";
    String turn = chat.turnInFlight() ? " · working" : "";
    String left = " " + title + " [" + (sessionId == null ? "-" : SessionList.shortId(sessionId)) + "] · "
        + connection + turn + presence + " · " + s.getString("provider", "?") + "/" + model + " · " + tokens + " · "
        + cost + " ";
    String right = chat.pendingApproval() != null ? " approval: y/n "
        : chat.pendingElicitation() != null ? " question: a/d " : flash.isEmpty() ? "" : " " + flash + " ";
    // the right part (approval hint, last message) matters most: the left part gives way
    if (right.length() > cols) {
      right = right.substring(0, cols);
    }
    if (left.length() + right.length() > cols) {
      left = left.substring(0, cols - right.length());
    }
    String text = left + " ".repeat(cols - left.length() - right.length()) + right;
    g.setBackgroundColor(TextColor.ANSI.BLUE);
    g.setForegroundColor(TextColor.ANSI.WHITE_BRIGHT);
    g.enableModifiers(SGR.BOLD);
    g.putString(0, row, text.length() > cols ? text.substring(0, cols) : text);
    g.disableModifiers(SGR.BOLD);
    g.setBackgroundColor(TextColor.ANSI.DEFAULT);
    g.setForegroundColor(TextColor.ANSI.DEFAULT);
  }

  private static String pad(String s, int cols, char fill) {
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
      default -> TextColor.ANSI.DEFAULT;
    };
  }
}
