package dev.maestro.tool.mcp;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.tool.ToolAnnotations;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.TestEnv;
import dev.maestro.tool.ToolServiceVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * MCP as a whole client against the real server-everything (one stdio start for the class): resources listed,
 * read, subscribed and re-listed on list_changed; prompts listed and got (missing arguments refused); the
 * session's root offered and changed (roots/list_changed); instructions and tool annotations kept.
 */
class McpResourcesPromptsRootsTest {
  static Vertx vertx;
  static ToolService tools;
  static ToolServiceVerticle verticle;
  static String serverId;
  static final List<JsonObject> catalogEvents = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = McpServersTest.freshToolSchema();
    verticle = new ToolServiceVerticle();
    vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(TestEnv.config()
        .put("MAESTRO_MCP_REQUEST_TIMEOUT_SECONDS", "20")
        // one subscription per server: reading a second resource ends the first one's (resources/unsubscribe)
        .put("MAESTRO_MCP_MAX_SUBSCRIPTIONS", "1"))).await(60, TimeUnit.SECONDS);
    tools = ToolService.createProxy(vertx);
    vertx.eventBus().<JsonObject>consumer(Addresses.MCP_CATALOG, m -> catalogEvents.add(m.body()));
    JsonObject s = tools.createMcpServer(new JsonObject().put("name", "every").put("transport", "stdio").put("command", "node")
        .put("args", new JsonArray().add(McpServersTest.everything().toString()).add("stdio"))
        .put("mounts", McpServersTest.nodeDir())).await(20, TimeUnit.SECONDS);
    serverId = s.getString("id");
    Awaitility.await("server-everything connected").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100))
        .until(() -> "connected".equals(tools.getMcpServer(serverId).await(10, TimeUnit.SECONDS).getString("status")));
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void resourcesAreListedReadAndBoundedAndUnknownOnesAre404() throws Exception {
    List<JsonObject> all = tools.listMcpResources(null).await(20, TimeUnit.SECONDS);
    JsonObject doc = all.stream().filter(r -> r.getString("uri").startsWith("demo://resource/static/document/")).findFirst().orElseThrow();
    assertThat(doc.getString("serverId")).isEqualTo(serverId);
    assertThat(doc.getString("server")).isEqualTo("every");
    JsonObject read = tools.readMcpResource(serverId, doc.getString("uri"), null).await(20, TimeUnit.SECONDS);
    assertThat(read.getString("text")).isNotBlank();
    assertThat(read.getBoolean("truncated")).isFalse();
    assertThat(read.getString("server")).isEqualTo("every");

    assertThatThrownBy(() -> tools.readMcpResource(serverId, "demo://resource/static/document/no-such-file.md", null)
        .await(20, TimeUnit.SECONDS)).isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(404));
    assertThatThrownBy(() -> tools.listMcpResources(UUID.randomUUID().toString()).await(20, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(404));
    assertThatThrownBy(() -> tools.readMcpResource(serverId, "", null).await(20, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(400));
  }

  @Test
  void aNewResourceIsSeenAfterListChangedAndASubscribedOneIsUpdated() throws Exception {
    tools.listMcpResources(serverId).await(20, TimeUnit.SECONDS);   // cached now
    String name = "note-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject r = tools.execute(new JsonObject().put("callId", "c-" + name).put("sessionId", "s-gzip").put("name", "every__gzip-file-as-resource")
        .put("arguments", new JsonObject().put("name", name).put("data", "data:text/plain;base64,aGVsbG8="))).await(30, TimeUnit.SECONDS);
    assertThat(r.getBoolean("isError")).as(r.encode()).isFalse();
    Awaitility.await("resources/list_changed honoured").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> tools.listMcpResources(serverId).await(20, TimeUnit.SECONDS).stream()
            .anyMatch(x -> x.getString("uri").endsWith("/" + name)));
    assertThat(catalogEvents).anyMatch(e -> "resources_changed".equals(e.getString("kind")) && serverId.equals(e.getString("serverId")));

    // reading subscribes; the server then reports an update for it (sent at once when toggled on)
    String uri = tools.listMcpResources(serverId).await(20, TimeUnit.SECONDS).stream()
        .map(x -> x.getString("uri")).filter(u -> u.startsWith("demo://resource/static/document/")).findFirst().orElseThrow();
    tools.readMcpResource(serverId, uri, null).await(20, TimeUnit.SECONDS);
    tools.execute(new JsonObject().put("callId", "toggle").put("sessionId", "s-gzip").put("name", "every__toggle-subscriber-updates")
        .put("arguments", new JsonObject())).await(30, TimeUnit.SECONDS);
    Awaitility.await("notifications/resources/updated honoured").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
        .until(() -> catalogEvents.stream().anyMatch(e -> "resource_updated".equals(e.getString("kind")) && uri.equals(e.getString("uri"))));
    tools.execute(new JsonObject().put("callId", "toggle-off").put("sessionId", "s-gzip").put("name", "every__toggle-subscriber-updates")
        .put("arguments", new JsonObject())).await(30, TimeUnit.SECONDS);
  }

  @Test
  void aSubscriptionPushedOutIsUnsubscribedAndGetsNoMoreUpdates() throws Exception {
    List<String> docs = tools.listMcpResources(serverId).await(20, TimeUnit.SECONDS).stream()
        .map(x -> x.getString("uri")).filter(u -> u.startsWith("demo://resource/static/document/")).limit(2).toList();
    assertThat(docs).hasSize(2);
    String first = docs.get(0);
    String second = docs.get(1);
    tools.readMcpResource(serverId, first, null).await(20, TimeUnit.SECONDS);
    tools.readMcpResource(serverId, second, null).await(20, TimeUnit.SECONDS);   // over the bound of 1: first is unsubscribed
    int from = catalogEvents.size();
    // server-everything sends updates for what its session is subscribed to, at once and then every 5 s, in the
    // order of subscription: were first still subscribed, its update would come with the first burst
    tools.execute(new JsonObject().put("callId", "toggle-unsub").put("sessionId", "s-unsub").put("name", "every__toggle-subscriber-updates")
        .put("arguments", new JsonObject())).await(30, TimeUnit.SECONDS);
    try {
      Awaitility.await("two rounds of updates for the subscribed resource").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
          .until(() -> updatesOf(from, second) >= 2);
      assertThat(updatesOf(from, first)).as("updates for the unsubscribed resource").isZero();
      // the update re-read the subscribed resource: it is served from the refreshed copy
      assertThat(tools.readMcpResource(serverId, second, null).await(20, TimeUnit.SECONDS).getString("text")).isNotBlank();
    } finally {
      tools.execute(new JsonObject().put("callId", "toggle-unsub-off").put("sessionId", "s-unsub").put("name", "every__toggle-subscriber-updates")
          .put("arguments", new JsonObject())).await(30, TimeUnit.SECONDS);
    }
  }

  private static long updatesOf(int from, String uri) {
    return catalogEvents.subList(from, catalogEvents.size()).stream()
        .filter(e -> "resource_updated".equals(e.getString("kind")) && uri.equals(e.getString("uri"))).count();
  }

  @Test
  void promptsAreListedAndGotAndMissingArgumentsAreAskedFor() throws Exception {
    List<JsonObject> prompts = tools.listMcpPrompts(null).await(20, TimeUnit.SECONDS);
    JsonObject args = prompts.stream().filter(p -> "args-prompt".equals(p.getString("name"))).findFirst().orElseThrow();
    assertThat(args.getJsonArray("arguments").stream().map(JsonObject.class::cast))
        .anyMatch(a -> "city".equals(a.getString("name")) && a.getBoolean("required"));
    assertThatThrownBy(() -> tools.getMcpPrompt(serverId, "args-prompt", new JsonObject(), null).await(20, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(400);
          assertThat(e.getDebugInfo().getJsonArray("errors").encode()).contains("arguments.city");
          assertThat(e.getDebugInfo().getJsonArray("arguments")).isNotEmpty();
        });
    JsonObject got = tools.getMcpPrompt(serverId, "args-prompt", new JsonObject().put("city", "Lisbon"), null).await(20, TimeUnit.SECONDS);
    assertThat(got.getString("text")).contains("Lisbon");
    assertThatThrownBy(() -> tools.getMcpPrompt(serverId, "no-such-prompt", new JsonObject(), null).await(20, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.failureCode()).isEqualTo(404));
  }

  @Test
  void theSessionsWorkspaceIsOfferedAsRootAndAMovedRootIsAnnounced() throws Exception {
    String session = "roots-" + UUID.randomUUID();
    // the server re-lists roots when told (list_changed goes out before the session's first call; its
    // roots/list answer may land just after that call)
    Awaitility.await("the session's workspace offered").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
        .until(() -> rootsSeenBy(session), t -> t.contains("/workspaces/" + session));
    Path worktree = Path.of("/tmp/maestro-worktree-" + UUID.randomUUID());
    verticle.service().mcp().roots().set(session, worktree);
    Awaitility.await("roots/list_changed made the server re-list").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
        .until(() -> rootsSeenBy(session), t -> t.contains(worktree.toString()) && !t.contains("/workspaces/" + session));
  }

  @Test
  void instructionsAndAnnotationsAreKept() throws Exception {
    List<JsonObject> instructions = tools.mcpInstructions(List.of()).await(20, TimeUnit.SECONDS);
    assertThat(instructions).anyMatch(i -> "every".equals(i.getString("server")) && !i.getString("instructions").isBlank());
    assertThat(tools.getMcpServer(serverId).await(10, TimeUnit.SECONDS).getString("instructions")).isNotBlank();
    // the version negotiated in initialize, per server: server-everything speaks the SDK's latest with us
    assertThat(tools.getMcpServer(serverId).await(10, TimeUnit.SECONDS).getString("protocolVersion")).isEqualTo("2025-11-25");
    assertThat(tools.listMcpServers().await(10, TimeUnit.SECONDS)).anyMatch(s -> "2025-11-25".equals(s.getString("protocolVersion")));
    assertThat(tools.mcpInstructions(List.of("read_file")).await(20, TimeUnit.SECONDS)).isEmpty();
    JsonObject roots = tools.listTools().await(20, TimeUnit.SECONDS).stream()
        .filter(t -> "every__get-roots-list".equals(t.getString("name"))).findFirst().orElseThrow();
    assertThat(ToolAnnotations.readOnly(roots)).isTrue();
    JsonObject gzip = tools.listTools().await(20, TimeUnit.SECONDS).stream()
        .filter(t -> "every__gzip-file-as-resource".equals(t.getString("name"))).findFirst().orElseThrow();
    assertThat(gzip.getJsonObject("annotations")).isNotNull();
    assertThat(ToolAnnotations.readOnly(gzip)).isFalse();
  }

  private static String rootsSeenBy(String session) throws Exception {
    JsonObject r = tools.execute(new JsonObject().put("callId", "roots-" + UUID.randomUUID()).put("sessionId", session)
        .put("name", "every__get-roots-list").put("arguments", new JsonObject())).await(30, TimeUnit.SECONDS);
    assertThat(r.getBoolean("isError")).as(r.encode()).isFalse();
    return r.encode();
  }
}
