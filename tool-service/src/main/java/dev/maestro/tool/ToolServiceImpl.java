package dev.maestro.tool;

import dev.maestro.contracts.tool.ToolResults;
import dev.maestro.contracts.Timeouts;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.tool.builtin.BuiltinTools;
import dev.maestro.tool.builtin.Sandbox;
import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolResult;
import dev.maestro.tool.mcp.McpManager;
import dev.maestro.tool.registry.ArgumentValidator;
import dev.maestro.tool.registry.Policy;
import dev.maestro.tool.registry.ToolDef;
import dev.maestro.tool.registry.ToolRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * ToolService: registry lookups, policy and schema checks, then the built-in or MCP executor, all
 * under a timeout. {@link #execute} always succeeds with a result; problems become isError text.
 */
public final class ToolServiceImpl implements ToolService {
  private static final Logger LOG = LoggerFactory.getLogger(ToolServiceImpl.class);
  public static final int DEFAULT_TIMEOUT = Timeouts.DEFAULT_CALL_SECONDS;
  public static final int MAX_TIMEOUT = Timeouts.MAX_TOOL_SECONDS;

  private final Vertx vertx;
  private final ToolRegistry registry;
  private final BuiltinTools builtins;
  private final McpManager mcp;
  private final Sandbox sandbox;
  private final ArgumentValidator validator = new ArgumentValidator();
  /** Calls in flight by (sessionId, callId): the model picks call ids, so they are unique within a session only. */
  private final Map<CallKey, CallContext> running = new ConcurrentHashMap<>();

  record CallKey(String sessionId, String callId) {}

  /** Stops the calls of a requesting node that left the cluster (set by the verticle; null: never). */
  private dev.maestro.platform.DeadRequesterWatch requesters;

  public ToolServiceImpl(Vertx vertx, ToolRegistry registry, BuiltinTools builtins, McpManager mcp, Sandbox sandbox) {
    this.vertx = vertx;
    this.registry = registry;
    this.builtins = builtins;
    this.mcp = mcp;
    this.sandbox = sandbox;
  }

  public ToolServiceImpl requesters(dev.maestro.platform.DeadRequesterWatch watch) {
    this.requesters = watch;
    return this;
  }

  @Override
  public Future<List<JsonObject>> listTools() {
    return Future.succeededFuture(registry.all().stream().map(this::describe).collect(Collectors.toList()));
  }

  @Override
  public Future<List<JsonObject>> toolsForSession(String sessionId, List<String> names) {
    return Future.succeededFuture(registry.all().stream()
        .filter(ToolDef::enabled)
        .filter(t -> names == null || names.isEmpty() || names.contains(t.name()))
        .map(this::describe).collect(Collectors.toList()));
  }

  /** The tool's JSON plus which sandbox run_command gets, so clients can show it. */
  private JsonObject describe(ToolDef t) {
    JsonObject j = t.toJson();
    if (t.name().equals("run_command") && t.builtin()) j.put("sandbox", sandbox.describe());
    return j;
  }

  /** {kind: bubblewrap|none|unavailable, reason}: which isolation run_command has on this host. */
  public JsonObject sandboxInfo() {
    return new JsonObject().put("kind", sandbox.describe()).put("reason", sandbox.reason());
  }

  @Override
  public Future<JsonObject> updateTool(String name, JsonObject patch) {
    if (registry.get(name) == null) return ServiceException.fail(ErrorCodes.NOT_FOUND, "no tool named '" + name + "'");
    if (patch == null) patch = new JsonObject();
    JsonArray errors = new JsonArray();
    Boolean enabled = null;
    Policy policy = null;
    if (patch.containsKey("enabled")) {
      if (patch.getValue("enabled") instanceof Boolean b) enabled = b;
      else errors.add(error("enabled", "must be true or false"));
    }
    if (patch.containsKey("policy")) {
      policy = patch.getValue("policy") instanceof String s ? Policy.parse(s) : null;
      if (policy == null) errors.add(error("policy", "must be one of allow, ask, deny"));
    }
    for (String key : patch.fieldNames()) {
      if (!key.equals("enabled") && !key.equals("policy")) errors.add(error(key, "cannot be changed"));
    }
    if (!errors.isEmpty()) {
      return ServiceException.fail(ErrorCodes.BAD_REQUEST, "invalid tool update", new JsonObject().put("errors", errors));
    }
    return registry.update(name, enabled, policy).map(this::describe);
  }

  private static JsonObject error(String field, String message) {
    return new JsonObject().put("field", field).put("message", message);
  }

  @Override
  public Future<JsonObject> execute(JsonObject call) {
    String callId = call == null ? null : call.getString("callId");
    try {
      return run(call, callId).recover(err -> {
        LOG.warn("tool call {} failed: {}", callId, err.toString());
        return Future.succeededFuture(ToolResult.error("tool call failed: " + err.getMessage()));
      }).map(r -> r.toJson(callId));
    } catch (RuntimeException e) {
      LOG.warn("tool call {} failed", callId, e);
      return Future.succeededFuture(ToolResult.error("tool call failed: " + e.getMessage()).toJson(callId));
    }
  }

  private Future<ToolResult> run(JsonObject call, String callId) {
    if (call == null) return done(ToolResult.error("empty tool call"));
    String name = call.getString("name");
    String sessionId = call.getString("sessionId");
    ToolDef tool = registry.get(name);
    if (tool == null) {
      List<String> known = registry.all().stream().filter(ToolDef::enabled).map(ToolDef::name).toList();
      return done(ToolResult.error(ToolResults.unknownTool(name, known)));
    }
    if (!tool.enabled()) return done(ToolResult.error(ToolResults.disabled(name)));
    if (tool.policy() == Policy.DENY) return done(ToolResult.error(ToolResults.deniedByPolicy(name)));
    Object rawArgs = call.getValue("arguments");
    JsonObject args;
    if (rawArgs == null) {
      args = new JsonObject();
    } else if (rawArgs instanceof JsonObject o) {
      args = o;
    } else if (rawArgs instanceof String s) {
      try {
        args = s.isBlank() ? new JsonObject() : new JsonObject(s);
      } catch (RuntimeException e) {
        return done(ToolResult.error("arguments for '" + name + "' are not a JSON object: " + e.getMessage()));
      }
    } else {
      return done(ToolResult.error("arguments for '" + name + "' must be a JSON object"));
    }
    JsonArray errors = validator.validate(tool.inputSchema(), args);
    if (errors != null) {
      String msg = errors.stream().map(o -> {
        JsonObject e = (JsonObject) o;
        String f = e.getString("field");
        return (f == null || f.isEmpty() ? "arguments" : f) + ": " + e.getString("message");
      }).collect(Collectors.joining("; "));
      return done(ToolResult.error("invalid arguments for '" + name + "': " + msg));
    }
    String requester = call.getString(dev.maestro.platform.DeadRequesterWatch.FIELD);
    if (requesters != null && !requesters.mayServe(requester)) {
      // not run at all: a node outside this cluster's view may already have lost the session to another owner
      return ServiceException.fail(ErrorCodes.UNAVAILABLE, "the requesting node " + requester + " is not a member of "
          + "this cluster (it left, or a network partition has not merged yet); the tool was not run");
    }
    int timeout = Math.max(1, Math.min(call.getInteger("timeoutSeconds", DEFAULT_TIMEOUT), MAX_TIMEOUT));
    String progressAddress = call.getString("progressAddress");
    CallContext ctx = new CallContext(callId, sessionId, timeout, progressAddress == null ? null
        : text -> vertx.eventBus().send(progressAddress,
            new JsonObject().put("callId", callId).put("type", "progress").put("text", text)));
    ctx.useWorkspace(call.getString("workspaceId"));
    CallKey key = callId == null ? null : new CallKey(sessionId, callId);
    if (key != null) running.put(key, ctx);
    // a command running for a session node that died (kill -9) would run for nobody: its tree is killed
    Runnable unwatch = requesters == null ? () -> {} : requesters.watch(call.getString(dev.maestro.platform.DeadRequesterWatch.FIELD), () -> {
      LOG.info("tool call {} ({}): its requesting node left the cluster; cancelling it", callId, name);
      ctx.cancel();
    });

    Future<ToolResult> work = tool.builtin() ? builtins.execute(tool.name(), args, ctx) : mcp.call(tool, args, ctx);
    // run_command enforces its own timeout (it knows the per-command value); this one bounds the rest.
    int hardLimit = tool.name().equals("run_command") && tool.builtin() ? Timeouts.TOOL_HARD_LIMIT_SECONDS : timeout;
    Promise<ToolResult> result = Promise.promise();
    long timer = vertx.setTimer(hardLimit * 1000L, id -> {
      if (result.tryComplete(ToolResult.error(ToolResults.timedOut(name, hardLimit)))) ctx.cancel();
    });
    work.onComplete(ar -> {
      vertx.cancelTimer(timer);
      result.tryComplete(ar.succeeded() ? ar.result() : ToolResult.error(ToolResults.failed(name, ar.cause().getMessage())));
    });
    long started = System.nanoTime();
    return result.future().onComplete(ar -> {
      if (key != null) running.remove(key, ctx);
      unwatch.run();
      callDuration(vertx, name).record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
    });
  }

  /** Tool call durations by tool ({@link dev.maestro.platform.MetricNames#TOOL_CALL_DURATION}). */
  static io.micrometer.core.instrument.Timer callDuration(Vertx vertx, String tool) {
    return io.micrometer.core.instrument.Timer.builder(dev.maestro.platform.MetricNames.TOOL_CALL_DURATION)
        .description("tool calls from start to result, by tool").tag("tool", tool)
        .register(dev.maestro.platform.Observability.registry(vertx));
  }

  private static Future<ToolResult> done(ToolResult r) {
    return Future.succeededFuture(r);
  }

  @Override
  public Future<Void> cancelCall(String sessionId, String callId) {
    CallContext ctx = callId == null ? null : running.get(new CallKey(sessionId, callId));
    if (ctx != null) ctx.cancel();
    return Future.succeededFuture();
  }

  @Override
  public Future<List<JsonObject>> listMcpServers() {
    return mcp.list();
  }

  @Override
  public Future<JsonObject> createMcpServer(JsonObject server) {
    return mcp.create(server);
  }

  @Override
  public Future<JsonObject> getMcpServer(String serverId) {
    return mcp.get(serverId);
  }

  @Override
  public Future<JsonObject> updateMcpServer(String serverId, JsonObject patch) {
    return mcp.update(serverId, patch);
  }

  @Override
  public Future<Void> deleteMcpServer(String serverId) {
    return mcp.delete(serverId);
  }

  @Override
  public Future<JsonObject> restartMcpServer(String serverId) {
    return mcp.restart(serverId);
  }

  @Override
  public Future<List<JsonObject>> listMcpResources(String serverId) {
    return mcp.resources(serverId);
  }

  @Override
  public Future<JsonObject> readMcpResource(String serverId, String uri, String sessionId) {
    return mcp.readResource(serverId, uri, sessionId);
  }

  @Override
  public Future<List<JsonObject>> listMcpPrompts(String serverId) {
    return mcp.prompts(serverId);
  }

  @Override
  public Future<JsonObject> getMcpPrompt(String serverId, String name, JsonObject arguments, String sessionId) {
    return mcp.prompt(serverId, name, arguments, sessionId);
  }

  @Override
  public Future<List<JsonObject>> mcpInstructions(List<String> toolNames) {
    return Future.succeededFuture(mcp.instructions(toolNames));
  }

  /** The MCP servers (for wiring in-process, e.g. a session's root from its project worktree). */
  public McpManager mcp() {
    return mcp;
  }
}
