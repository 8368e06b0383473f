package dev.maestro.tool.mcp;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolResult;
import dev.maestro.tool.registry.ToolDef;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.List;

/** MCP servers: configuration, connections and tool calls. */
public class McpManager {
  public Future<Void> start() {
    return Future.succeededFuture();
  }

  public Future<Void> stop() {
    return Future.succeededFuture();
  }

  public Future<ToolResult> call(ToolDef tool, JsonObject args, CallContext ctx) {
    return Future.succeededFuture(ToolResult.error("MCP server for '" + tool.name() + "' is not connected"));
  }

  public Future<List<JsonObject>> list() {
    return Future.succeededFuture(List.of());
  }

  public Future<JsonObject> create(JsonObject server) {
    return ServiceException.fail(ErrorCodes.UNAVAILABLE, "MCP servers are not available yet");
  }

  public Future<JsonObject> get(String id) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "no MCP server " + id);
  }

  public Future<JsonObject> update(String id, JsonObject patch) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "no MCP server " + id);
  }

  public Future<Void> delete(String id) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "no MCP server " + id);
  }

  public Future<JsonObject> restart(String id) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "no MCP server " + id);
  }
}
