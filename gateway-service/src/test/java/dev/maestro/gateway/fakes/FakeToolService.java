package dev.maestro.gateway.fakes;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.tool.ToolService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

public class FakeToolService implements ToolService {
  public final Map<String, JsonObject> tools = new ConcurrentHashMap<>();
  public final Map<String, JsonObject> servers = new ConcurrentHashMap<>();

  public FakeToolService() {
    tools.put("read_file", new JsonObject().put("name", "read_file").put("source", "builtin").put("description", "Read a file")
        .put("inputSchema", new JsonObject().put("type", "object")).put("enabled", true).put("policy", "allow"));
  }

  @Override
  public Future<List<JsonObject>> listTools() {
    return Future.succeededFuture(new ArrayList<>(tools.values()));
  }

  @Override
  public Future<List<JsonObject>> toolsForSession(String sessionId, List<String> names) {
    return listTools();
  }

  @Override
  public Future<JsonObject> updateTool(String name, JsonObject patch) {
    JsonObject t = tools.get(name);
    return t == null ? ServiceException.fail(ErrorCodes.NOT_FOUND, "no such tool", new JsonObject())
        : Future.succeededFuture(t.mergeIn(patch).copy());
  }

  @Override
  public Future<JsonObject> execute(JsonObject call) {
    return Future.succeededFuture(new JsonObject().put("callId", call.getString("callId"))
        .put("content", new JsonArray()).put("isError", false));
  }

  @Override
  public Future<Void> cancelCall(String sessionId, String callId) {
    return Future.succeededFuture();
  }

  @Override
  public Future<List<JsonObject>> listMcpServers() {
    return Future.succeededFuture(new ArrayList<>(servers.values()));
  }

  @Override
  public Future<JsonObject> createMcpServer(JsonObject server) {
    String id = UUID.randomUUID().toString();
    JsonObject s = server.copy().put("id", id).put("status", "connecting");
    servers.put(id, s);
    return Future.succeededFuture(s.copy());
  }

  @Override
  public Future<JsonObject> getMcpServer(String serverId) {
    JsonObject s = servers.get(serverId);
    return s == null ? ServiceException.fail(ErrorCodes.NOT_FOUND, "no such server", new JsonObject()) : Future.succeededFuture(s.copy());
  }

  @Override
  public Future<JsonObject> updateMcpServer(String serverId, JsonObject patch) {
    return getMcpServer(serverId).map(s -> {
      servers.get(serverId).mergeIn(patch);
      return servers.get(serverId).copy();
    });
  }

  @Override
  public Future<Void> deleteMcpServer(String serverId) {
    return servers.remove(serverId) == null
        ? ServiceException.fail(ErrorCodes.NOT_FOUND, "no such server", new JsonObject()) : Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> restartMcpServer(String serverId) {
    return getMcpServer(serverId);
  }
}
