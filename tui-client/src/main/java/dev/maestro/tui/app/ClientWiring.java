package dev.maestro.tui.app;

import dev.maestro.tui.app.command.CommandContext;
import dev.maestro.tui.app.command.CommandTable;
import dev.maestro.tui.cli.ClientSettings;
import dev.maestro.tui.client.GatewayClient;
import dev.maestro.tui.client.LiveSocket;
import dev.maestro.tui.view.ChatModel;
import dev.maestro.tui.view.SessionList;
import dev.maestro.tui.view.SlashCommands;
import dev.maestro.tui.view.Tone;
import dev.maestro.tui.view.ToolsView;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The client's wiring between the view state and the gateway: the LiveSocket (on one Vert.x
 * context, only called there), the HTTP API, opening sessions without losing events, sending,
 * approvals and questions. Every callback from the network comes back through {@code uiThread};
 * every other method runs on the UI thread.
 */
final class ClientWiring implements KeyActions, CommandContext {
  private final Vertx vertx;
  private final GatewayClient api;
  private final ClientSettings settings;
  private final Executor uiThread;
  private final Context loop;
  private final UiState state;
  private final CommandTable commands = CommandTable.standard();
  private LiveSocket socket;
  private List<Object[]> bufferedEvents; // events that arrived while the session was loading
  private String noticeAfterLoad;
  /** Issue 16: bell and status line when a run of the user's finishes or waits for approval. */
  private RunsWatcher runsWatcher;

  ClientWiring(Vertx vertx, GatewayClient api, ClientSettings settings, UiState state, Executor uiThread) {
    this.vertx = vertx;
    this.api = api;
    this.settings = settings;
    this.state = state;
    this.uiThread = uiThread;
    this.loop = vertx.getOrCreateContext();
  }

  @Override
  public UiState state() {
    return state;
  }

  @Override
  public GatewayClient api() {
    return api;
  }

  private void onLoop(Runnable r) {
    loop.runOnContext(v -> r.run());
  }

  @Override
  public <T> void onUi(Future<T> f, Consumer<T> ok) {
    f.onComplete(ar -> uiThread.execute(() -> {
      if (ar.succeeded()) {
        ok.accept(ar.result());
      } else {
        state.error(ar.cause().getMessage());
      }
    }));
  }

  // ---------------------------------------------------------------- start and stop

  void start(String initialSession) {
    onLoop(() -> {
      socket = new LiveSocket(vertx, settings.url(), settings.token(), new LiveSocket.Listener() {
        @Override
        public void onEvent(String sid, long seq, JsonObject event) {
          uiThread.execute(() -> onSessionEvent(sid, seq, event));
        }

        @Override
        public void onUnsequencedEvent(String sid, JsonObject event) {
          uiThread.execute(() -> {
            if (sid.equals(state.sessionId)) {
              state.chat.applyUnsequenced(event);
            }
          });
        }

        @Override
        public void onState(LiveSocket.State s, String detail) {
          uiThread.execute(() -> state.connection = s == LiveSocket.State.RECONNECTING || s == LiveSocket.State.CLOSED
              ? s.name().toLowerCase() + " (" + detail + ")" : s.name().toLowerCase());
        }

        @Override
        public void onCatalogChanged(JsonObject frame) {
          refreshMcp();   // Tab completion of @resources and /server:prompt sees the change at once
        }

        @Override
        public void onServerError(String code, String message) {
          uiThread.execute(() -> {
            state.chat.localMessageRefused();
            state.error(code + " " + message);
          });
        }
      });
      socket.connect().onFailure(t -> uiThread.execute(() -> state.flash = t.getMessage()));
    });
    state.chat.addNotice("connecting to " + settings.url() + "…", Tone.DIM);
    // an unsandboxed command tool is said at once, not only when someone types /tools
    api.listTools().onSuccess(tools -> uiThread.execute(() -> sandboxWarning(ToolsView.sandboxWarning(tools))));
    runsWatcher = new RunsWatcher(vertx, api, state, uiThread);
    runsWatcher.start();
    refreshMcp();
    if (initialSession != null) {
      openSession(initialSession);
    } else {
      onUi(api.listSessions(null), items -> {
        if (!items.isEmpty()) {
          openSession(items.get(0).getString("id"));
        } else {
          state.chat.addNotice("No sessions yet. Create one with /new PROVIDER MODEL, or /template NAME. /help for more.",
              Tone.SYSTEM);
        }
      });
    }
  }

