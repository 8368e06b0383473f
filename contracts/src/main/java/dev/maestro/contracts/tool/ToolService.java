package dev.maestro.contracts.tool;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.Timeouts;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceProxyBuilder;

import java.util.List;

/**
 * Tool registry, policies, built-in tools and MCP servers. {@link #execute} never fails for a bad
 * call (unknown, disabled, denied, invalid arguments, timeout): it answers {@code isError:true}
 * with a message the model can read.
 */
@ProxyGen
@VertxGen
public interface ToolService {
  String ADDRESS = Addresses.TOOL_SERVICE;

  static ToolService createProxy(Vertx vertx) {
    return new ServiceProxyBuilder(vertx).setAddress(ADDRESS)
        .setOptions(new DeliveryOptions().setSendTimeout(Timeouts.TOOL_PROXY_SEND_TIMEOUT_MS)).build(ToolService.class);
  }

  /** → every tool {name, source, description, inputSchema, enabled, policy}. */
  Future<List<JsonObject>> listTools();

  /** Enabled tools (restricted to names when non-empty) with schemas and policies, for a model request. */
  Future<List<JsonObject>> toolsForSession(String sessionId, List<String> names);

  /** patch: {enabled?, policy?} → tool. */
  Future<JsonObject> updateTool(String name, JsonObject patch);

  /**
   * call: {callId, sessionId, name, arguments, timeoutSeconds?, progressAddress?, requesterNode?} → (requesterNode: the
   * calling node's cluster node id; the call is cancelled if that node leaves the cluster)
   * {callId, content:[{type:text,text}], isError}.
   */
  Future<JsonObject> execute(JsonObject call);

  /**
   * Stops a running call of that session (process tree killed, MCP notifications/cancelled sent). Calls are
   * keyed by (sessionId, callId): the callId is chosen by the model, so another session may use the same one.
   */
  Future<Void> cancelCall(String sessionId, String callId);

  Future<List<JsonObject>> listMcpServers();

  Future<JsonObject> createMcpServer(JsonObject server);

  Future<JsonObject> getMcpServer(String serverId);

  Future<JsonObject> updateMcpServer(String serverId, JsonObject patch);

  Future<Void> deleteMcpServer(String serverId);

  Future<JsonObject> restartMcpServer(String serverId);

  /**
   * Resources of one MCP server ({@code serverId}), or of every connected server when null:
   * [{serverId, server, uri, name, title?, description?, mimeType?}]. Unknown server 404, not connected 503.
   */
  Future<List<JsonObject>> listMcpResources(String serverId);

  /**
   * resources/read → {serverId, server, uri, mimeType?, text, truncated}: text contents joined and cut to
   * {@link McpAttachments#MAX_CHARS}; binary contents named, not inlined. {@code sessionId} (nullable): the session
   * using it (its root is offered to the server). Unknown server or URI 404, bad uri 400, not connected 503.
   */
  Future<JsonObject> readMcpResource(String serverId, String uri, String sessionId);

  /** Prompts of one server, or of every connected one when null: [{serverId, server, name, title?, description?, arguments:[{name, description?, required}]}]. */
  Future<List<JsonObject>> listMcpPrompts(String serverId);

  /**
   * prompts/get → {serverId, server, name, description?, messages:[{role, text}], text} ({@code text}: what becomes
   * the user's message). Unknown prompt 404; a required argument missing 400 with {errors, arguments}.
   */
  Future<JsonObject> getMcpPrompt(String serverId, String name, JsonObject arguments, String sessionId);

  /**
   * [{server, instructions}]: the instructions (from initialize, bounded) of connected servers that have one of
   * {@code toolNames} (every server with instructions when empty), for the session's system prompt.
   */
  Future<List<JsonObject>> mcpInstructions(List<String> toolNames);
}
