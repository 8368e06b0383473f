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
    this.opener = new McpOpener(vertx, settings, config, tokens, new McpTransports(vertx, settings, config, sandbox, mapper),
        clients, auth);
    this.lists = new McpLists(context, settings);
    this.calls = new McpToolCalls(context, name(), auth, results);
    this.elicitation = new ElicitationBridge(calls.inFlight());
    this.futures = new MonoFutures(context);
  }

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
    long guard = vertx.setTimer((settings.requestTimeoutSeconds() + 5) * 1000L,
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
      auth.accepted();
      client = live;
      // Some servers let initialize through and refuse tools/list: that is "sign in" as well.
      return lists.tools(live.client()).<Void>map(tools -> {
        if (gen == generation) onTools.accept(tools);
        return null;
      }).recover(err -> Future.failedFuture(auth.explain(err, " on tools/list")));
    });
  }

  /** What the server tells us, for the client of generation {@code gen}. */
  private McpClientFactory.Events events(int gen) {
    return new McpClientFactory.Events() {
      @Override public void toolsChanged() { context.runOnContext(v -> refresh(gen)); }
      @Override public void progress(McpSchema.ProgressNotification n) { calls.progress(n); }
      @Override public Mono<McpSchema.ElicitResult> elicit(McpSchema.ElicitRequest request) {
        return elicitation.handle(context, name(), request);
      }
    };
  }

  private void refresh(int gen) {
    LiveClient c = client;
    if (gen != generation || c == null) return;
    lists.tools(c.client()).onComplete(ar -> {
      if (gen != generation) return;
      if (ar.succeeded()) onTools.accept(ar.result());
      else LOG.warn("MCP server {}: re-listing tools failed: {}", name(), ar.cause().getMessage());
    });
  }

  private void ping(int gen) {
    LiveClient c = client;
    if (gen != generation || c == null) return;
    futures.of(c.client().ping().timeout(Duration.ofMillis(Math.max(1000, settings.pingMillis() * 2L)))).onFailure(err -> {
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

  JsonObject schemaJson(McpSchema.Tool tool) {
    return results.schema(tool);
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