  void stop() {
    if (runsWatcher != null) {
      runsWatcher.stop();
    }
    onLoop(() -> {
      if (socket != null) {
        socket.close();
      }
    });
  }

  // ---------------------------------------------------------------- sessions

  void openSession(String id) {
    if (state.sessionId != null && !state.sessionId.equals(id)) {
      String old = state.sessionId;
      onLoop(() -> socket.unsubscribe(old));
    }
    state.sessionId = id;
    state.chat = new ChatModel();
    state.chat.addNotice("loading session " + SessionList.shortId(id) + "…", Tone.DIM);
    state.scrollFromBottom = 0;
    bufferedEvents = new ArrayList<>();
    // afterSeq 0: every held event is replayed, so nothing between the GET and the subscription is lost;
    // ChatModel folds replays of stored messages idempotently
    onLoop(() -> socket.subscribe(id, 0L));
    api.getSession(id).onComplete(ar -> uiThread.execute(() -> {
      if (!id.equals(state.sessionId)) {
        return;
      }
      if (ar.failed()) {
        state.chat = new ChatModel();
        bufferedEvents = null;
        state.error("cannot open session " + id + ": " + ar.cause().getMessage());
        return;
      }
      state.chat.loadSession(ar.result());
      if (noticeAfterLoad != null) {
        state.chat.addNotice(noticeAfterLoad, Tone.SYSTEM);
        noticeAfterLoad = null;
      }
      List<Object[]> held = bufferedEvents;
      bufferedEvents = null;
      for (Object[] e : held) {
        state.chat.apply((Long) e[0], (JsonObject) e[1]);
      }
      reloadAnnouncedTurn(id); // (the history may have been read before that turn was stored as ended)
      state.chat.takeTurnStartedElsewhere(); // replayed turns: their messages came with the history
    }));
  }

  private void onSessionEvent(String sid, long seq, JsonObject event) {
    if (!sid.equals(state.sessionId)) {
      return;
    }
    if (bufferedEvents != null) {
      bufferedEvents.add(new Object[] {seq, event});
      return;
    }
    state.chat.apply(seq, event);
    reloadAnnouncedTurn(sid);
    if ("turn_started".equals(event.getString("type")) && state.chat.takeTurnStartedElsewhere()) {
      // another client sent this turn's message: fetch its text
      ChatModel target = state.chat;
      api.getSession(sid).onSuccess(s -> uiThread.execute(() -> {
        if (state.chat == target) {
          state.chat.addMissingUserMessages(s.getJsonArray("messages", new JsonArray()));
        }
      }));
    }
    // (one asked again by the node a drain handed the turn to, answered here meanwhile, is not waiting)
    if ("approval_required".equals(event.getString("type")) && state.chat.pendingApproval() != null) {
      state.flash = "approval required: y allow, n deny";
      state.scrollFromBottom = 0;
    }
    if ("elicitation_required".equals(event.getString("type"))) {
      state.flash = "a tool asks: a accept, d decline";
      state.scrollFromBottom = 0;
    }
  }

  /** A truncated marker announced events of an ended turn that will not come: its stored messages are complete. */
  private void reloadAnnouncedTurn(String sid) {
    String turn = state.chat.takeTurnToReload();
    if (turn == null) {
      return;
    }
    ChatModel target = state.chat;
    api.getSession(sid).onSuccess(s -> uiThread.execute(() -> {
      if (state.chat == target) {
        state.chat.reloadTurn(turn, s.getJsonArray("messages", new JsonArray()));
      }
    }));
  }

  private void refreshSessionList() {
    String q = state.sessions.query();
    onUi(api.listSessions(q), items -> {
      if (!q.equals(state.sessions.query())) {
        return; // a newer search is on its way
      }
      if (!q.isBlank()) {
        items.forEach(s -> s.put("_serverHit", true));
      }
      state.sessions.setItems(items);
    });
  }

  @Override
  public void createSession(JsonObject body) {
    onUi(api.createSession(body), s -> {
      openSession(s.getString("id"));
      noticeAfterLoad = "created session " + s.getString("id");
      state.flash = "new session " + SessionList.shortId(s.getString("id"));
      state.mode = Mode.CHAT;
    });
  }

