package dev.maestro.testkit.services;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.tool.ToolService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An in-memory tool catalogue and MCP server list for tests of the front ends (gateway, web UI).
 * {@link #minimal()} holds one built-in tool and checks nothing itself, so a gateway test proves the
 * gateway's own validation; {@link #demo()} holds a catalogue to render (built-ins, an MCP tool, a
 * connected and a failed server) and refuses a bad policy or a nameless server like tool-service.
 * Executing a call answers an empty result.
 */
public final class FakeToolService implements ToolService {
  /** Tools by name and servers by id, in insertion order; tests may read and change them directly. */
  public final Map<String, JsonObject> tools = Collections.synchronizedMap(new LinkedHashMap<>());
  public final Map<String, JsonObject> servers = Collections.synchronizedMap(new LinkedHashMap<>());
  private final boolean validates;

  private FakeToolService(boolean validates) {
    this.validates = validates;
  }

  /** One built-in tool (read_file, allowed), no servers, no validation of its own. */
  public static FakeToolService minimal() {
    FakeToolService f = new FakeToolService(false);
    f.tool("read_file", "builtin", "Read a file", "allow");
    return f;
  }

  /** Built-in and MCP tools asking for approval, a connected and a failed MCP server; validates like tool-service. */
  public static FakeToolService demo() {
    FakeToolService f = new FakeToolService(true);
    f.tool("read_file", "builtin", "Read a file in the workspace", "ask");
    f.tool("write_file", "builtin", "Write a file in the workspace", "ask");
    f.tool("run_code", "builtin", "Run code in a sandbox", "ask");
    f.tool("everything__echo", "mcp:everything", "Echo back the input", "allow");
    String id = UUID.randomUUID().toString();
    f.servers.put(id, new JsonObject().put("id", id).put("name", "everything").put("transport", "stdio").put("command", "npx")
        .put("args", new JsonArray().add("-y").add("@modelcontextprotocol/server-everything")).put("enabled", true)
        .put("status", "connected"));
    String bad = UUID.randomUUID().toString();
    f.servers.put(bad, new JsonObject().put("id", bad).put("name", "broken").put("transport", "http").put("url", "http://127.0.0.1:9/mcp")
        .put("enabled", true).put("status", "failed").put("error", "connection refused <127.0.0.1:9>"));
    return f;
  }

  private void tool(String name, String source, String description, String policy) {
    tools.put(name, new JsonObject().put("name", name).put("source", source).put("description", description)
        .put("inputSchema", new JsonObject().put("type", "object")).put("enabled", true).put("policy", policy));
  }

