package dev.maestro.tool.mcp;

import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.TestEnv;
import dev.maestro.tool.ToolServiceVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The revision probe for stdio servers ({@code era-server.mjs}, which logs every method it receives): a
 * 2026-07-28 server is found with server/discover and used statelessly (never initialize); a 2025 server
 * (the official SDK's) is probed once, then initialized on the same process (it answered the probe); the revision is stored with the
 * server, shown while it is not connected, and a reconnect of the 2025 server does not probe again.
 */
class McpStdioRevisionTest {
  static Vertx vertx;
  static ToolService tools;
  static Path logs;

  @BeforeAll
  static void start() throws Exception {
    vertx = McpServersTest.freshToolSchema();
    vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(TestEnv.config()
        .put("MAESTRO_MCP_REQUEST_TIMEOUT_SECONDS", "20"))).await(60, TimeUnit.SECONDS);
    tools = ToolService.createProxy(vertx);
    McpServersTest.tools = tools;
    logs = Files.createTempDirectory("maestro-era-logs");
    // sandboxed servers may run as an unprivileged uid: let them write their logs
    Files.setPosixFilePermissions(logs, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
  }

  static JsonObject server(String name, Path log, String era) {
    return new JsonObject().put("name", name).put("transport", "stdio").put("command", "node")
        .put("args", new JsonArray().add(McpServersTest.NODE_DIR.resolve("era-server.mjs").toString()).add(log.toString()).add(era))
        .put("mounts", McpServersTest.nodeDir().add(logs + ":rw"));
  }

  static List<String> methods(Path log) throws Exception {
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  @Test
  void aStdioServerOf2026IsDiscoveredAndUsedStatelessly() throws Exception {
    Path log = logs.resolve("s2026-" + UUID.randomUUID() + ".log");
    String id = tools.createMcpServer(server("s26", log, "2026")).await(20, TimeUnit.SECONDS).getString("id");
    JsonObject shown = McpServersTest.waitForServer(id, McpServersTest::connected, "2026 stdio server connected");
    assertThat(shown.getString("protocolVersion")).isEqualTo("2026-07-28");
    assertThat(shown.getString("instructions")).isEqualTo("A stdio server of 2026.");
    McpServersTest.waitForTool("s26__echo", true);
    JsonObject r = tools.execute(new JsonObject().put("callId", UUID.randomUUID().toString()).put("sessionId", "stdio-2026")
        .put("name", "s26__echo").put("arguments", new JsonObject().put("message", "hi")).put("timeoutSeconds", 20))
        .await(30, TimeUnit.SECONDS);
    assertThat(McpServersTest.text(r)).as(r.encode()).isEqualTo("echo: hi");
    assertThat(methods(log)).startsWith("server/discover").contains("tools/list", "tools/call").doesNotContain("initialize");

    // stored: shown while the server is not connected
    tools.updateMcpServer(id, new JsonObject().put("enabled", false)).await(20, TimeUnit.SECONDS);
    assertThat(tools.getMcpServer(id).await(10, TimeUnit.SECONDS).getString("protocolVersion")).isEqualTo("2026-07-28");
  }

  @Test
  void aStdioServerOf2026TellsListChangesOnSubscriptionsListen() throws Exception {
    Path log = logs.resolve("l2026-" + UUID.randomUUID() + ".log");
    String id = tools.createMcpServer(server("l26", log, "2026")).await(20, TimeUnit.SECONDS).getString("id");
    McpServersTest.waitForServer(id, McpServersTest::connected, "2026 stdio server connected");
    McpServersTest.waitForTool("l26__grow", true);
    Awaitility.await("listen opened").atMost(Duration.ofSeconds(10)).until(() -> methods(log).contains("subscriptions/listen"));
    JsonObject r = tools.execute(new JsonObject().put("callId", UUID.randomUUID().toString()).put("sessionId", "stdio-2026")
        .put("name", "l26__grow").put("arguments", new JsonObject()).put("timeoutSeconds", 20)).await(30, TimeUnit.SECONDS);
    assertThat(McpServersTest.text(r)).as(r.encode()).isEqualTo("grown");
    McpServersTest.waitForTool("l26__grown", true);
    assertThat(methods(log).stream().filter("subscriptions/listen"::equals)).as("the same stream: no reconnect").hasSize(1);
    tools.deleteMcpServer(id).await(20, TimeUnit.SECONDS);
  }

  @Test
  void aStdioServerOf2025IsProbedOnceThenInitializedAndReconnectsSkipTheProbe() throws Exception {
    Path log = logs.resolve("s2025-" + UUID.randomUUID() + ".log");
    String id = tools.createMcpServer(server("s25", log, "2025")).await(20, TimeUnit.SECONDS).getString("id");
    JsonObject shown = McpServersTest.waitForServer(id, McpServersTest::connected, "2025 stdio server connected");
    assertThat(shown.getString("protocolVersion")).startsWith("2025-");
    assertThat(McpServersTest.text(McpServersTest.call("s25__hello", new JsonObject(), null))).isEqualTo("hello from 2025");
    List<String> first = methods(log);
    assertThat(first).containsSubsequence("server/discover", "initialize");
    assertThat(first.stream().filter("server/discover"::equals)).hasSize(1);

    // a change that keeps the program: reconnected straight to initialize (the stored revision)
    tools.updateMcpServer(id, new JsonObject().put("env", new JsonObject().put("ERA_TEST", "1"))).await(20, TimeUnit.SECONDS);
    Awaitility.await("reconnected with initialize").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> methods(log).stream().filter("initialize"::equals).count() == 2
            && McpServersTest.connected(tools.getMcpServer(id).await(10, TimeUnit.SECONDS)));
    assertThat(methods(log).stream().filter("server/discover"::equals)).as("no second probe").hasSize(1);

    // another program: probed afresh
    Path other = logs.resolve("s2025b-" + UUID.randomUUID() + ".log");
    tools.updateMcpServer(id, new JsonObject().put("args", server("s25", other, "2025").getJsonArray("args"))).await(20, TimeUnit.SECONDS);
    Awaitility.await("the new program probed").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> methods(other).contains("initialize"));
    assertThat(methods(other)).containsSubsequence("server/discover", "initialize");
  }
}
