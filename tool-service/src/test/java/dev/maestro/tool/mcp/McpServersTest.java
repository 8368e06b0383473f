package dev.maestro.tool.mcp;

import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.NodeDeps;
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

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The MCP client against real npm servers: server-everything (stdio and Streamable HTTP), server-filesystem. */
class McpServersTest {
  static final Path NODE_DIR = Path.of("src/test/node/mcp").toAbsolutePath();
  static Vertx vertx;
  static ToolService tools;
  static Process httpServer;
  static int httpPort;
  static Path fsRoot;

  @BeforeAll
  static void start() throws Exception {
    vertx = freshToolSchema();
    JsonObject config = TestEnv.config().put("MAESTRO_MCP_PING_MS", "300").put("MAESTRO_MCP_BACKOFF_MS", "1500")
        .put("MAESTRO_MCP_MAX_BACKOFF_MS", "3000").put("MAESTRO_MCP_REQUEST_TIMEOUT_SECONDS", "20");
    // Outside the data dir: a sandboxed server never sees the data dir, and a mount into it is refused.
    fsRoot = Files.createTempDirectory("maestro-fs-root");
    // When the tests run as root, sandboxed servers run as an unprivileged uid: let it in.
    Files.setPosixFilePermissions(fsRoot, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.writeString(fsRoot.resolve("hello.txt"), "hello from the filesystem server");
    vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    tools = ToolService.createProxy(vertx);

    httpPort = freePort();
    ProcessBuilder pb = new ProcessBuilder("node", everything().toString(), "streamableHttp")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PORT", String.valueOf(httpPort));
    httpServer = pb.start();
    Awaitility.await("server-everything streamableHttp listening").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> listening(httpPort));
  }

  @AfterAll
  static void stop() throws Exception {
    if (httpServer != null) {
      httpServer.descendants().forEach(ProcessHandle::destroyForcibly);
      httpServer.destroyForcibly();
    }
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
  }

  /** The test servers live here; a sandboxed server sees only what is mounted. */
  /**
   * What every MCP test class starts with: the node servers installed, a Vert.x, and the tool schema
   * dropped so the service under test migrates it from scratch.
   */
  static Vertx freshToolSchema() throws Exception {
    NodeDeps.ensureInstalled(NODE_DIR);
    Vertx v = Vertx.vertx();
    TestEnv.ensureDatabase(v).await(30, TimeUnit.SECONDS);
    TestEnv.dropSchema(v, ToolServiceVerticle.SCHEMA).await(30, TimeUnit.SECONDS);
    return v;
  }

  static JsonArray nodeDir() {
    return new JsonArray().add(NODE_DIR.toString());
  }

  /** The sandbox the service itself detects, for connections built by hand. */
  static McpSandbox sandbox(Vertx vertx) {
    Path dataDir = Path.of(TestEnv.config().getString("MAESTRO_DATA_DIR"));
    return new McpSandbox(dev.maestro.tool.builtin.Sandbox.detect(dev.maestro.tool.builtin.SandboxSettings.defaults(),
        dataDir.resolve("sandbox-probe")), dataDir);
  }

