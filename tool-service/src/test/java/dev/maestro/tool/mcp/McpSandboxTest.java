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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.maestro.tool.mcp.McpServersTest.NODE_DIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hostile: a stdio MCP server (a real SDK server, {@code probe-server.mjs}) runs under bubblewrap: it sees
 * neither the data dir (master key, workspaces) nor the service user's home, writes only its private
 * HOME, and has no network unless the admin sets {@code network: true}; mounts into the data dir, the
 * home, {@code /} or {@code /run} are refused.
 */
class McpSandboxTest {
  static Vertx vertx;
  static ToolService tools;
  static Path dataDir;
  static ServerSocket listener;

  @BeforeAll
  static void start() throws Exception {
    vertx = McpServersTest.freshToolSchema();
    JsonObject config = TestEnv.config();
    dataDir = Path.of(config.getString("MAESTRO_DATA_DIR"));
    Files.createDirectories(dataDir.resolve("workspaces/victim"));
    Files.writeString(dataDir.resolve("master.key"), "MASTER-KEY-BYTES");
    Files.writeString(dataDir.resolve("workspaces/victim/notes.txt"), "VICTIM-NOTES");
    vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    tools = ToolService.createProxy(vertx);
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!listener.isClosed()) {
        try {
          listener.accept().close();
        } catch (IOException e) {
          return;
        }
      }
    }, "mcp-sandbox-listener");
    t.setDaemon(true);
    t.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (listener != null) listener.close();
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
  }

  static String probeServer(String name, boolean network) throws Exception {
    JsonObject s = tools.createMcpServer(new JsonObject().put("name", name).put("transport", "stdio").put("command", "node")
        .put("args", new JsonArray().add(NODE_DIR.resolve("probe-server.mjs").toString()))
        .put("mounts", new JsonArray().add(NODE_DIR.toString())).put("network", network)).await(20, TimeUnit.SECONDS);
    assertThat(s.getBoolean("network")).isEqualTo(network);
    McpServersTest.tools = tools;
    McpServersTest.waitForServer(s.getString("id"), McpServersTest::connected, name + " connected");
    McpServersTest.waitForTool(name + "__probe", true);
    return s.getString("id");
  }

  static JsonObject probe(String server, JsonObject args) throws Exception {
    JsonObject r = tools.execute(new JsonObject().put("callId", UUID.randomUUID().toString()).put("sessionId", "mcp-sbx")
        .put("name", server + "__probe").put("arguments", args).put("timeoutSeconds", 30)).await(60, TimeUnit.SECONDS);
    assertThat(r.getBoolean("isError")).as(r.encode()).isFalse();
    return new JsonObject(McpServersTest.text(r));
  }

  @Test
  void aStdioServerSeesNoSecretsAndHasNoNetworkByDefault() throws Exception {
    probeServer("closed", false);
    String home = System.getProperty("user.home");
    JsonObject secrets = probe("closed", new JsonObject().put("read", dataDir.resolve("master.key").toString()).put("list", home)
        .put("port", listener.getLocalPort()));
    assertThat(secrets.getString("read")).startsWith("ERR").doesNotContain("MASTER-KEY-BYTES");
    assertThat(secrets.getString("list")).startsWith("ERR");
    assertThat(secrets.getString("connect")).startsWith("ERR");
    assertThat(secrets.getString("home")).startsWith(dataDir.resolve("mcp-home").toString()).isNotEqualTo(home);
    assertThat(secrets.getString("homeWritable")).isEqualTo("yes");
    JsonObject others = probe("closed", new JsonObject().put("read", dataDir.resolve("workspaces/victim/notes.txt").toString())
        .put("list", "/run").put("port", 5432));
    assertThat(others.getString("read")).startsWith("ERR");
    assertThat(others.getString("list")).startsWith("ERR");
    assertThat(others.getString("connect")).startsWith("ERR");
  }

  @Test
  void networkOnlyWhenTheAdminAllowsIt() throws Exception {
    probeServer("open", true);
    JsonObject r = probe("open", new JsonObject().put("port", listener.getLocalPort())
        .put("read", dataDir.resolve("master.key").toString()));
    assertThat(r.getString("connect")).isEqualTo("open");
    assertThat(r.getString("read")).startsWith("ERR");   // network, but still no data dir
  }

  @Test
  void mountsThatWouldShowSecretsOrHostSocketsAreRefused() {
    String home = System.getProperty("user.home");
    for (String bad : new String[] {"/", dataDir.toString(), dataDir.resolve("workspaces").toString(), dataDir.getParent().toString(),
        home, "/run", "/run/postgresql", "/var/run", "/proc", "relative/path", "/x:/y"}) {
      assertThatThrownBy(() -> tools.createMcpServer(new JsonObject().put("name", "bad-mount").put("transport", "stdio")
          .put("command", "node").put("mounts", new JsonArray().add(bad))).await(20, TimeUnit.SECONDS))
          .as(bad).isInstanceOf(ServiceException.class).hasMessageContaining("invalid MCP server");
    }
    assertThatThrownBy(() -> tools.createMcpServer(new JsonObject().put("name", "bad-net").put("transport", "stdio")
        .put("command", "node").put("network", "yes")).await(20, TimeUnit.SECONDS)).isInstanceOf(ServiceException.class);
  }
}