  @Override
  public void rename(String id, String title) {
    onUi(api.patchSession(id, new JsonObject().put("title", title)), s -> {
      if (id.equals(state.sessionId)) {
        state.chat.updateSession(new JsonObject().put("title", title));
      }
      state.flash = "renamed to " + title;
      if (state.mode == Mode.SESSIONS) {
        refreshSessionList();
      }
    });
  }

  // ---------------------------------------------------------------- what keys do

  @Override
  public void quit() {
    state.running = false;
  }

  @Override
  public void submit() {
    String text = state.input.submit();
    if (text.isBlank()) {
      return;
    }
    state.scrollFromBottom = 0;
    SlashCommands.Invocation cmd = SlashCommands.parse(text);
    if (cmd != null && cmd.name().indexOf(':') > 0 && commands.find(cmd.name()) == null) {
      runMcpPrompt(text.strip());
      return;
    }
    if (cmd != null) {
      commands.run(cmd, this);
      return;
    }
    String message = text.startsWith("//") ? text.substring(1) : text;
    if (state.sessionId == null) {
      state.error("no session open: /new PROVIDER MODEL or /sessions");
      return;
    }
    send(message);
  }

  private void send(String message) {
    String sid = state.sessionId;
    if (state.chat.turnInFlight()) {
      // issue 16: a turn runs — the message is queued by the server and starts after it
      onUi(api.sendMessage(sid, message, "queue"), ack -> {
        state.chat.addNotice("queued: " + message, Tone.DIM);
        state.flash = "queued — it runs after this turn";
      });
      return;
    }
    // @uri of a known MCP resource attaches it (its content goes to the model as context)
    io.vertx.core.json.JsonArray attachments = state.mcp.attachments(message);
    state.chat.addLocalUserMessage(message);
    if (!attachments.isEmpty()) state.flash = "attached " + attachments.size() + " MCP resource(s)";
    onLoop(() -> {
      if (socket.state() == LiveSocket.State.CONNECTED) {
        socket.send(sid, message, attachments).onFailure(t -> onUi(api.sendMessage(sid, message, attachments), ack -> { }));
      } else {
        // offline WebSocket: post over HTTP; the reply arrives after reconnection via afterSeq
        onUi(api.sendMessage(sid, message, attachments), ack -> { });
      }
    });
  }

  @Override
  public void steerInput() {
    String text = state.input.submit();
    if (text.isBlank() || !requireSession()) {
      return;
    }
    String sid = state.sessionId;
    onUi(api.sendMessage(sid, text, "steer"), ack -> {
      state.chat.addNotice("steered: " + text, Tone.DIM);
      state.flash = "steered into the running turn";
    });
  }

  @Override
  public void allowForSession() {
    ChatModel.ToolBlock t = state.chat.pendingApproval();
    if (t == null) {
      return;
    }
    String sid = state.sessionId;
    state.chat.markApproval(t.callId, true);
    state.flash = "allowed " + t.name + " for this session";
    // the status line is overwritten by the next status (a run finishing): the conversation keeps the record
    onUi(api.allowForSession(sid, t.callId), v -> state.chat.addNotice("allowed " + t.name + " for this session", Tone.DIM));
  }

  @Override
  public void refreshMcp() {
    onLoop(() -> api.listMcpResources().otherwise(java.util.List.of()).compose(resources -> api.listMcpPrompts()
        .otherwise(java.util.List.of()).map(prompts -> {
          uiThread.execute(() -> state.mcp.update(resources, prompts));
          return null;
        })));
  }

  /** "/server:prompt args": missing required arguments are asked for one by one, then the prompt's text is sent. */
  private void runMcpPrompt(String line) {
    int sp = line.indexOf(' ');
    String command = sp < 0 ? line : line.substring(0, sp);
    JsonObject prompt = state.mcp.prompt(command);
    if (prompt == null) {
      state.error("unknown command " + command + " (no MCP prompt by that name; Tab completes /server:prompt)");
      refreshMcp();
      return;
    }
    if (state.sessionId == null) {
      state.error("no session open: /new PROVIDER MODEL or /sessions");
      return;
    }
    java.util.Map<String, String> args = dev.maestro.tui.view.McpCompletion.arguments(prompt, sp < 0 ? "" : line.substring(sp + 1));
    askThenRun(prompt, args);
  }