  static Path everything() {
    return NODE_DIR.resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static boolean listening(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static JsonObject create(JsonObject server) throws Exception {
    return tools.createMcpServer(server).await(20, TimeUnit.SECONDS);
  }

  static JsonObject waitForServer(String id, Predicate<JsonObject> p, String what) throws Exception {
    return Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).pollDelay(Duration.ZERO)
        .until(() -> tools.getMcpServer(id).await(10, TimeUnit.SECONDS), p::test);
  }

  static JsonObject waitForTool(String name, boolean present) throws Exception {
    return Awaitility.await("tool " + name + " present=" + present).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .pollDelay(Duration.ZERO).until(() -> tools.listTools().await(10, TimeUnit.SECONDS).stream()
            .filter(j -> j.getString("name").equals(name)).findFirst(), t -> t.isPresent() == present).orElse(null);
  }

  static JsonObject call(String name, JsonObject args, String progressAddress) throws Exception {
    JsonObject c = new JsonObject().put("callId", UUID.randomUUID().toString()).put("sessionId", "mcp")
        .put("name", name).put("arguments", args).put("timeoutSeconds", 30);
    if (progressAddress != null) c.put("progressAddress", progressAddress);
    return tools.execute(c).await(60, TimeUnit.SECONDS);
  }

  static String text(JsonObject result) {
    StringBuilder sb = new StringBuilder();
    for (Object o : result.getJsonArray("content")) {
      JsonObject b = (JsonObject) o;
      if ("text".equals(b.getString("type"))) sb.append(b.getString("text"));
    }
    return sb.toString();
  }

  static boolean connected(JsonObject s) {
    return "connected".equals(s.getString("status"));
  }

  @Test
  void everythingOverStdio() throws Exception {
    JsonObject s = create(new JsonObject().put("name", "everything").put("transport", "stdio").put("command", "node")
        .put("args", new JsonArray().add(everything().toString()).add("stdio")).put("mounts", nodeDir()));
    waitForServer(s.getString("id"), McpServersTest::connected, "stdio connected");
    JsonObject echo = waitForTool("everything__echo", true);
    assertThat(echo.getString("source")).isEqualTo("mcp:everything");
    assertThat(echo.getJsonObject("inputSchema").getJsonObject("properties").containsKey("message")).isTrue();
    JsonObject r = call("everything__echo", new JsonObject().put("message", "hi there"), null);
    assertThat(r.getBoolean("isError")).as(r.encode()).isFalse();
    assertThat(text(r)).contains("hi there");

    JsonObject invalid = call("everything__echo", new JsonObject().put("message", 5), null);
    assertThat(invalid.getBoolean("isError")).isTrue();
    assertThat(text(invalid)).contains("invalid arguments");

    String address = "test.mcp.progress." + UUID.randomUUID();
    List<JsonObject> progress = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(address, m -> progress.add(m.body())).completion().await(10, TimeUnit.SECONDS);
    JsonObject longOp = call("everything__trigger-long-running-operation",
        new JsonObject().put("duration", 1).put("steps", 3), address);
    assertThat(text(longOp)).contains("Long running operation completed");
    assertThat(progress).isNotEmpty();
    assertThat(progress.get(0).getString("type")).isEqualTo("progress");
  }

  @Test
  void everythingOverStreamableHttp() throws Exception {
    JsonObject s = create(new JsonObject().put("name", "web").put("transport", "http")
        .put("url", "http://127.0.0.1:" + httpPort + "/mcp").put("headers", new JsonObject().put("X-Api-Key", "secret-h")));
    JsonObject up = waitForServer(s.getString("id"), McpServersTest::connected, "http connected");
    assertThat(up.getJsonObject("headers").getString("X-Api-Key")).isEqualTo("********");
    // server/discover (2026-07-28) went first and was refused: the client fell back to initialize
    assertThat(up.getString("protocolVersion")).isEqualTo("2025-11-25");
    waitForTool("web__get-sum", true);
    JsonObject r = call("web__get-sum", new JsonObject().put("a", 2).put("b", 3), null);
    assertThat(r.getBoolean("isError")).as(r.encode()).isFalse();
    assertThat(text(r)).contains("5");
  }

  @Test
  void filesystemServer() throws Exception {
    JsonObject s = create(new JsonObject().put("name", "fs").put("transport", "stdio").put("command", "node")
        .put("args", new JsonArray().add(NODE_DIR.resolve("node_modules/@modelcontextprotocol/server-filesystem/dist/index.js").toString())
            .add(fsRoot.toString())).put("mounts", nodeDir().add(fsRoot + ":rw")));
    waitForServer(s.getString("id"), McpServersTest::connected, "fs connected");
    JsonObject read = waitForTool("fs__read_text_file", true);
    assertThat(read.getString("policy")).isEqualTo("allow");   // readOnlyHint
    assertThat(read.getBoolean("readOnly")).isTrue();            // so a session in plan mode may run it (issue 16)
    assertThat(waitForTool("fs__write_file", true).getString("policy")).isEqualTo("ask");
    assertThat(waitForTool("fs__write_file", true).getBoolean("readOnly")).isFalse();
    JsonObject r = call("fs__read_text_file", new JsonObject().put("path", fsRoot.resolve("hello.txt").toString()), null);
    assertThat(text(r)).contains("hello from the filesystem server");
    JsonObject outside = call("fs__read_text_file", new JsonObject().put("path", "/etc/passwd"), null);
    assertThat(outside.getBoolean("isError")).isTrue();
  }

  @Test
  void listChangedIsPickedUp() throws Exception {
    JsonObject s = create(new JsonObject().put("name", "dyn").put("transport", "stdio").put("command", "node")
        .put("args", new JsonArray().add(NODE_DIR.resolve("list-changed-server.mjs").toString())).put("mounts", nodeDir()));
    waitForServer(s.getString("id"), McpServersTest::connected, "dyn connected");
    waitForTool("dyn__first", true);
    assertThat(waitForTool("dyn__second", false)).isNull();
    assertThat(text(call("dyn__add_tool", new JsonObject(), null))).isEqualTo("added");
    JsonObject second = waitForTool("dyn__second", true);
    assertThat(second.getString("policy")).isEqualTo("allow");
    assertThat(text(call("dyn__second", new JsonObject(), null))).isEqualTo("second here");
    call("dyn__remove_tool", new JsonObject(), null);
    waitForTool("dyn__second", false);
    JsonObject fail = call("dyn__fail", new JsonObject(), null);
    assertThat(fail.getBoolean("isError")).isTrue();
    assertThat(text(fail)).isEqualTo("this tool always fails");
  }

  @Test
  void killedServerFailsThenReconnectsByItself() throws Exception {
    JsonObject s = create(new JsonObject().put("name", "phoenix").put("transport", "stdio").put("command", "node")
        .put("args", new JsonArray().add(NODE_DIR.resolve("list-changed-server.mjs").toString()).add("phoenix-marker"))
        .put("mounts", nodeDir()));
    String id = s.getString("id");
    waitForServer(id, McpServersTest::connected, "phoenix connected");
    waitForTool("phoenix__first", true);
    assertThat(text(call("phoenix__first", new JsonObject().put("n", 1), null))).isEqualTo("first got 1");

    List<ProcessHandle> victims = ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("phoenix-marker")).toList();
    assertThat(victims).isNotEmpty();
    victims.forEach(ProcessHandle::destroyForcibly);

    JsonObject failed = waitForServer(id, x -> "failed".equals(x.getString("status")), "phoenix failed");
    assertThat(failed.getString("error")).isNotBlank();
    JsonObject dead = call("phoenix__first", new JsonObject().put("n", 2), null);
    assertThat(dead.getBoolean("isError")).isTrue();
    assertThat(text(dead)).contains("MCP server 'phoenix' is not connected");

    waitForServer(id, McpServersTest::connected, "phoenix reconnected");
    assertThat(text(call("phoenix__first", new JsonObject().put("n", 3), null))).isEqualTo("first got 3");
  }

