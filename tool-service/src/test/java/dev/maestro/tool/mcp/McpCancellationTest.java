package dev.maestro.tool.mcp;

import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.NodeDeps;
import dev.maestro.testkit.TestEnv;
import dev.maestro.tool.ToolServiceVerticle;
import dev.maestro.tool.exec.CallContext;
import dev.maestro.tool.exec.ToolResult;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static dev.maestro.tool.mcp.McpServersTest.NODE_DIR;
import static dev.maestro.tool.mcp.McpServersTest.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real cancellation and SSE resumption against a real MCP server (`slow-server.mjs`, the official
 * TypeScript SDK): a cancelled or timed-out tools/call reaches the server as notifications/cancelled
 * with the request id of that call (the SDK server aborts exactly that handler), and the Maestro call
 * ends at once as an error; over Streamable HTTP a dropped SSE stream is resumed with Last-Event-ID.
 */
class McpCancellationTest {
  static Vertx vertx;
  static ToolService tools;
  static Process httpServer;
  static int httpPort;

  @BeforeAll
  static void start() throws Exception {
    vertx = McpServersTest.freshToolSchema();
    JsonObject config = TestEnv.config().put("MAESTRO_MCP_PING_MS", "2000").put("MAESTRO_MCP_REQUEST_TIMEOUT_SECONDS", "20");
    vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    tools = ToolService.createProxy(vertx);

    httpPort = McpServersTest.freePort();
    httpServer = new ProcessBuilder("node", NODE_DIR.resolve("slow-server.mjs").toString(), "http", String.valueOf(httpPort))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    Awaitility.await("slow-server http listening").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
        .until(() -> McpServersTest.listening(httpPort));
    connect(new JsonObject().put("name", "slowstdio").put("transport", "stdio").put("command", "node")
        .put("args", new JsonArray().add(NODE_DIR.resolve("slow-server.mjs").toString()))
        .put("mounts", new JsonArray().add(NODE_DIR.toString())));
    connect(new JsonObject().put("name", "slowhttp").put("transport", "http").put("url", "http://127.0.0.1:" + httpPort + "/mcp"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (httpServer != null) httpServer.destroyForcibly();
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
  }

  static void connect(JsonObject server) throws Exception {
    String id = tools.createMcpServer(server).await(20, TimeUnit.SECONDS).getString("id");
    waitFor(() -> tools.getMcpServer(id).await(10, TimeUnit.SECONDS), McpServersTest::connected, server.getString("name") + " connected");
    waitFor(() -> tools.listTools().await(10, TimeUnit.SECONDS), list -> list.stream().anyMatch(t -> t.getString("name").equals(server.getString("name") + "__slow")),
        "tools of " + server.getString("name"));
  }

  static <T> T waitFor(Callable<T> get, Predicate<T> ok, String what) throws Exception {
    return Awaitility.await(what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).pollDelay(Duration.ZERO)
        .until(get, ok::test);
  }

  static JsonObject call(String callId, String name, JsonObject args, int timeoutSeconds) {
    return new JsonObject().put("callId", callId).put("sessionId", "mcp-cancel").put("name", name)
        .put("arguments", args).put("timeoutSeconds", timeoutSeconds);
  }

  /** What the server saw: {started:[{label,requestId}], aborted:[{label,requestId,reason}], gets:[Last-Event-ID]}. */
  static JsonObject seen(String server) throws Exception {
    JsonObject r = tools.execute(call(UUID.randomUUID().toString(), server + "__seen", new JsonObject(), 20)).await(30, TimeUnit.SECONDS);
    return new JsonObject(text(r));
  }

  static JsonObject entry(JsonObject seen, String list, String label) {
    return seen.getJsonArray(list).stream().map(JsonObject.class::cast).filter(e -> label.equals(e.getString("label")))
        .findFirst().orElse(null);
  }

  /**
   * Starts `slow`, waits until the server runs it, then cancels it (or lets it time out); checks that
   * the call ends promptly as an error and that the server aborted that very request. Returns the reason.
   */
  String slowCallIsStopped(String server, int timeoutSeconds, boolean cancel, String expectedText) throws Exception {
    String label = UUID.randomUUID().toString();
    String callId = UUID.randomUUID().toString();
    Future<JsonObject> result = tools.execute(call(callId, server + "__slow", new JsonObject().put("label", label), timeoutSeconds));
    JsonObject started = entry(waitFor(() -> seen(server), s -> entry(s, "started", label) != null || result.isComplete(),
        "slow call started on " + server), "started", label);
    assertThat(started).as("the slow call did not start: %s", result.result()).isNotNull();
    long t0 = System.nanoTime();
    if (cancel) tools.cancelCall("mcp-cancel", callId).await(10, TimeUnit.SECONDS);
    JsonObject r = result.await(timeoutSeconds + 10, TimeUnit.SECONDS);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(r.getBoolean("isError")).as(r.encode()).isTrue();
    assertThat(text(r)).contains(expectedText);
    assertThat(tookMs).as("the call ends promptly once stopped").isLessThan(cancel ? 3000 : timeoutSeconds * 1000L + 3000);

    JsonObject aborted = entry(waitFor(() -> seen(server), s -> entry(s, "aborted", label) != null,
        "the server to see notifications/cancelled on " + server), "aborted", label);
    // The SDK server aborts the handler registered under the notification's requestId: same id as the call.
    assertThat(aborted.getValue("requestId")).isEqualTo(started.getValue("requestId"));
    return aborted.getString("reason");
  }

  @Test
  void cancelCallReachesAStdioServer() throws Exception {
    String reason = slowCallIsStopped("slowstdio", 30, true, "call cancelled");
    assertThat(reason).contains("cancelled");
  }

  @Test
  void cancelCallReachesAStreamableHttpServer() throws Exception {
    String reason = slowCallIsStopped("slowhttp", 30, true, "call cancelled");
    assertThat(reason).contains("cancelled");
  }

  @Test
  void aTimedOutCallIsCancelledOnTheServer() throws Exception {
    String reason = slowCallIsStopped("slowhttp", 1, false, "timed out after 1 s");
    assertThat(reason).contains("timeout");
  }

  @Test
  void aCallOutlivesTheMcpRequestTimeoutAndIsStillCancelledOnTheServer() throws Exception {
    // Our own McpConnection with a 2 s MCP request timeout, far below the call's own 30 s: the call (which
    // may be waiting on the user through an elicitation) must not end at the request timeout.
    Context context = vertx.getOrCreateContext();
    CompletableFuture<List<McpSchema.Tool>> listed = new CompletableFuture<>();
    McpConnection[] conn = new McpConnection[1];
    context.runOnContext(v -> {
      conn[0] = new McpConnection(vertx, context, new McpSettings(60_000, 60_000, 60_000, 2),
          new JsonObject().put("id", "sdk-timeout").put("name", "sdktimeout").put("transport", "stdio").put("command", "node")
              .put("args", new JsonArray().add(NODE_DIR.resolve("slow-server.mjs").toString()))
              .put("mounts", new JsonArray().add(NODE_DIR.toString())),
          null, listed::complete, (status, error) -> { }, McpServersTest.sandbox(vertx));
      conn[0].connect();
    });
    listed.get(30, TimeUnit.SECONDS);
    String label = UUID.randomUUID().toString();
    CompletableFuture<ToolResult> result = new CompletableFuture<>();
    CallContext ctx = new CallContext(UUID.randomUUID().toString(), "mcp-cancel", 30, null);
    context.runOnContext(v -> conn[0].call("slow", new JsonObject().put("label", label), ctx)
        .onComplete(ar -> result.complete(ar.result())));
    JsonObject started = Awaitility.await("the slow call started").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          assertThat(result).as("the slow call ended before it started: %s", result.getNow(null)).isNotDone();
          return entry(seenOver(context, conn[0]), "started", label);
        }, Objects::nonNull);
    // The server saw the call, so the 2 s request timeout is running: the call must stay open for the whole
    // window past it (checked all along, failing the moment it ends), not merely be open at its end.
    Awaitility.await("a call living past the MCP request timeout").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50)).until(() -> !result.isDone());
    assertThat(result).as("a call must live as long as its own timeoutSeconds, not the MCP request timeout").isNotDone();
    long t0 = System.nanoTime();
    context.runOnContext(v -> ctx.cancel());
    ToolResult r = result.get(10, TimeUnit.SECONDS);
    assertThat(r.isError()).isTrue();
    assertThat(r.text()).contains("call cancelled");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(3_000);
    JsonObject aborted = Awaitility.await("the server saw the cancellation").atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50)).until(() -> entry(seenOver(context, conn[0]), "aborted", label), Objects::nonNull);
    assertThat(aborted.getValue("requestId")).isEqualTo(started.getValue("requestId"));
    assertThat(aborted.getString("reason")).contains("cancelled");
    context.runOnContext(v -> conn[0].close());
  }

  /** The slow server's `seen` list, asked through the given connection. */
  static JsonObject seenOver(Context context, McpConnection conn) throws Exception {
    CompletableFuture<ToolResult> f = new CompletableFuture<>();
    context.runOnContext(v -> conn.call("seen", new JsonObject(), new CallContext(UUID.randomUUID().toString(), "mcp-cancel", 10, null))
        .onComplete(ar -> f.complete(ar.result())));
    return new JsonObject(f.get(20, TimeUnit.SECONDS).text());
  }

  @Test
  void aDroppedSseStreamIsResumedWithLastEventId() throws Exception {
    long t0 = System.nanoTime();
    JsonObject r = tools.execute(call(UUID.randomUUID().toString(), "slowhttp__drop_stream", new JsonObject(), 20))
        .await(30, TimeUnit.SECONDS);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(r.getBoolean("isError")).as(r.encode()).isFalse();
    assertThat(text(r)).isEqualTo("answered after the stream was dropped");
    // The answer came on a GET that resumed the dropped stream, after the server's `retry: 300`.
    assertThat(seen("slowhttp").getJsonArray("gets").stream().anyMatch(id -> id instanceof String s && !s.isEmpty())).isTrue();
    assertThat(tookMs).isGreaterThanOrEqualTo(290);
  }
}