  private void askThenRun(JsonObject prompt, java.util.Map<String, String> args) {
    java.util.List<JsonObject> missing = dev.maestro.tui.view.McpCompletion.missing(prompt, args);
    if (!missing.isEmpty()) {
      JsonObject a = missing.get(0);
      String label = a.getString("name") + (a.getString("description") != null ? " (" + a.getString("description") + ")" : "") + ": ";
      state.prompt(label, "", false, value -> {
        if (value.isBlank()) {
          state.flash = "prompt cancelled";
          return;
        }
        args.put(a.getString("name"), value);
        askThenRun(prompt, args);
      });
      return;
    }
    JsonObject arguments = new JsonObject();
    args.forEach(arguments::put);
    onUi(api.getMcpPrompt(prompt.getString("serverId"), prompt.getString("name"), arguments), got -> send(got.getString("text", "")));
  }

  @Override
  public void answerApproval(boolean allow) {
    ChatModel.ToolBlock t = state.chat.pendingApproval();
    if (t == null) {
      return;
    }
    String sid = state.sessionId;
    state.chat.markApproval(t.callId, allow);
    state.flash = (allow ? "allowed " : "denied ") + t.name;
    onLoop(() -> socket.approve(sid, t.callId, allow)
        .onFailure(e -> uiThread.execute(() -> state.error("approval not sent: " + e.getMessage()))));
  }

  @Override
  public void answerQuestion(boolean accept) {
    ChatModel.ElicitationBlock question = state.chat.pendingElicitation();
    if (question != null) {
      answerElicitation(question, accept ? "accept" : "decline", List.of());
    }
  }

  /** accept with the defaults (the server fills every field left out) or with some fields changed; or decline. */
  @Override
  public void answerElicitation(ChatModel.ElicitationBlock e, String action, List<String> assignments) {
    JsonObject content;
    try {
      content = "accept".equals(action) ? e.content(assignments) : null;
    } catch (IllegalArgumentException bad) {
      state.error(bad.getMessage());
      return;
    }
    String sid = state.sessionId;
    state.chat.markElicitation(e.elicitationId, action);
    state.flash = ("accept".equals(action) ? "accepted " : "declined ") + e.server + "'s question";
    onLoop(() -> socket.elicit(sid, e.elicitationId, action, content)
        .onFailure(err -> uiThread.execute(() -> state.error("answer not sent: " + err.getMessage()))));
  }

  @Override
  public void cancelTurn() {
    String sid = state.sessionId;
    onLoop(() -> socket.cancel(sid).onFailure(t -> onUi(api.cancel(sid), v -> { })));
  }

  @Override
  public void openSessionList() {
    state.mode = Mode.SESSIONS;
    refreshSessionList();
  }

  @Override
  public void searchChanged() {
    refreshSessionList();
  }

  @Override
  public void openSelectedSession() {
    String id = state.sessions.selectedId();
    if (id != null) {
      openSession(id);
      state.mode = Mode.CHAT;
    }
  }

  @Override
  public void newSession() {
    commands.run(new SlashCommands.Invocation("/new", ""), this);
  }

  @Override
  public void renameSelectedSession() {
    JsonObject s = state.sessions.selected();
    if (s == null) {
      return;
    }
    String id = s.getString("id");
    state.prompt("rename to", s.getString("title", ""), false, title -> {
      if (!title.isBlank()) {
        rename(id, title.strip());
      }
    });
  }

  @Override
  public void deleteSelectedSession() {
    JsonObject s = state.sessions.selected();
    if (s == null) {
      return;
    }
    String id = s.getString("id");
    state.prompt("delete \"" + s.getString("title", SessionList.shortId(id)) + "\"? y/n", "", true, answer -> {
      if (answer.equals("y")) {
        onUi(api.deleteSession(id), v -> {
          state.flash = "deleted " + SessionList.shortId(id);
          if (id.equals(state.sessionId)) {
            onLoop(() -> socket.unsubscribe(id));
            state.sessionId = null;
            state.chat = new ChatModel();
          }
          refreshSessionList();
        });
      }
    });
  }

  @Override
  public void sandboxWarning(String warning) {
    state.sandboxWarning = warning;
  }

  @Override
  public Future<Void> writeFile(Path path, Buffer data) {
    return vertx.fileSystem().writeFile(path.toString(), data);
  }
}
