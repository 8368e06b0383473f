package dev.maestro.tool.mcp;

import dev.maestro.contracts.tool.ToolResults;
import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolResult;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * tools/call on one server: a progress token per call (progress and elicitation find their call by it),
 * cancellation sent to the server (notifications/cancelled) on user cancel or timeout, and every
 * failure turned into a tool result the model can read.
 */
final class McpToolCalls {
  private static final Logger LOG = LoggerFactory.getLogger(McpToolCalls.class);

  private final Context context;
  private final String server;
  private final McpAuthState auth;
  private final McpResults results;
  /** The calls in flight by progress token (shared with the elicitation bridge). */
  private final Map<Object, CallContext> inFlight = new ConcurrentHashMap<>();
  /** Calls to servers of the stateless 2026-07-28 revision (task handles, tasks/cancel). */
  private final StatelessToolCalls stateless;
  private final ElicitationBridge elicitation;

  /** {@code roots}: what a 2026-07-28 server's roots/list input request is answered from. */
  McpToolCalls(Context context, String server, McpAuthState auth, McpResults results, McpRootsOffer roots) {
    this.context = context;
    this.server = server;
    this.auth = auth;
    this.results = results;
    this.elicitation = new ElicitationBridge(inFlight);
    this.stateless = new StatelessToolCalls(context, server, auth, results, new InputRequests(server, elicitation, roots));
  }

  /** Who answers the server's questions during a call (elicitation, either revision). */
  ElicitationBridge elicitation() {
    return elicitation;
  }

  /** Passes a server's notifications/progress to the call it belongs to. */
  void progress(McpSchema.ProgressNotification n) {
    CallContext ctx = inFlight.get(String.valueOf(n.progressToken()));
    if (ctx == null) return;
    String msg = n.message() != null ? n.message()
        : "progress " + n.progress() + (n.total() != null ? "/" + n.total() : "");
    ctx.progress(msg);
  }

  /** {@code onFailure}: a failed call (not a refusal) makes the owner check the server is still there. */
  Future<ToolResult> call(LiveClient live, String remoteName, JsonObject args, CallContext ctx, Runnable onFailure) {
    // Our own token per call, never the model-chosen callId: two sessions may pick the same one.
    String token = UUID.randomUUID().toString();
    inFlight.put(token, ctx);
    if (live.stateless() != null) {
      return stateless.call(live.stateless(), remoteName, args, token, ctx, this::progress, onFailure)
          .onComplete(ar -> inFlight.remove(token));
    }
    McpSchema.CallToolRequest req = McpSchema.CallToolRequest.builder().name(remoteName).arguments(PlainJson.of(args))
        .progressToken(token).build();
    Promise<ToolResult> promise = Promise.promise();
    Disposable sub = live.client().callTool(req).subscribeOn(Schedulers.boundedElastic()).subscribe(
        r -> context.runOnContext(v -> promise.tryComplete(results.toolResult(r))),
        err -> context.runOnContext(v -> {
          if (McpErrors.timedOut(err)) cancelOnServer(live, token, "request timed out");
          Integer status = auth.refused(err);
          promise.tryComplete(McpErrors.callFailed(server, status, err));
          if (status == null) onFailure.run();   // a refusal is not the server going away
        }),
        () -> context.runOnContext(v -> promise.tryComplete(ToolResult.error("MCP server '" + server + "' returned no result"))));
    ctx.onCancel(() -> {
      sub.dispose();
      cancelOnServer(live, token, "cancelled by the client (user cancel or timeout)");
      context.runOnContext(v -> promise.tryComplete(ToolResult.error(ToolResults.CALL_CANCELLED)));
    });
    return promise.future().onComplete(ar -> {
      inFlight.remove(token);
      live.transport().forget(token);
    });
  }

  /** Tells the server to stop the call (notifications/cancelled); we have stopped waiting already. */
  private void cancelOnServer(LiveClient live, String token, String reason) {
    if (live.closed()) return;
    live.transport().cancel(token, reason).subscribeOn(Schedulers.boundedElastic()).subscribe(v -> { },
        err -> LOG.debug("MCP server {}: sending notifications/cancelled failed: {}", server, McpErrors.message(err)));
  }
}
