package dev.maestro.tool.mcp;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.events.IntegrationEvents;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.TestEnv;
import dev.maestro.tool.ToolServiceVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * tool-service publishes mcp.status on maestro.events (BUS.md) in the documented envelope, for
 * everybody (userId null), without the server's error text or environment (which may hold tokens).
 */
class McpStatusEventTest {
  static Vertx vertx;

  @BeforeAll
  static void start() throws Exception {
    vertx = McpServersTest.freshToolSchema();
    vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(TestEnv.config()
        .put("MAESTRO_MCP_BACKOFF_MS", "60000"))).await(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void aServerThatFailsIsPublishedWithoutItsErrorText() throws Exception {
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> seen.add(m.body())).completion().await(10, TimeUnit.SECONDS);
    JsonObject s = ToolService.createProxy(vertx).createMcpServer(new JsonObject().put("name", "broken").put("transport", "stdio")
        .put("command", "/nonexistent/mcp-server").put("env", new JsonObject().put("API_TOKEN", "t0ken-secret")))
        .await(20, TimeUnit.SECONDS);
    JsonObject failed = Awaitility.await("mcp.status failed").atMost(Duration.ofSeconds(30)).until(() -> seen.stream()
        .filter(e -> IntegrationEvents.MCP_STATUS.equals(e.getString("type"))
            && "failed".equals(e.getJsonObject("data").getString("status"))).findFirst(), java.util.Optional::isPresent).get();
    assertThat(IntegrationEvents.problem(failed)).isNull();
    assertThat(failed.getJsonObject("data")).isEqualTo(new JsonObject().put("serverId", s.getString("id")).put("name", "broken")
        .put("status", "failed"));
    assertThat(failed.getValue("userId")).isNull();
    assertThat(failed.encode()).doesNotContain("nonexistent").doesNotContain("t0ken-secret");
  }
}
