package dev.maestro.tool.mcp;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.platform.net.OutboundPolicy;
import dev.maestro.testkit.HostileUrls;
import dev.maestro.testkit.TestEnv;
import dev.maestro.tool.ToolServiceVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SSRF through MCP server URLs: refused when a server is saved, refused when a connection is opened,
 * and checked again on every request the transports send (a name re-pointed after the first check
 * does not get through).
 */
class McpOutboundUrlTest {
  static Vertx vertx;
  static ToolService tools;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    TestEnv.ensureDatabase(vertx).await(30, TimeUnit.SECONDS);
    TestEnv.dropSchema(vertx, ToolServiceVerticle.SCHEMA).await(30, TimeUnit.SECONDS);
    JsonObject config = TestEnv.config().put(OutboundPolicy.ENV, "localhost:*");
    vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    tools = ToolService.createProxy(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void everyHostileUrlIsRefusedWhenAServerIsSaved() throws Exception {
    List<String> hostile = new ArrayList<>(HostileUrls.METADATA);
    HostileUrls.INTERNAL.stream().filter(u -> !u.contains("localhost")).forEach(hostile::add);
    int n = 0;
    for (String url : hostile) {
      String name = "evil-" + n++;
      assertThatThrownBy(() -> tools.createMcpServer(new JsonObject().put("name", name).put("transport", "http").put("url", url))
          .await(20, TimeUnit.SECONDS)).as(url).isInstanceOfSatisfying(ServiceException.class, e -> {
            assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
            assertThat(e.getDebugInfo().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("url");
          });
    }
    assertThat(hostile).hasSizeGreaterThanOrEqualTo(35);
    assertThat(tools.listMcpServers().await(10, TimeUnit.SECONDS)).isEmpty();
    // and when an existing server is changed to point there
    JsonObject ok = tools.createMcpServer(new JsonObject().put("name", "fine").put("transport", "http")
        .put("url", "http://localhost:9/mcp").put("enabled", false)).await(20, TimeUnit.SECONDS);
    assertThatThrownBy(() -> tools.updateMcpServer(ok.getString("id"), new JsonObject().put("url", "http://[fd00:ec2::254]/mcp"))
        .await(20, TimeUnit.SECONDS)).hasMessageContaining("never allowed");
    tools.deleteMcpServer(ok.getString("id")).await(10, TimeUnit.SECONDS);
  }

  @Test
  void aNameThatResolvesToTheMetadataAddressIsRefusedWhenConnecting() throws Exception {
    String error = connect("http://evil.test/mcp", host -> new InetAddress[] {InetAddress.getByName("169.254.169.254")}, null);
    assertThat(error).contains("MCP server URL").contains("169.254.169.254, from evil.test").contains("never allowed");
  }

  /** DNS rebinding: the first lookup says loopback (listed), later ones the metadata service; every request checks again. */
  @Test
  void aNameRepointedAfterTheFirstCheckIsRefusedOnTheRequest() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    String error = connect("http://rebind.test:9/mcp", host -> new InetAddress[] {
        InetAddress.getByName(lookups.incrementAndGet() == 1 ? "127.0.0.1" : "169.254.169.254")}, "rebind.test:9");
    assertThat(error).contains("MCP server URL http://rebind.test:9/mcp").contains("never allowed");
    // the connection check passed, the Streamable HTTP request looked the name up again and was refused
    assertThat(lookups.get()).isGreaterThanOrEqualTo(2);
  }

  private static String connect(String url, OutboundPolicy.Resolver resolver, String allowed) throws Exception {
    OutboundPolicy policy = OutboundPolicy.of(allowed == null ? "none" : allowed).withResolver(resolver);
    Context context = vertx.getOrCreateContext();
    CompletableFuture<String> failed = new CompletableFuture<>();
    McpConnection[] conn = new McpConnection[1];
    context.runOnContext(v -> {
      conn[0] = new McpConnection(vertx, context, new McpSettings(60_000, 60_000, 60_000, 5, policy),
          new JsonObject().put("id", "x-" + url.hashCode()).put("name", "x").put("transport", "http").put("url", url),
          null, list -> failed.complete("connected?!"), (status, error) -> {
            if (error != null) failed.complete(error);
          });
      conn[0].connect();
    });
    try {
      return failed.get(30, TimeUnit.SECONDS);
    } finally {
      context.runOnContext(v -> conn[0].close());
    }
  }
}
