package dev.maestro.tool.mcp;

import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolResult;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One MCP server connection and its life: status (connecting → connected | failed), a ping to notice
 * when the server dies, reconnection with exponential backoff, tools re-listed on connect and on
 * notifications/tools/list_changed. Opening ({@link McpOpener}), calls ({@link McpToolCalls}), lists
 * ({@link McpLists}) and result conversion ({@link McpResults}) are separate parts; SDK callbacks are
 * hopped onto the owning Vert.x context, and nothing here blocks an event loop.
 */
final class McpConnection {
  private static final Logger LOG = LoggerFactory.getLogger(McpConnection.class);
  static final String CONNECTED = "connected";
  static final String CONNECTING = "connecting";
  static final String FAILED = "failed";

  private final Vertx vertx;
  private final Context context;
  private final McpSettings settings;
  private final JsonObject config;
  private final Consumer<List<McpSchema.Tool>> onTools;
  private final BiConsumer<String, String> onStatus;
  private final McpAuthState auth = new McpAuthState();
  private final McpResults results;
  private final McpClientFactory clients;
  private final McpOpener opener;
  private final McpLists lists;
  private final McpToolCalls calls;
  private final MonoFutures futures;
  private final McpCatalog catalog;
  private final McpRootsOffer roots = new McpRootsOffer();
  /** Told when the server's resources or prompts change: (kind, uri or null); see Addresses.MCP_CATALOG. */
  private volatile BiConsumer<String, String> onCatalog = (kind, uri) -> { };
  private volatile Consumer<String> onProtocolVersion = v -> { };
  private volatile String instructions;
  /** The protocol version negotiated in the last successful initialize (e.g. 2025-11-25), or null before one. */
  private volatile String protocolVersion;
  /** Who answers the server's elicitation/create for the call in flight (set by the owner; default cancel). */
  private final ElicitationBridge elicitation;

  private volatile String status = CONNECTING;
  private volatile String error;
  private volatile LiveClient client;
  private int generation;
  private int attempts;
  private long retryTimer = -1;
  private long pingTimer = -1;
  private boolean closed;

  McpConnection(Vertx vertx, Context context, McpSettings settings, JsonObject config, McpTokens tokens,
                Consumer<List<McpSchema.Tool>> onTools, BiConsumer<String, String> onStatus) {
    this(vertx, context, settings, config, tokens, onTools, onStatus, null);
  }

  /** sandbox: how stdio servers are launched (null: stdio servers are refused). */
  McpConnection(Vertx vertx, Context context, McpSettings settings, JsonObject config, McpTokens tokens,
                Consumer<List<McpSchema.Tool>> onTools, BiConsumer<String, String> onStatus, McpSandbox sandbox) {
    this.vertx = vertx;
    this.context = context;
    this.settings = settings;
    this.config = config;
    this.onTools = onTools;
    this.onStatus = onStatus;
    McpJsonMapper mapper = McpJsonDefaults.getMapper();
    this.results = new McpResults(mapper);
    this.clients = new McpClientFactory(vertx, context, settings);
    this.opener = new McpOpener(vertx, context, settings, config, tokens, new McpTransports(vertx, settings, config, sandbox, mapper),
        clients, auth);
    this.lists = new McpLists(context, settings);
    this.calls = new McpToolCalls(context, name(), auth, results, roots);
    this.elicitation = calls.elicitation();
    this.futures = new MonoFutures(context);
    this.catalog = new McpCatalog(context, settings, results);
  }

  /** Instructions (from initialize) longer than this are cut: they go into every system prompt. */
  static final int MAX_INSTRUCTIONS = 8 * 1024;
  static final String RESOURCES_CHANGED = "resources_changed";
  static final String RESOURCE_UPDATED = "resource_updated";
  static final String PROMPTS_CHANGED = "prompts_changed";

  void onCatalog(BiConsumer<String, String> listener) { this.onCatalog = listener; }

  /** Told the revision the server spoke when it differs from the one stored with its configuration (to persist it). */
  void onProtocolVersion(Consumer<String> listener) { this.onProtocolVersion = listener; }

  /** The server's instructions from initialize (bounded), or null. */
  String instructions() { return instructions; }

  /** The protocol version this server agreed to in its last initialize, or null while never connected. */
  String protocolVersion() { return protocolVersion; }

  String name() { return config.getString("name"); }
  ElicitationBridge elicitation() { return elicitation; }
  String status() { return status; }
  String error() { return error; }

  /** Set while the server refuses us for lack of authorization: its WWW-Authenticate (may be ""). */
  String authChallenge() { return auth.challenge(); }

  /** (Re)connects now, dropping any current client; attempts restart from zero. */
  void connect() {
    attempts = 0;
    doConnect();
  }

