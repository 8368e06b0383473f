package dev.maestro.testkit.services;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.tool.ToolService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.List;

/**
 * The MCP part of a {@link ToolService} fake that has no MCP servers: empty lists, and NOT_FOUND for a
 * server named by id, as tool-service answers when none is configured. Fakes implement this instead of
 * writing the five answers again.
 */
public interface NoMcpServers extends ToolService {
  @Override
  default Future<List<JsonObject>> listMcpResources(String serverId) {
    return Future.succeededFuture(List.of());
  }

  @Override
  default Future<JsonObject> readMcpResource(String serverId, String uri, String sessionId) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "no MCP server with id '" + serverId + "'");
  }

  @Override
  default Future<List<JsonObject>> listMcpPrompts(String serverId) {
    return Future.succeededFuture(List.of());
  }

  @Override
  default Future<JsonObject> getMcpPrompt(String serverId, String name, JsonObject arguments, String sessionId) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "no MCP server with id '" + serverId + "'");
  }

  @Override
  default Future<List<JsonObject>> mcpInstructions(List<String> toolNames) {
    return Future.succeededFuture(List.of());
  }
}
