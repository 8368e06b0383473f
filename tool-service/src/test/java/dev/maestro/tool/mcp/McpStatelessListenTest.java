package dev.maestro.tool.mcp;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.TestEnv;
import dev.maestro.tool.ToolServiceVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code subscriptions/listen} against {@link Stateless2026Server} built with listen: the stream opened after
 * server/discover with the filter the server advertised, a tool added on the server reaching Maestro's tool list
 * without a reconnect, notifications/resources/updated re-caching a read resource (and the mcp-catalog bus event),
 * a dropped stream reopened, and the stream ended when the connection is closed (server deleted).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class McpStatelessListenTest {
  static Vertx vertx;
  static ToolService tools;
  static final Stateless2026Server server = new Stateless2026Server(true);
  static String serverId;
  static final List<JsonObject> catalog = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = McpServersTest.freshToolSchema();
    vertx.eventBus().<JsonObject>consumer(Addresses.MCP_CATALOG, m -> catalog.add(m.body())).completion().await(10, TimeUnit.SECONDS);
    vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(TestEnv.config()
        .put("MAESTRO_MCP_REQUEST_TIMEOUT_SECONDS", "20"))).await(60, TimeUnit.SECONDS);
    tools = ToolService.createProxy(vertx);
    int port = server.start(vertx).await(10, TimeUnit.SECONDS);
    serverId = tools.createMcpServer(new JsonObject().put("name", "live").put("transport", "http")
        .put("url", "http://127.0.0.1:" + port + "/mcp")).await(20, TimeUnit.SECONDS).getString("id");
    McpCancellationTest.waitFor(() -> tools.getMcpServer(serverId).await(10, TimeUnit.SECONDS), McpServersTest::connected,
        "2026-07-28 server connected");
    Awaitility.await("listen stream open").atMost(Duration.ofSeconds(10)).until(() -> server.listens.size() == 1);
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
    server.stop();
  }

  static List<String> toolNames() throws Exception {
    return tools.listTools().await(10, TimeUnit.SECONDS).stream().map(t -> t.getString("name")).toList();
  }

  @Test
  @Order(1)
  void listenIsOpenedAfterDiscoverWithTheAdvertisedFilter() {
    Stateless2026Server.Seen listen = server.seen("subscriptions/listen").get(0);
    assertThat(listen.header("Mcp-Method")).isEqualTo("subscriptions/listen");
    assertThat(listen.header("MCP-Protocol-Version")).isEqualTo("2026-07-28");
    JsonObject filter = listen.params().getJsonObject("notifications");
    assertThat(filter.getBoolean("toolsListChanged")).isTrue();
    assertThat(filter.getBoolean("resourcesListChanged")).isTrue();
    assertThat(filter.getBoolean("promptsListChanged")).isTrue();
    assertThat(filter.getJsonArray("resourceSubscriptions").getList()).isEmpty();
    assertThat(listen.params().getJsonObject("_meta").getString("io.modelcontextprotocol/protocolVersion")).isEqualTo("2026-07-28");
    assertThat(server.seen.indexOf(listen)).isGreaterThan(server.seen.indexOf(server.seen("server/discover").get(0)));
  }

  @Test
  @Order(2)
  void aToolAddedOnTheServerReachesTheToolListWithoutReconnecting() throws Exception {
    assertThat(toolNames()).contains("live__echo").doesNotContain("live__fresh");
    int listensBefore = server.seen("subscriptions/listen").size();
    List<JsonObject> changed = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Addresses.TOOLS_CHANGED, m -> changed.add(m.body() == null ? new JsonObject() : m.body()));
    server.addTool("fresh");
    Awaitility.await("the new tool listed").atMost(Duration.ofSeconds(10)).until(() -> toolNames().contains("live__fresh"));
    assertThat(server.seen("subscriptions/listen")).as("same stream: no reconnect").hasSize(listensBefore);
    assertThat(server.listens).hasSize(1);
    Awaitility.await("tools-changed published").atMost(Duration.ofSeconds(5)).until(() -> !changed.isEmpty());
  }

  @Test
  @Order(3)
  void resourcesUpdatedReCachesTheReadResource() throws Exception {
    JsonObject first = tools.readMcpResource(serverId, "note://hello", null).await(20, TimeUnit.SECONDS);
    assertThat(first.getString("text")).isEqualTo("hello from 2026");
    // the URI joins the stream's resourceSubscriptions (the stream is reopened with it)
    Awaitility.await("listen reopened with the subscription").atMost(Duration.ofSeconds(10)).until(() -> server.listens.size() == 1
        && server.listens.get(0).filter().getJsonArray("resourceSubscriptions", new io.vertx.core.json.JsonArray()).contains("note://hello"));
    int reads = server.seen("resources/read").size();
    catalog.clear();

    server.updateNote("changed on the server");
    Awaitility.await("mcp-catalog event for the update").atMost(Duration.ofSeconds(10)).until(() -> catalog.stream()
        .anyMatch(e -> "note://hello".equals(e.getString("uri")) && serverId.equals(e.getString("serverId"))));
    assertThat(server.seen("resources/read")).as("re-read once on the notification").hasSize(reads + 1);
    JsonObject again = tools.readMcpResource(serverId, "note://hello", null).await(20, TimeUnit.SECONDS);
    assertThat(again.getString("text")).isEqualTo("changed on the server");
    assertThat(server.seen("resources/read")).as("served from the re-cached copy").hasSize(reads + 1);
  }

  @Test
  @Order(4)
  void aDroppedStreamIsReopened() throws Exception {
    int listensBefore = server.seen("subscriptions/listen").size();
    server.dropListens();
    Awaitility.await("listen reopened").atMost(Duration.ofSeconds(10))
        .until(() -> server.seen("subscriptions/listen").size() > listensBefore && server.listens.size() == 1);
    assertThat(server.seen("subscriptions/listen").get(listensBefore).params().getJsonObject("notifications")
        .getJsonArray("resourceSubscriptions").getList()).as("subscriptions kept").containsExactly("note://hello");
    server.addTool("after_drop");
    Awaitility.await("changes flow on the new stream").atMost(Duration.ofSeconds(10)).until(() -> toolNames().contains("live__after_drop"));
  }

  @Test
  @Order(5)
  void closingTheConnectionEndsTheStream() throws Exception {
    assertThat(server.listens).hasSize(1);
    tools.deleteMcpServer(serverId).await(20, TimeUnit.SECONDS);
    Awaitility.await("listen stream closed").atMost(Duration.ofSeconds(10)).until(() -> server.listens.isEmpty());
    int listens = server.seen("subscriptions/listen").size();
    Awaitility.await("not reopened").during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
        .until(() -> server.listens.isEmpty() && server.seen("subscriptions/listen").size() == listens);
  }
}