  private static <T> Future<T> noServer() {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such server", new JsonObject());
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
    if (t == null) return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such tool", new JsonObject());
    String policy = patch.getString("policy");
    if (validates && policy != null && !List.of("allow", "ask", "deny").contains(policy)) {
      return ServiceException.fail(ErrorCodes.BAD_REQUEST, "bad policy");
    }
    return Future.succeededFuture(t.mergeIn(patch).copy());
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
  public synchronized Future<List<JsonObject>> listMcpServers() {
    return Future.succeededFuture(servers.values().stream().map(JsonObject::copy).toList());
  }

  @Override
  public synchronized Future<JsonObject> createMcpServer(JsonObject server) {
    if (validates && server.getString("name") == null) return ServiceException.fail(ErrorCodes.BAD_REQUEST, "name is required");
    String id = UUID.randomUUID().toString();
    JsonObject s = server.copy().put("id", id).put("status", "connecting");
    servers.put(id, s);
    return Future.succeededFuture(s.copy());
  }

  @Override
  public synchronized Future<JsonObject> getMcpServer(String serverId) {
    JsonObject s = servers.get(serverId);
    return s == null ? noServer() : Future.succeededFuture(s.copy());
  }

  @Override
  public synchronized Future<JsonObject> updateMcpServer(String serverId, JsonObject patch) {
    JsonObject s = servers.get(serverId);
    if (s == null) return noServer();
    s.mergeIn(patch);
    return Future.succeededFuture(s.copy());
  }

  @Override
  public synchronized Future<Void> deleteMcpServer(String serverId) {
    return servers.remove(serverId) == null ? noServer() : Future.succeededFuture();
  }

  /** Reconnecting always succeeds: the server shows as connected, its last error gone. */
  @Override
  public synchronized Future<JsonObject> restartMcpServer(String serverId) {
    JsonObject s = servers.get(serverId);
    if (s == null) return noServer();
    s.put("status", "connected").remove("error");
    return Future.succeededFuture(s.copy());
  }

  /** Every known server serves one resource, {@code fake://<server name>/readme}, and one prompt, {@code hello(name)}. */
  @Override
  public synchronized Future<List<JsonObject>> listMcpResources(String serverId) {
    if (serverId != null && !servers.containsKey(serverId)) return notFoundServer(serverId);
    return Future.succeededFuture(servers.values().stream().filter(s -> serverId == null || serverId.equals(s.getString("id")))
        .map(s -> new JsonObject().put("serverId", s.getString("id")).put("server", s.getString("name"))
            .put("uri", "fake://" + s.getString("name") + "/readme").put("name", "readme").put("mimeType", "text/plain")).toList());
  }

  @Override
  public synchronized Future<JsonObject> readMcpResource(String serverId, String uri, String sessionId) {
    JsonObject s = servers.get(serverId);
    if (s == null) return notFoundServer(serverId);
    if (!("fake://" + s.getString("name") + "/readme").equals(uri)) {
      return io.vertx.serviceproxy.ServiceException.fail(dev.maestro.contracts.ErrorCodes.NOT_FOUND, "resource '" + uri + "': no such resource");
    }
    return Future.succeededFuture(new JsonObject().put("serverId", serverId).put("server", s.getString("name")).put("uri", uri)
        .put("mimeType", "text/plain").put("text", "the readme of " + s.getString("name")).put("truncated", false));
  }

  @Override
  public synchronized Future<List<JsonObject>> listMcpPrompts(String serverId) {
    if (serverId != null && !servers.containsKey(serverId)) return notFoundServer(serverId);
    return Future.succeededFuture(servers.values().stream().filter(s -> serverId == null || serverId.equals(s.getString("id")))
        .map(s -> new JsonObject().put("serverId", s.getString("id")).put("server", s.getString("name")).put("name", "hello")
            .put("arguments", new io.vertx.core.json.JsonArray().add(new JsonObject().put("name", "name").put("required", true)))).toList());
  }

  @Override
  public synchronized Future<JsonObject> getMcpPrompt(String serverId, String name, JsonObject arguments, String sessionId) {
    JsonObject s = servers.get(serverId);
    if (s == null) return notFoundServer(serverId);
    if (!"hello".equals(name)) return io.vertx.serviceproxy.ServiceException.fail(dev.maestro.contracts.ErrorCodes.NOT_FOUND, "no prompt named '" + name + "'");
    String who = arguments == null ? null : arguments.getString("name");
    if (who == null || who.isBlank()) {
      return io.vertx.serviceproxy.ServiceException.fail(dev.maestro.contracts.ErrorCodes.BAD_REQUEST, "the prompt needs arguments",
          new JsonObject().put("errors", new io.vertx.core.json.JsonArray().add(new JsonObject().put("field", "arguments.name").put("message", "is required"))));
    }
    return Future.succeededFuture(new JsonObject().put("serverId", serverId).put("server", s.getString("name")).put("name", name)
        .put("text", "Say hello to " + who));
  }

  private static <T> Future<T> notFoundServer(String serverId) {
    return io.vertx.serviceproxy.ServiceException.fail(dev.maestro.contracts.ErrorCodes.NOT_FOUND, "no MCP server with id '" + serverId + "'");
  }

  @Override
  public Future<List<JsonObject>> mcpInstructions(List<String> toolNames) {
    return Future.succeededFuture(List.of());
  }
}
