package dev.maestro.gateway;

import dev.maestro.contracts.Addresses;
import dev.maestro.gateway.GatewayFixture.Ws;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MCP catalog changes reach open sockets as {@code mcp_catalog} frames (issue 19): tool-service's MCP_CATALOG and the
 * TOOLS_CHANGED of an MCP source, to every signed-in user's sockets for a shared server, to the one user's sockets
 * only for a server scoped to a user; only {type, kind, server, serverId}; resource_updated and non-MCP tool changes
 * not relayed; a burst of the same change goes out once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpCatalogRelayTest {
  GatewayFixture fx;
  String admin;
  JsonObject alice;
  JsonObject bob;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture();
    admin = fx.adminToken();
    alice = fx.newUser(admin, "member");
    bob = fx.newUser(admin, "member");
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  /** A socket the gateway has registered (its pong proves the connection is set up). */
  Ws open(String token) throws Exception {
    Ws ws = fx.ws(token);
    ws.send(new JsonObject().put("type", "ping"));
    ws.next("pong");
    return ws;
  }

  static JsonObject nextCatalog(Ws ws) throws InterruptedException {
    return ws.next(f -> "mcp_catalog".equals(f.getString("type")), Duration.ofSeconds(10));
  }

  void publish(String address, JsonObject body) {
    fx.vertx.eventBus().publish(address, body);
  }

  @Test
  void aSharedServersChangeReachesEveryMembersSocketsWithOnlyItsNameAndKind() throws Exception {
    Ws a1 = open(alice.getString("token"));
    Ws a2 = open(alice.getString("token"));
    Ws b = open(bob.getString("token"));
    Ws adm = open(admin);
    String id = UUID.randomUUID().toString();
    publish(Addresses.MCP_CATALOG, new JsonObject().put("serverId", id).put("name", "docs").put("kind", "prompts_changed")
        .putNull("uri"));
    JsonObject expected = new JsonObject().put("type", "mcp_catalog").put("kind", "prompts_changed").put("server", "docs").put("serverId", id);
    for (Ws ws : new Ws[] {a1, a2, b, adm}) assertThat(nextCatalog(ws)).isEqualTo(expected);
  }

  @Test
  void aServerScopedToOneUserReachesOnlyThatUsersSockets() throws Exception {
    Ws a = open(alice.getString("token"));
    Ws b = open(bob.getString("token"));
    publish(Addresses.MCP_CATALOG, new JsonObject().put("serverId", UUID.randomUUID().toString()).put("name", "alices-private")
        .put("kind", "resources_changed").put("userId", alice.getString("id")));
    assertThat(nextCatalog(a).getString("server")).isEqualTo("alices-private");
    // then a shared change: it is the first mcp_catalog frame bob sees, so the private one never reached him
    publish(Addresses.MCP_CATALOG, new JsonObject().put("serverId", UUID.randomUUID().toString()).put("name", "shared")
        .put("kind", "resources_changed"));
    assertThat(nextCatalog(b).getString("server")).isEqualTo("shared");
    assertThat(nextCatalog(a).getString("server")).isEqualTo("shared");
  }

  @Test
  void serversComingAndGoingAreRelayedButResourceUpdatesAndOtherToolChangesAreNot() throws Exception {
    Ws a = open(alice.getString("token"));
    publish(Addresses.MCP_CATALOG, new JsonObject().put("serverId", "s1").put("name", "docs").put("kind", "resource_updated")
        .put("uri", "file:///secret/plan.md"));
    publish(Addresses.TOOLS_CHANGED, new JsonObject().put("reason", "tool_updated").put("tool", "bash"));
    publish(Addresses.TOOLS_CHANGED, new JsonObject().put("reason", "source_changed").put("source", "builtin"));
    publish(Addresses.TOOLS_CHANGED, new JsonObject().put("reason", "source_removed").put("source", "mcp:gone"));
    JsonObject f = nextCatalog(a);
    assertThat(f).isEqualTo(new JsonObject().put("type", "mcp_catalog").put("kind", "server_changed").put("server", "gone"));
    publish(Addresses.TOOLS_CHANGED, new JsonObject().put("reason", "source_changed").put("source", "mcp:new"));
    assertThat(nextCatalog(a).getString("server")).isEqualTo("new");
  }

  @Test
  void aBurstOfTheSameChangeGoesOutOnce() throws Exception {
    Ws a = open(alice.getString("token"));
    // published in one go from an event loop: all 50 are queued for the gateway before its first flush can run
    fx.vertx.runOnContext(v -> {
      for (int i = 0; i < 50; i++) {
        publish(Addresses.MCP_CATALOG, new JsonObject().put("serverId", "s2").put("name", "flappy").put("kind", "resources_changed"));
      }
    });
    assertThat(nextCatalog(a).getString("server")).isEqualTo("flappy");
    // a marker published after the burst: the next frame is the marker, not a second "flappy"
    publish(Addresses.MCP_CATALOG, new JsonObject().put("serverId", "s3").put("name", "marker").put("kind", "prompts_changed"));
    assertThat(nextCatalog(a).getString("server")).isEqualTo("marker");
  }
}