  private void doConnect() {
    if (closed) return;
    cancelTimers();
    int gen = ++generation;
    dropClient();
    setStatus(CONNECTING, null);
    // The SDK's own timeouts do not cover every failure (e.g. an Error inside Reactor): bound it here too.
    Promise<Void> opened = Promise.promise();
    // twice the request timeout: the revision probe (server/discover) may come first
    long guard = vertx.setTimer((settings.requestTimeoutSeconds() * 2L + 5) * 1000L,
        id -> opened.tryFail(new IllegalStateException("no answer to initialize within " + settings.requestTimeoutSeconds() + " s")));
    open(gen).onComplete(ar -> {
      vertx.cancelTimer(guard);
      if (ar.succeeded()) opened.tryComplete();
      else opened.tryFail(ar.cause());
    });
    opened.future().onComplete(ar -> {
      if (gen != generation || closed) return;
      if (ar.failed()) {
        failed(gen, ar.cause());
        return;
      }
      attempts = 0;
      setStatus(CONNECTED, null);
      pingTimer = vertx.setPeriodic(settings.pingMillis(), id -> ping(gen));
    });
  }

  private Future<Void> open(int gen) {
    return opener.open(events(gen)).compose(live -> {
      if (gen != generation || closed) {
        // Opened too late: the guard gave up on it, a reconnect or close() came first. Nobody else holds
        // this client (a stdio server's process, an HTTP session), so it is closed here or it would leak.
        clients.close(live);
        return Future.failedFuture(new IllegalStateException("connection attempt superseded"));
      }
      auth.accepted();
      client = live;
      catalog.reset();
      String said = live.stateless() != null ? live.stateless().discovery().instructions() : live.client().getServerInstructions();
      instructions = said == null || said.isBlank() ? null : McpCatalog.cut(said.strip(), MAX_INSTRUCTIONS);
      protocolVersion = live.stateless() != null ? StatelessHttpClient.VERSION
          : negotiatedVersion(live.client().getCurrentInitializationResult());
      if (protocolVersion != null && !protocolVersion.equals(config.getString("protocolVersion"))) {
        config.put("protocolVersion", protocolVersion);
        onProtocolVersion.accept(protocolVersion);
      }
      // Some servers let initialize through and refuse tools/list: that is "sign in" as well.
      return lists.tools(live.peer()).<Void>map(tools -> {
        if (gen == generation) onTools.accept(tools);
        return null;
      }).recover(err -> Future.failedFuture(auth.explain(err, " on tools/list")));
    });
  }

  /**
   * The version from the initialize result (the SDK has already refused one it does not support);
   * bounded because it comes from an untrusted server and is shown on pages.
   */
  static String negotiatedVersion(McpSchema.InitializeResult result) {
    String v = result == null ? null : result.protocolVersion();
    if (v == null || v.isBlank()) return null;
    return v.length() > 40 ? v.substring(0, 40) : v;
  }

  /** What the server tells us, for the client of generation {@code gen}. */
  private McpClientFactory.Events events(int gen) {
    return new McpClientFactory.Events() {
      @Override public void toolsChanged() { context.runOnContext(v -> refresh(gen)); }
      @Override public void progress(McpSchema.ProgressNotification n) { calls.progress(n); }
      @Override public Mono<McpSchema.ElicitResult> elicit(McpSchema.ElicitRequest request) {
        return elicitation.handle(context, name(), request);
      }
      @Override public void resourcesChanged() { context.runOnContext(v -> changed(gen, RESOURCES_CHANGED, null)); }
      @Override public void resourceUpdated(String uri, List<McpSchema.ResourceContents> contents) {
        context.runOnContext(v -> updated(gen, uri, contents));
      }
      @Override public void promptsChanged() { context.runOnContext(v -> changed(gen, PROMPTS_CHANGED, null)); }
      @Override public List<McpSchema.Root> roots() { return roots.current(); }
    };
  }

  private void changed(int gen, String kind, String uri) {
    if (gen != generation) return;
    if (RESOURCES_CHANGED.equals(kind)) catalog.resourcesChanged();
    else catalog.promptsChanged();
    onCatalog.accept(kind, uri);
  }

  /** A subscribed resource changed: the cached copy is now its current content, then listeners are told. */
  private void updated(int gen, String uri, List<McpSchema.ResourceContents> contents) {
    if (gen != generation) return;
    catalog.resourceUpdated(uri, contents);
    onCatalog.accept(RESOURCE_UPDATED, uri);
  }

  /** The URIs this server's client is subscribed to now (least recently read first). */
  List<String> subscriptions() { return catalog.subscriptions(); }

  /** Runs {@code op} on the live client, or fails with 503 when the server is not connected. */
  private <T> Future<T> live(java.util.function.Function<McpPeer, Future<T>> op) {
    LiveClient c = client;
    if (c == null || !CONNECTED.equals(status)) {
      return io.vertx.serviceproxy.ServiceException.fail(dev.maestro.contracts.ErrorCodes.UNAVAILABLE,
          "MCP server '" + name() + "' is not connected (status " + status + "); try again later");
    }
    return op.apply(c.peer());
  }

