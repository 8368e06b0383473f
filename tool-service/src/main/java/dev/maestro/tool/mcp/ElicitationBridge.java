package dev.maestro.tool.mcp;

import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.tool.exec.CallContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Answers a server's {@code elicitation/create} (form mode) with the person behind the tools/call
 * that triggered it. The request names no call, so the call is found by the progress token the
 * server may echo in {@code _meta}, else as the one call (or the calls of one session) in flight on
 * this connection; anything else is ambiguous and is cancelled rather than shown to the wrong user.
 */
public final class ElicitationBridge {
  private static final Logger LOG = LoggerFactory.getLogger(ElicitationBridge.class);

  /** Asks whoever stands behind a call → {action: accept|decline|cancel, content?}. */
  @FunctionalInterface
  public interface Asker {
    Future<JsonObject> ask(CallContext call, String server, String message, JsonObject schema);
  }

  /** Nobody to ask: every elicitation is cancelled. */
  public static final Asker NOBODY = (call, server, message, schema) ->
      Future.succeededFuture(new JsonObject().put("action", ElicitationForm.CANCEL));

  /**
   * The user of the call's Maestro session, through session-service; a call without a session, an
   * unreachable session-service or no answer in time ({@code timeoutMs}, session-service's own
   * timeout answers first) is a cancel.
   */
  public static Asker viaSessions(Vertx vertx, long timeoutMs) {
    SessionService sessions = SessionService.createLongProxy(vertx, dev.maestro.contracts.Timeouts.elicitationProxySendTimeoutMs(timeoutMs));
    return (call, server, message, schema) -> {
      if (call.sessionId() == null || call.callId() == null) return NOBODY.ask(call, server, message, schema);
      JsonObject request = new JsonObject().put("callId", call.callId()).put("server", server).put("message", message)
          .put("schema", schema);
      return sessions.requestElicitation(call.sessionId(), request).recover(err -> {
        LOG.info("elicitation of MCP server {} for call {}: no answer from session {} ({}); cancelled", server,
            call.callId(), call.sessionId(), err.getMessage());
        return NOBODY.ask(call, server, message, schema);
      });
    };
  }

  private final Map<Object, CallContext> inFlight;
  private final McpJsonMapper mapper = McpJsonDefaults.getMapper();
  private volatile Asker asker = NOBODY;

  /** inFlight: the connection's running calls by progress token. */
  ElicitationBridge(Map<Object, CallContext> inFlight) {
    this.inFlight = inFlight;
  }

  /** Who answers this connection's elicitations (default: nobody, i.e. cancel). */
  public void asker(Asker asker) {
    this.asker = Objects.requireNonNull(asker);
  }

  /** The SDK's handler: runs the question on the connection's context, never blocking a Reactor thread. */
  Mono<McpSchema.ElicitResult> handle(Context context, String server, McpSchema.ElicitRequest request) {
    return Mono.create(sink -> context.runOnContext(v -> {
      CallContext call = callOf(request);
      JsonObject schema = schema(request);
      Future<JsonObject> answer;
      if (call == null || call.cancelled()) {
        LOG.info("MCP server {} asked for input outside of one identifiable tool call; cancelled", server);
        answer = NOBODY.ask(null, server, request.message(), schema);
      } else {
        answer = asker.ask(call, server, request.message() == null ? "" : request.message(), schema);
      }
      answer.onComplete(ar -> sink.success(ar.succeeded() ? result(ar.result())
          : new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.CANCEL, null)));
    }));
  }

  /**
   * Asks the person behind a known call (an input request of the 2026-07-28 revision names its call by being
   * its answer): → {action, content?}; a cancelled call, a failure or no answer is a cancel.
   */
  Future<JsonObject> ask(CallContext call, String server, String message, JsonObject schema) {
    if (call == null || call.cancelled()) return NOBODY.ask(call, server, message, schema);
    return asker.ask(call, server, message, schema)
        .recover(err -> Future.succeededFuture(new JsonObject().put("action", ElicitationForm.CANCEL)));
  }

  CallContext callOf(McpSchema.ElicitRequest request) {
    Object token = request.meta() == null ? null : request.meta().get("progressToken");
    if (token != null) {
      CallContext byToken = inFlight.get(String.valueOf(token));
      if (byToken != null) return byToken;
    }
    List<CallContext> calls = new ArrayList<>(inFlight.values());
    if (calls.size() == 1) return calls.get(0);
    long sessions = calls.stream().map(CallContext::sessionId).distinct().count();
    if (!calls.isEmpty() && sessions == 1 && calls.get(0).sessionId() != null) return calls.get(0);
    return null;
  }

  private JsonObject schema(McpSchema.ElicitRequest request) {
    try {
      return request.requestedSchema() == null ? new JsonObject().put("type", "object")
          : new JsonObject(mapper.writeValueAsString(request.requestedSchema()));
    } catch (Exception e) {
      return new JsonObject().put("type", "object");
    }
  }

  static McpSchema.ElicitResult result(JsonObject answer) {
    String action = answer == null ? ElicitationForm.CANCEL : answer.getString("action", ElicitationForm.CANCEL);
    return switch (action) {
      case ElicitationForm.ACCEPT -> new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT,
          PlainJson.of(answer.getJsonObject("content", new JsonObject())));
      case ElicitationForm.DECLINE -> new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.DECLINE, null);
      default -> new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.CANCEL, null);
    };
  }
}