  @Test
  void brokenServerShowsItsError() throws Exception {
    JsonObject s = create(new JsonObject().put("name", "broken").put("transport", "stdio")
        .put("command", "/nonexistent/mcp-server").put("env", new JsonObject().put("API_TOKEN", "t0ken").put("MODE", "x")));
    assertThat(s.getJsonObject("env").getString("API_TOKEN")).isEqualTo("********");
    assertThat(s.getJsonObject("env").getString("MODE")).isEqualTo("x");
    JsonObject failed = waitForServer(s.getString("id"), x -> "failed".equals(x.getString("status")), "broken failed");
    assertThat(failed.getString("error")).contains("command not found", "/nonexistent/mcp-server");
    tools.deleteMcpServer(s.getString("id")).await(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> tools.getMcpServer(s.getString("id")).await(10, TimeUnit.SECONDS))
        .isInstanceOf(ServiceException.class);
  }

  @Test
  void invalidConfigurationsAreRejected() throws Exception {
    assertThatThrownBy(() -> create(new JsonObject().put("name", "bad name!").put("transport", "carrier-pigeon")))
        .isInstanceOf(ServiceException.class)
        .satisfies(e -> {
          ServiceException se = (ServiceException) e;
          assertThat(se.failureCode()).isEqualTo(400);
          assertThat(se.getDebugInfo().getJsonArray("errors").encode()).contains("name", "transport");
        });
    assertThatThrownBy(() -> create(new JsonObject().put("name", "nourl").put("transport", "http")))
        .isInstanceOf(ServiceException.class).hasMessageContaining("invalid MCP server");
    create(new JsonObject().put("name", "dup").put("transport", "stdio").put("command", "/nonexistent").put("enabled", false));
    assertThatThrownBy(() -> create(new JsonObject().put("name", "dup").put("transport", "stdio").put("command", "x")))
        .isInstanceOf(ServiceException.class).satisfies(e -> assertThat(((ServiceException) e).failureCode()).isEqualTo(409));
  }

