package dev.maestro.tool.mcp;

import dev.maestro.contracts.tool.ToolResults;
import dev.maestro.contracts.Timeouts;
import dev.maestro.platform.net.OutboundHttp;
import dev.maestro.platform.net.OutboundRefusedException;
import dev.maestro.tool.builtin.EnvScrubber;
import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolResult;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One MCP server connection, built on the official MCP Java SDK (async client). Owns the status
 * (connecting → connected | failed), pings the server to notice when it dies, reconnects with
 * exponential backoff, re-lists tools (all pages) on connect and on notifications/tools/list_changed.
 * SDK callbacks arrive on Reactor threads and are hopped onto the owning Vert.x context; nothing
 * here blocks an event loop (closing a client runs on a worker).
 */
final class McpConnection {
  private static final Logger LOG = LoggerFactory.getLogger(McpConnection.class);
  static final String CONNECTED = "connected";
  static final String CONNECTING = "connecting";
  static final String FAILED = "failed";

  private final Vertx vertx;
  private final Context context;
  private final McpSettings settings;
  private final Consumer<List<McpSchema.Tool>> onTools;
  private final BiConsumer<String, String> onStatus;
  private final McpJsonMapper mapper = McpJsonDefaults.getMapper();
  private final Map<Object, CallContext> progress = new ConcurrentHashMap<>();
  /** Who answers the server's elicitation/create for the call in flight (set by the owner; default cancel). */
  private final ElicitationBridge elicitation = new ElicitationBridge(progress);
  /** Each live client's transport wrapper, which can send notifications/cancelled for its calls. */
  private final Map<McpAsyncClient, CancellableTransport> cancellers = new ConcurrentHashMap<>();
  private final McpTokens tokens;
  private final McpSandbox sandbox;
  private volatile String authChallenge;