  Future<List<JsonObject>> resources() { return live(catalog::resources); }
  Future<JsonObject> readResource(String uri) { return live(c -> catalog.read(c, uri)); }
  Future<List<JsonObject>> prompts() { return live(catalog::prompts); }
  Future<JsonObject> prompt(String name, java.util.Map<String, Object> arguments) {
    return live(c -> catalog.prompt(c, name, arguments));
  }

  /** The session uses this server: its root is offered (roots/list_changed when that changes the list). */
  Future<Void> offerRoot(String sessionId, java.nio.file.Path root) {
    return apply(roots.use(sessionId, root));
  }

  /** A session's root moved (a project worktree set): told to the server when it offers that session's root. */
  void rootMoved(String sessionId, java.nio.file.Path root) {
    apply(roots.moved(sessionId, root));
  }

  /** Roots offered now (what roots/list answers). */
  List<McpSchema.Root> roots() { return roots.current(); }

  /** Completes when the changes (and their list_changed) are sent; never fails (roots are best effort). */
  private Future<Void> apply(List<McpRootsOffer.Change> changes) {
    LiveClient c = client;
    if (changes.isEmpty() || c == null) return Future.succeededFuture();   // a client made later starts with roots.current()
    // 2026-07-28 has no roots/list_changed and asks for roots only inside a request (input requests), which
    // Maestro does not announce on that path: nothing to tell a stateless server.
    if (c.client() == null) return Future.succeededFuture();
    // the SDK sends notifications/roots/list_changed after each change (we announce roots.listChanged)
    Mono<Void> all = Mono.empty();
    for (McpRootsOffer.Change ch : changes) {
      all = all.then(ch.added() != null ? c.client().addRoot(ch.added()) : c.client().removeRoot(ch.removed()));
    }
    return futures.of(all).<Void>mapEmpty().recover(err -> {
      LOG.debug("MCP server {}: updating roots failed: {}", name(), McpErrors.message(err));
      return Future.succeededFuture();
    });
  }

  private void refresh(int gen) {
    LiveClient c = client;
    if (gen != generation || c == null) return;
    lists.tools(c.peer()).onComplete(ar -> {
      if (gen != generation) return;
      if (ar.succeeded()) onTools.accept(ar.result());
      else LOG.warn("MCP server {}: re-listing tools failed: {}", name(), ar.cause().getMessage());
    });
  }

  private void ping(int gen) {
    LiveClient c = client;
    if (gen != generation || c == null) return;
    // the 2026-07-28 revision has no ping: server/discover (cheap, cacheable) tells the same
    reactor.core.publisher.Mono<?> alive = c.stateless() != null ? c.stateless().discover() : c.client().ping();
    futures.of(alive.timeout(Duration.ofMillis(Math.max(1000, settings.pingMillis() * 2L)))).onFailure(err -> {
      if (gen == generation) failed(gen, new IllegalStateException("server stopped answering: " + McpErrors.message(err)));
    });
  }

  private void failed(int gen, Throwable err) {
    if (gen != generation || closed) return;
    cancelTimers();
    dropClient();
    String msg = McpErrors.message(err);
    LOG.warn("MCP server {} failed (attempt {}): {}", name(), attempts + 1, msg);
    setStatus(FAILED, msg);
    long delay = Math.min(settings.maxBackoffMillis(), settings.backoffMillis() * (1L << Math.min(attempts, 16)));
    attempts++;
    retryTimer = vertx.setTimer(delay, id -> {
      retryTimer = -1;
      if (gen == generation) doConnect();
    });
  }

  Future<ToolResult> call(String remoteName, JsonObject args, CallContext ctx) {
    LiveClient c = client;
    if (c == null || !CONNECTED.equals(status)) {
      return Future.succeededFuture(ToolResult.error("MCP server '" + name() + "' is not connected (status "
          + status + (error != null ? ": " + error : "") + "); try again later"));
    }
    return calls.call(c, remoteName, args, ctx, () -> ping(generation));
  }

  /** The tool's input schema for the model: as the server sent it when known (JSON Schema 2020-12 kept whole). */
  JsonObject schemaJson(McpSchema.Tool tool) {
    LiveClient c = client;
    java.util.Map<String, Object> raw = c == null ? null : c.rawSchema(tool.name());
    return raw != null ? new JsonObject(raw).copy() : results.schema(tool);
  }

  /** The tool's annotations (readOnlyHint...) as the server sent them, or null. */
  JsonObject annotationsJson(McpSchema.Tool tool) {
    return results.json(tool.annotations(), null);
  }

  void close() {
    closed = true;
    generation++;
    cancelTimers();
    dropClient();
  }

  private void dropClient() {
    LiveClient old = client;
    client = null;
    clients.close(old);
  }

  private void setStatus(String s, String err) {
    status = s;
    error = err;
    onStatus.accept(s, err);
  }

  private void cancelTimers() {
    if (retryTimer >= 0) vertx.cancelTimer(retryTimer);
    if (pingTimer >= 0) vertx.cancelTimer(pingTimer);
    retryTimer = -1;
    pingTimer = -1;
  }
}