  @Test
  void bearerTokenFromAuthServiceWithRefreshOn401() throws Exception {
    java.util.Set<String> signedIn = java.util.concurrent.ConcurrentHashMap.newKeySet();
    List<String> actions = new CopyOnWriteArrayList<>();
    // auth-service's mcpToken / refreshMcpToken, in the service-proxy wire format
    vertx.eventBus().<JsonObject>consumer(dev.maestro.contracts.Addresses.AUTH_SERVICE, m -> {
      String action = m.headers().get("action");
      actions.add(action);
      if (!signedIn.contains(m.body().getString("serverId"))) m.fail(404, "no sign-in for this MCP server");
      else m.reply(new JsonObject().put("scheme", "bearer")
          .put("secret", "refreshMcpToken".equals(action) ? "good-token" : "stale-token"));
    }).completion().await(10, TimeUnit.SECONDS);
    List<String> refused = new CopyOnWriteArrayList<>();
    io.vertx.core.http.HttpClient client = vertx.createHttpClient();
    io.vertx.core.http.HttpServer gate = vertx.createHttpServer().requestHandler(req -> {
      if (!"Bearer good-token".equals(req.getHeader("Authorization"))) {
        refused.add(req.method() + " " + req.getHeader("Authorization"));
        req.response().setStatusCode(401).putHeader("WWW-Authenticate",
            "Bearer error=\"invalid_token\", resource_metadata=\"http://127.0.0.1/.well-known/oauth-protected-resource/mcp\"").end();
        return;
      }
      req.pause();
      client.request(new io.vertx.core.http.RequestOptions().setMethod(req.method()).setHost("127.0.0.1").setPort(httpPort)
          .setURI(req.uri())).onSuccess(preq -> {
            preq.headers().setAll(req.headers());
            preq.send(req).onSuccess(presp -> {
              req.response().setStatusCode(presp.statusCode());
              req.response().headers().setAll(presp.headers()).remove("transfer-encoding");
              if (presp.getHeader("content-length") == null) req.response().setChunked(true);
              presp.pipeTo(req.response());
            }).onFailure(e -> req.response().setStatusCode(502).end());
          }).onFailure(e -> req.response().setStatusCode(502).end());
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);

    JsonObject s = create(new JsonObject().put("name", "gated").put("transport", "http")
        .put("url", "http://127.0.0.1:" + gate.actualPort() + "/mcp"));
    String id = s.getString("id");
    JsonObject locked = waitForServer(id, x -> "failed".equals(x.getString("status")), "gated refused");
    assertThat(locked.getString("error")).contains("HTTP 401", "requires authorization");
    assertThat(locked.getBoolean("authRequired")).isTrue();
    assertThat(locked.getString("wwwAuthenticate")).contains("resource_metadata=");

    signedIn.add(id);   // the user signed in through auth-service
    tools.restartMcpServer(id).await(10, TimeUnit.SECONDS);
    JsonObject up = waitForServer(id, McpServersTest::connected, "gated connected");
    assertThat(up.containsKey("authRequired")).isFalse();
    assertThat(up.encode()).doesNotContain("good-token", "stale-token");
    assertThat(actions).contains("mcpToken", "refreshMcpToken");
    assertThat(refused).anyMatch(r -> r.contains("Bearer stale-token"));
    waitForTool("gated__get-sum", true);
    int refusedBefore = refused.size();
    JsonObject r = call("gated__get-sum", new JsonObject().put("a", 20).put("b", 22), null);
    assertThat(text(r)).contains("42");
    assertThat(refused).hasSize(refusedBefore);   // the token went with every request
    tools.deleteMcpServer(id).await(10, TimeUnit.SECONDS);
    gate.close();
  }


  @Test
  void legacyHttpSseFallback() throws Exception {
    int port = freePort();
    ProcessBuilder pb = new ProcessBuilder("node", everything().toString(), "sse")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PORT", String.valueOf(port));
    Process legacy = pb.start();
    try {
      Awaitility.await("server-everything sse listening").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
          .until(() -> listening(port));
      JsonObject s = create(new JsonObject().put("name", "old").put("transport", "http")
          .put("url", "http://127.0.0.1:" + port + "/sse"));
      waitForServer(s.getString("id"), McpServersTest::connected, "legacy sse connected");
      waitForTool("old__echo", true);
      assertThat(text(call("old__echo", new JsonObject().put("message", "over old sse"), null))).contains("over old sse");
      tools.deleteMcpServer(s.getString("id")).await(10, TimeUnit.SECONDS);
    } finally {
      legacy.descendants().forEach(ProcessHandle::destroyForcibly);
      legacy.destroyForcibly();
    }
  }

  /** mcp.status goes to integrators on maestro.events (BUS.md): documented envelope, userId null, no error text or env. */
  @Test
  void statusChangesArePublishedForIntegratorsWithoutErrorText() throws Exception {
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(dev.maestro.contracts.Addresses.EVENTS, m -> seen.add(m.body())).completion()
        .await(10, TimeUnit.SECONDS);
    JsonObject s = create(new JsonObject().put("name", "broken2").put("transport", "stdio")
        .put("command", "/nonexistent/mcp-server").put("env", new JsonObject().put("API_TOKEN", "t0ken-secret")));
    JsonObject failed = Awaitility.await("mcp.status failed").atMost(Duration.ofSeconds(30)).until(() -> seen.stream()
        .filter(e -> "mcp.status".equals(e.getString("type")) && s.getString("id").equals(e.getJsonObject("data").getString("serverId"))
            && "failed".equals(e.getJsonObject("data").getString("status"))).findFirst(), java.util.Optional::isPresent).get();
    assertThat(dev.maestro.contracts.events.IntegrationEvents.problem(failed)).isNull();
    assertThat(failed.getJsonObject("data")).isEqualTo(new JsonObject().put("serverId", s.getString("id")).put("name", "broken2")
        .put("status", "failed"));
    assertThat(failed.getValue("userId")).isNull();
    assertThat(failed.encode()).doesNotContain("nonexistent").doesNotContain("t0ken-secret");
    tools.deleteMcpServer(s.getString("id")).await(10, TimeUnit.SECONDS);
  }
}