  private JsonObject config;
  private volatile String status = CONNECTING;
  private volatile String error;
  private volatile McpAsyncClient client;
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
    this.sandbox = sandbox;
    this.tokens = tokens;
    this.vertx = vertx;
    this.context = context;
    this.settings = settings;
    this.config = config;
    this.onTools = onTools;
    this.onStatus = onStatus;
  }

  String name() { return config.getString("name"); }
  ElicitationBridge elicitation() { return elicitation; }
  String status() { return status; }
  String error() { return error; }

  /** (Re)connects now, dropping any current client; attempts restart from zero. */
  void connect() {
    attempts = 0;
    doConnect();
  }

  private void doConnect() {
    if (closed) return;
    cancelTimers();
    int gen = ++generation;
    McpAsyncClient old = client;
    client = null;
    closeQuietly(old);
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
    boolean http = "http".equals(config.getString("transport"));
    Future<McpAsyncClient> opened;
    if (!http) {
      // Sandboxed (or refused, with the reason and the fix); a command the sandbox cannot see fails here, not at a timeout.
      if (sandbox == null) return Future.failedFuture(new IllegalStateException("stdio servers are not available here"));
      opened = vertx.executeBlocking(() -> sandbox.launch(config), false).compose(launch -> initialize(gen, stdio(launch)));
    } else {
      boolean ownAuthorization = headers().keySet().stream().anyMatch(k -> k.equalsIgnoreCase("authorization"));
      String serverId = config.getString("id");
      // checked (resolved off the event loop) before anything is sent; each request checks again (McpUrls)
      Future<String> token = new OutboundHttp(vertx, settings.outbound()).check(config.getString("url"))
          .recover(err -> Future.failedFuture(err instanceof OutboundRefusedException r
              ? new IllegalStateException("MCP server URL " + r.getMessage()) : err))
          .compose(ok -> ownAuthorization || tokens == null ? Future.succeededFuture(null) : tokens.token(serverId));
      opened = token.compose(tok -> http(gen, tok).recover(err -> {
        // A refused token: ask auth-service to refresh it once, then try again.
        if (authStatus(err) == null || tok == null) return Future.failedFuture(err);
        return tokens.refresh(serverId).compose(fresh -> fresh == null ? Future.failedFuture(err) : http(gen, fresh));
      })).recover(err -> {
        Integer status = authStatus(err);
        if (status == null) return Future.failedFuture(err);
        authChallenge = java.util.Objects.requireNonNullElse(challenge(err), "");
        return Future.failedFuture(new IllegalStateException("HTTP " + status + " from the server: it requires "
            + "authorization; sign in to this MCP server (MCP OAuth through auth-service) or set an Authorization header"));
      });
    }
    return opened.compose(c -> {
      authChallenge = null;
      client = c;
      return listAll(c).<Void>map(tools -> {
        if (gen == generation) onTools.accept(tools);
        return null;
      }).recover(err -> {
        // Some servers let initialize through and refuse tools/list: that is "sign in" as well.
        Integer status = authStatus(err);
        if (status == null) return Future.failedFuture(err);
        authChallenge = java.util.Objects.requireNonNullElse(challenge(err), "");
        return Future.failedFuture(new IllegalStateException("HTTP " + status + " from the server on tools/list: it requires "
            + "authorization; sign in to this MCP server (MCP OAuth through auth-service) or set an Authorization header"));
      });
    });
  }

  /** Streamable HTTP first; older servers speak HTTP+SSE (2024-11-05), tried when Streamable HTTP is refused. */
  private Future<McpAsyncClient> http(int gen, String token) {
    return initialize(gen, streamable(token)).recover(err -> {
      // a URL the policy refuses is refused to the fallback too: say why instead of the SDK's wrapper
      McpUrls.Refused refused = McpUrls.refusal(err);
      if (refused != null) return Future.failedFuture(new IllegalStateException(refused.getMessage()));
      return authStatus(err) != null ? Future.failedFuture(err) : initialize(gen, legacySse(token)).recover(err2 -> {
        McpUrls.Refused refused2 = McpUrls.refusal(err2);
        return Future.failedFuture(refused2 != null ? new IllegalStateException(refused2.getMessage()) : err);
      });
    });
  }

  /** The WWW-Authenticate challenge of a 401/403 (what auth-service's startMcpOAuth wants), or null. */
  static String challenge(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof McpHttpClientTransportAuthorizationException a && a.getResponseInfo() != null) {
        return a.getResponseInfo().headers().firstValue("www-authenticate").orElse(null);
      }
    }
    return null;
  }

  /** Set while the server refuses us for lack of authorization: its WWW-Authenticate (may be ""). */
  String authChallenge() {
    return authChallenge;
  }

  private Future<McpAsyncClient> initialize(int gen, McpClientTransport plain) {
    CancellableTransport transport = new CancellableTransport(plain);
    McpAsyncClient c = McpClient.async(transport)
        .clientInfo(new McpSchema.Implementation("maestro", "Maestro", "0.1.0"))
        .capabilities(McpSchema.ClientCapabilities.builder().roots(true).elicitation(true, false).build())
        .elicitation(request -> elicitation.handle(context, name(), request))
        // The SDK bounds every request with this, tools/call too: a call waiting on the user (elicitation)
        // or a long tool must live as long as its own timeoutSeconds (enforced by ToolServiceImpl), so
        // only the other requests get the short bound (initializationTimeout, ping, listTools).
        .requestTimeout(Duration.ofSeconds(Timeouts.mcpRequestTimeoutSeconds(settings.requestTimeoutSeconds())))
        .initializationTimeout(Duration.ofSeconds(settings.requestTimeoutSeconds()))
        .toolsChangeConsumer(tools -> {
          // The SDK hands over one page; re-list every page ourselves.
          context.runOnContext(v -> refresh(gen));
          return Mono.empty();
        })
        .progressConsumer(n -> {
          CallContext ctx = progress.get(String.valueOf(n.progressToken()));
          if (ctx != null) {
            String msg = n.message() != null ? n.message()
                : "progress " + n.progress() + (n.total() != null ? "/" + n.total() : "");
            ctx.progress(msg);
          }
          return Mono.empty();
        })
        .build();
    cancellers.put(c, transport);
    return fromMono(c.initialize()).map(r -> c).recover(err -> {
      closeQuietly(c);
      return Future.failedFuture(err);
    });
  }

  private void refresh(int gen) {
    McpAsyncClient c = client;
    if (gen != generation || c == null) return;
    listAll(c).onComplete(ar -> {
      if (gen != generation) return;
      if (ar.succeeded()) onTools.accept(ar.result());
      else LOG.warn("MCP server {}: re-listing tools failed: {}", name(), ar.cause().getMessage());
    });
  }

  private Future<List<McpSchema.Tool>> listAll(McpAsyncClient c) {
    List<McpSchema.Tool> all = new ArrayList<>();
    McpSchema.ServerCapabilities caps = c.getServerCapabilities();
    if (caps == null || caps.tools() == null) return Future.succeededFuture(all);   // a server without tools
    return page(c, null, all, 0);
  }

  private Future<List<McpSchema.Tool>> page(McpAsyncClient c, String cursor, List<McpSchema.Tool> all, int pages) {
    if (pages > 100) return Future.succeededFuture(all);   // a server that never stops paging
    Duration bound = Duration.ofSeconds(settings.requestTimeoutSeconds());
    return fromMono((cursor == null ? c.listTools(null) : c.listTools(cursor)).timeout(bound)).compose(r -> {
      all.addAll(r.tools());
      String next = r.nextCursor();
      return next == null || next.isEmpty() ? Future.succeededFuture(all) : page(c, next, all, pages + 1);
    });
  }

  private void ping(int gen) {
    McpAsyncClient c = client;
    if (gen != generation || c == null) return;
    fromMono(c.ping().timeout(Duration.ofMillis(Math.max(1000, settings.pingMillis() * 2L)))).onFailure(err -> {
      if (gen == generation) failed(gen, new IllegalStateException("server stopped answering: " + message(err)));
    });
  }

  private void failed(int gen, Throwable err) {
    if (gen != generation || closed) return;
    cancelTimers();
    McpAsyncClient old = client;
    client = null;
    closeQuietly(old);
    String msg = message(err);
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
    McpAsyncClient c = client;
    if (c == null || !CONNECTED.equals(status)) {
      return Future.succeededFuture(ToolResult.error("MCP server '" + name() + "' is not connected (status "
          + status + (error != null ? ": " + error : "") + "); try again later"));
    }
    // Our own token per call, never the model-chosen callId: two sessions may pick the same one.
    String token = java.util.UUID.randomUUID().toString();
    progress.put(token, ctx);
    McpSchema.CallToolRequest req = McpSchema.CallToolRequest.builder().name(remoteName).arguments(args.getMap())
        .progressToken(token).build();
    Promise<ToolResult> promise = Promise.promise();
    Disposable sub = c.callTool(req).subscribeOn(Schedulers.boundedElastic()).subscribe(
        r -> context.runOnContext(v -> promise.tryComplete(toResult(r))),
        err -> context.runOnContext(v -> {
          if (timedOut(err)) cancelOnServer(c, token, "request timed out");
          Integer status = authStatus(err);
          if (status != null) {
            // e.g. 403 insufficient_scope (step-up): the UI offers "sign in" again with this challenge.
            authChallenge = java.util.Objects.requireNonNullElse(challenge(err), "");
            promise.tryComplete(ToolResult.error("MCP server '" + name() + "' refused the call with HTTP " + status
                + ": it requires (more) authorization; sign in to this MCP server again"));
            return;
          }
          promise.tryComplete(ToolResult.error("MCP server '" + name() + "' failed the call: " + message(err)));
          ping(generation);
        }),
        () -> context.runOnContext(v -> promise.tryComplete(ToolResult.error("MCP server '" + name() + "' returned no result"))));
    ctx.onCancel(() -> {
      sub.dispose();
      cancelOnServer(c, token, "cancelled by the client (user cancel or timeout)");
      context.runOnContext(v -> promise.tryComplete(ToolResult.error(ToolResults.CALL_CANCELLED)));
    });
    return promise.future().onComplete(ar -> {
      progress.remove(token);
      CancellableTransport t = cancellers.get(c);
      if (t != null) t.forget(token);
    });
  }

  /** Tells the server to stop the call (notifications/cancelled); we have stopped waiting already. */
  private void cancelOnServer(McpAsyncClient c, String token, String reason) {
    CancellableTransport t = cancellers.get(c);
    if (t == null) return;
    t.cancel(token, reason).subscribeOn(Schedulers.boundedElastic()).subscribe(v -> { },
        err -> LOG.debug("MCP server {}: sending notifications/cancelled failed: {}", name(), message(err)));
  }

  private ToolResult toResult(McpSchema.CallToolResult r) {
    JsonArray content = new JsonArray();
    if (r.content() != null) {
      for (McpSchema.Content block : r.content()) {
        try {
          content.add(new JsonObject(mapper.writeValueAsString(block)));
        } catch (Exception e) {
          content.add(ToolResult.block(String.valueOf(block)));
        }
      }
    }
    if (content.isEmpty() && r.structuredContent() != null) {
      try {
        content.add(ToolResult.block(mapper.writeValueAsString(r.structuredContent())));
      } catch (Exception ignored) {
        // nothing usable
      }
    }
    return new ToolResult(content, Boolean.TRUE.equals(r.isError()));
  }

  JsonObject schemaJson(McpSchema.Tool tool) {
    try {
      return tool.inputSchema() == null ? new JsonObject().put("type", "object")
          : new JsonObject(mapper.writeValueAsString(tool.inputSchema()));
    } catch (Exception e) {
      return new JsonObject().put("type", "object");
    }
  }

  void close() {
    closed = true;
    generation++;
    cancelTimers();
    McpAsyncClient old = client;
    client = null;
    closeQuietly(old);
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

  /** closeGracefully lets a stdio server exit (stdin closed, then terminated); bounded, off the loop. */
  private void closeQuietly(McpAsyncClient c) {
    if (c == null) return;
    cancellers.remove(c);
    vertx.executeBlocking(() -> {
      try {
        c.closeGracefully().block(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        c.close();
      }
      return null;
    }, false);
  }

  private <T> Future<T> fromMono(Mono<T> mono) {
    Promise<T> p = Promise.promise();
    // subscribeOn: some SDK transports do blocking work when subscribed (the HTTP+SSE one waits for
    // its endpoint event), and subscription would otherwise happen on the event loop.
    mono.subscribeOn(Schedulers.boundedElastic()).subscribe(v -> context.runOnContext(x -> p.tryComplete(v)),
        err -> context.runOnContext(x -> p.tryFail(err)),
        () -> context.runOnContext(x -> p.tryComplete(null)));
    return p.future();
  }

  /** The SDK's request timeout (a Reactor timeout, possibly wrapped). */
  static boolean timedOut(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException) return true;
    }
    return false;
  }

  /** 401/403 when the failure was the server refusing authorization, else null. */
  static Integer authStatus(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof McpHttpClientTransportAuthorizationException a) {
        return a.getResponseInfo() != null ? a.getResponseInfo().statusCode() : 401;
      }
    }
    return null;
  }

  static String message(Throwable err) {
    Throwable t = err;
    while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || t.getMessage().isBlank())) t = t.getCause();
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  /** The server under the sandbox, with a scrubbed environment plus its own HOME and configured env. */
  private McpClientTransport stdio(McpSandbox.Launch launch) {
    Map<String, String> env = new java.util.TreeMap<>(EnvScrubber.scrub(System.getenv()));
    env.put("HOME", launch.home().toString());
    config.getJsonObject("env", new JsonObject()).forEach(e -> env.put(e.getKey(), String.valueOf(e.getValue())));
    sandbox.sandbox().environment(env);
    return new StdioServerTransport(launch.argv(), env, launch.home(), mapper,
        line -> LOG.debug("MCP server {} stderr: {}", name(), line));
  }

  /** Our own Streamable HTTP transport: the SDK's ignores SSE retry/Last-Event-ID (see the class). */
  private McpClientTransport streamable(String token) {
    URI uri = URI.create(config.getString("url"));
    return new StreamableHttpTransport(uri, requestHeaders(token), mapper, Duration.ofSeconds(10),
        () -> McpUrls.check(settings.outbound(), uri));
  }

  private McpClientTransport legacySse(String token) {
    URI uri = URI.create(config.getString("url"));
    return HttpClientSseClientTransport.builder(base(uri)).sseEndpoint(endpoint(uri))
        .customizeRequest(b -> requestHeaders(token).forEach(b::header))
        // every request, the SSE GET and the POSTs to the message endpoint the server named alike
        .httpRequestCustomizer((b, method, endpoint, body, ctx) -> McpUrls.check(settings.outbound(), endpoint))
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** Configured headers plus the bearer token (sent on every request, never logged or returned). */
  private Map<String, String> requestHeaders(String token) {
    Map<String, String> h = headers();
    if (token != null) h.put("Authorization", "Bearer " + token);
    return h;
  }

  private Map<String, String> headers() {
    Map<String, String> h = new java.util.LinkedHashMap<>();
    config.getJsonObject("headers", new JsonObject()).forEach(e -> h.put(e.getKey(), String.valueOf(e.getValue())));
    return h;
  }

  private static String base(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority();
  }

  private static String endpoint(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }
}
