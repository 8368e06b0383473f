package dev.maestro.tool.mcp;

import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolResult;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The launcher the MCP conformance runner spawns: Maestro's own {@link McpConnection} against the
 * fixture URL (last argument), then the tool call the scenario (MCP_CONFORMANCE_SCENARIO) expects.
 * Exit 0 when the client did its part; the runner's checks decide pass/fail.
 */
public final class ConformanceClient {
  private static final Map<String, String> TOOL_FOR_SCENARIO = Map.of(
      "tools_call", "add_numbers",
      "sse-retry", "test_reconnection",
      "elicitation-sep1034-client-defaults", "test_client_elicitation_defaults");

  private ConformanceClient() {}

  public static void main(String[] args) throws Exception {
    String url = args[args.length - 1];
    String scenario = System.getenv().getOrDefault("MCP_CONFORMANCE_SCENARIO", "");
    Vertx vertx = Vertx.vertx();
    int code = 1;
    try {
      code = run(vertx, url, scenario);
    } catch (Exception e) {
      System.err.println("conformance client: " + e);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    System.exit(code);
  }

  private static int run(Vertx vertx, String url, String scenario) throws Exception {
    Context context = vertx.getOrCreateContext();
    CompletableFuture<List<McpSchema.Tool>> tools = new CompletableFuture<>();
    McpSettings settings = new McpSettings(60_000, 60_000, 60_000, 20);
    JsonObject config = new JsonObject().put("name", "conformance").put("transport", "http").put("url", url);
    McpConnection[] conn = new McpConnection[1];
    context.runOnContext(v -> {
      conn[0] = new McpConnection(vertx, context, settings, config, null, tools::complete, (status, error) -> {
        System.err.println("status " + status + (error != null ? ": " + error : ""));
        if (McpConnection.FAILED.equals(status)) tools.completeExceptionally(new IllegalStateException(error));
      });
      conn[0].connect();
    });
    List<McpSchema.Tool> list = tools.get(30, TimeUnit.SECONDS);
    String wanted = TOOL_FOR_SCENARIO.getOrDefault(scenario, scenario.startsWith("auth/") ? "test-tool" : null);
    if (wanted != null && list.stream().anyMatch(t -> t.name().equals(wanted))) {
      JsonObject arguments = wanted.equals("add_numbers") ? new JsonObject().put("a", 5).put("b", 3) : new JsonObject();
      CompletableFuture<ToolResult> result = new CompletableFuture<>();
      context.runOnContext(v -> conn[0].call(wanted, arguments, new CallContext("conformance-1", "conformance", 30, null))
          .onComplete(ar -> {
            if (ar.succeeded()) result.complete(ar.result());
            else result.completeExceptionally(ar.cause());
          }));
      ToolResult r = result.get(30, TimeUnit.SECONDS);
      System.err.println("tool " + wanted + " → isError=" + r.isError() + " " + r.text());
      if (r.isError()) return 1;
    }
    CompletableFuture<Void> closed = new CompletableFuture<>();
    context.runOnContext(v -> {
      conn[0].close();
      closed.complete(null);
    });
    closed.get(10, TimeUnit.SECONDS);
    Thread.sleep(300); // let the graceful close (session DELETE) go out
    return 0;
  }
}
