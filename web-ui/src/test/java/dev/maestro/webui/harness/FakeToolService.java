package dev.maestro.webui.harness;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.tool.ToolService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A handful of tools and MCP servers, in memory. */
public final class FakeToolService implements ToolService {
  final Map<String, JsonObject> tools = new LinkedHashMap<>();
  final Map<String, JsonObject> servers = new LinkedHashMap<>();

  public FakeToolService() {
    tool("read_file", "builtin", "Read a file in the workspace", "ask");
    tool("write_file", "builtin", "Write a file in the workspace", "ask");
    tool("run_code", "builtin", "Run code in a sandbox", "ask");
    tool("everything__echo", "mcp:everything", "Echo back the input", "allow");
    String id = UUID.randomUUID().toString();
    servers.put(id, new JsonObject().put("id", id).put("name", "everything").put("transport", "stdio").put("command", "npx")
        .put("args", new JsonArray().add("-y").add("@modelcontextprotocol/server-everything")).put("enabled", true).put("status", "connected"));
    String bad = UUID.randomUUID().toString();
    servers.put(bad, new JsonObject().put("id", bad).put("name", "broken").put("transport", "http").put("url", "http://127.0.0.1:9/mcp")
        .put("enabled", true).put("status", "failed").put("error", "connection refused <127.0.0.1:9>"));
  }

  private void tool(String name, String source, String description, String policy) {
    tools.put(name, new JsonObject().put("name", name).put("source", source).put("description", description)
        .put("inputSchema", new JsonObject().put("type", "object")).put("enabled", true).put("policy", policy));
  }

  @Override
  public synchronized Future<List<JsonObject>> listTools() {
    return Future.succeededFuture(tools.values().stream().map(JsonObject::copy).toList());
  }

  @Override
  public Future<List<JsonObject>> toolsForSession(String sessionId, List<String> names) {
    return listTools();
  }

  @Override
  public synchronized Future<JsonObject> updateTool(String name, JsonObject patch) {
    JsonObject t = tools.get(name);
    if (t == null) return ServiceException.fail(ErrorCodes.NOT_FOUND, "no tool " + name);
    String policy = patch.getString("policy");
    if (policy != null && !List.of("allow", "ask", "deny").contains(policy)) return ServiceException.fail(ErrorCodes.BAD_REQUEST, "bad policy");
    t.mergeIn(patch);
    return Future.succeededFuture(t.copy());
  }

  @Override
  public Future<JsonObject> execute(JsonObject call) {
    return Future.succeededFuture(new JsonObject().put("callId", call.getString("callId")).put("content", new JsonArray()).put("isError", true));
  }

  @Override
  public Future<Void> cancelCall(String sessionId, String callId) {
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<List<JsonObject>> listMcpServers() {
    return Future.succeededFuture(servers.values().stream().map(JsonObject::copy).toList());
  }

  @Override
  public synchronized Future<JsonObject> createMcpServer(JsonObject server) {
    if (server.getString("name") == null) return ServiceException.fail(ErrorCodes.BAD_REQUEST, "name is required");
    String id = UUID.randomUUID().toString();
    JsonObject s = server.copy().put("id", id).put("status", "connecting");
    servers.put(id, s);
    return Future.succeededFuture(s.copy());
  }

  @Override
  public synchronized Future<JsonObject> getMcpServer(String serverId) {
    JsonObject s = servers.get(serverId);
    return s == null ? ServiceException.fail(ErrorCodes.NOT_FOUND, "no server") : Future.succeededFuture(s.copy());
  }

  @Override
  public synchronized Future<JsonObject> updateMcpServer(String serverId, JsonObject patch) {
    JsonObject s = servers.get(serverId);
    if (s == null) return ServiceException.fail(ErrorCodes.NOT_FOUND, "no server");
    s.mergeIn(patch);
    return Future.succeededFuture(s.copy());
  }

  @Override
  public synchronized Future<Void> deleteMcpServer(String serverId) {
    return servers.remove(serverId) == null ? ServiceException.fail(ErrorCodes.NOT_FOUND, "no server") : Future.succeededFuture();
  }

  @Override
  public synchronized Future<JsonObject> restartMcpServer(String serverId) {
    JsonObject s = servers.get(serverId);
    if (s == null) return ServiceException.fail(ErrorCodes.NOT_FOUND, "no server");
    s.put("status", "connected").remove("error");
    return Future.succeededFuture(s.copy());
  }
}
