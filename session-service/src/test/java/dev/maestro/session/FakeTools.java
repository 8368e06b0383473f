package dev.maestro.session;

import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.tool.ToolService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tool-service speaking the ToolService contract: tools with a policy each; {@code echo} answers
 * at once, {@code slow} after 300 ms, {@code block} only when cancelled, {@code elicit} (offered
 * when a test puts its policy) when the session's user answered its elicitation. Records calls, cancels and
 * the highest number of calls running at once.
 */
public class FakeTools implements dev.maestro.testkit.services.NoMcpServers {
  private final Vertx vertx;
  public final Map<String, String> policies = new ConcurrentHashMap<>();
  public final List<JsonObject> executed = new CopyOnWriteArrayList<>();
  public final List<String> cancelled = new CopyOnWriteArrayList<>();
  /** "sessionId/callId" of every cancel (call ids are scoped by session). */
  public final List<String> cancelledInSession = new CopyOnWriteArrayList<>();
  public final AtomicInteger running = new AtomicInteger();
  /** How many times a session asked for its tool list (issue 14: once, then after each change announcement). */
  public final AtomicInteger listed = new AtomicInteger();
  public final AtomicInteger maxRunning = new AtomicInteger();
  private final Map<String, Promise<JsonObject>> blocked = new ConcurrentHashMap<>();

  public FakeTools(Vertx vertx) {
    this.vertx = vertx;
    policies.put("echo", "allow");
    policies.put("slow", "allow");
    policies.put("block", "allow");
  }

  /** What the {@code elicit} tool asks: the SEP-1034 form of the MCP conformance suite. */
  static final JsonObject FORM = new JsonObject().put("type", "object").put("required", new JsonArray())
      .put("properties", new JsonObject()
          .put("name", new JsonObject().put("type", "string").put("default", "John Doe"))
          .put("age", new JsonObject().put("type", "integer").put("default", 30))
          .put("score", new JsonObject().put("type", "number").put("default", 95.5))
          .put("status", new JsonObject().put("type", "string").put("enum", new JsonArray().add("active").add("inactive")).put("default", "active"))
          .put("verified", new JsonObject().put("type", "boolean").put("default", true)));

  private JsonObject tool(String name) {
    return new JsonObject().put("name", name).put("description", "the " + name + " tool").put("source", "builtin")
        .put("inputSchema", new JsonObject().put("type", "object")).put("enabled", true).put("policy", policies.get(name));
  }

  @Override
  public Future<List<JsonObject>> listTools() {
    List<JsonObject> all = new ArrayList<>();
    policies.keySet().forEach(n -> all.add(tool(n)));
    return Future.succeededFuture(all);
  }

  @Override
  public Future<List<JsonObject>> toolsForSession(String sessionId, List<String> names) {
    listed.incrementAndGet();
    List<JsonObject> all = new ArrayList<>();
    policies.keySet().stream().sorted().filter(n -> names == null || names.isEmpty() || names.contains(n)).forEach(n -> all.add(tool(n)));
    return Future.succeededFuture(all);
  }

  @Override
  public Future<JsonObject> updateTool(String name, JsonObject patch) {
    return Future.succeededFuture(tool(name));
  }

  @Override
  public Future<JsonObject> execute(JsonObject call) {
    executed.add(call);
    int now = running.incrementAndGet();
    maxRunning.accumulateAndGet(now, Math::max);
    String callId = call.getString("callId");
    JsonObject ok = new JsonObject().put("callId", callId).put("isError", false)
        .put("content", new JsonArray().add(new JsonObject().put("type", "text")
            .put("text", call.getString("name") + ":" + call.getJsonObject("arguments").encode())));
    Promise<JsonObject> p = Promise.promise();
    switch (call.getString("name")) {
      case "slow" -> vertx.setTimer(300, t -> p.tryComplete(ok));
      case "block" -> blocked.put(callId, p);
      // like tool-service with an MCP server that elicits: ask the session's user, answer with what came back
      case "elicit" -> SessionService.createLongProxy(vertx, 60_000).requestElicitation(call.getString("sessionId"),
              new JsonObject().put("callId", callId).put("server", "fake").put("message", "Who are you?").put("schema", FORM))
          .onComplete(ar -> p.tryComplete(new JsonObject().put("callId", callId).put("isError", ar.failed())
              .put("content", new JsonArray().add(new JsonObject().put("type", "text")
                  .put("text", ar.succeeded() ? ar.result().encode() : "failed: " + ar.cause().getMessage())))));
      default -> p.tryComplete(ok);
    }
    return p.future().andThen(ar -> running.decrementAndGet());
  }

  @Override
  public Future<Void> cancelCall(String sessionId, String callId) {
    cancelledInSession.add(sessionId + "/" + callId);
    cancelled.add(callId);
    Promise<JsonObject> p = blocked.remove(callId);
    if (p != null) {
      p.tryComplete(new JsonObject().put("callId", callId).put("isError", true)
          .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "cancelled"))));
    }
    return Future.succeededFuture();
  }

  @Override public Future<List<JsonObject>> listMcpServers() { return Future.succeededFuture(List.of()); }
  @Override public Future<JsonObject> createMcpServer(JsonObject server) { return Future.succeededFuture(server); }
  @Override public Future<JsonObject> getMcpServer(String serverId) { return Future.succeededFuture(new JsonObject()); }
  @Override public Future<JsonObject> updateMcpServer(String serverId, JsonObject patch) { return Future.succeededFuture(patch); }
  @Override public Future<Void> deleteMcpServer(String serverId) { return Future.succeededFuture(); }
  @Override public Future<JsonObject> restartMcpServer(String serverId) { return Future.succeededFuture(new JsonObject()); }
}
