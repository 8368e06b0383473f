package dev.maestro.tool.mcp;

import dev.maestro.auth.AuthServiceVerticle;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.platform.Database;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.testkit.TestEnv;
import dev.maestro.tool.ToolServiceVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An HTTP MCP server's pre-registered OAuth client through tool-service's API, with the real
 * auth-service on the bus: the secret goes to auth-service (encrypted there), tool-service keeps
 * only {clientId, hasClientSecret}, the view redacts it, the redacted placeholder keeps it, and
 * deleting the server deletes the client.
 */
class McpServerOAuthClientTest {
  static final String SECRET = "pre-registered-secret-" + Long.toHexString(System.nanoTime());
  static Vertx vertx;
  static ToolService tools;
  static Pool db;
  static String authDeployment;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    TestEnv.ensureDatabase(vertx).await(30, TimeUnit.SECONDS);
    TestEnv.dropSchema(vertx, ToolServiceVerticle.SCHEMA).await(30, TimeUnit.SECONDS);
    TestEnv.dropSchema(vertx, AuthServiceVerticle.SCHEMA).await(30, TimeUnit.SECONDS);
    JsonObject config = TestEnv.config();
    authDeployment = vertx.deployVerticle(new AuthServiceVerticle(), new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    vertx.deployVerticle(new ToolServiceVerticle(), new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    tools = ToolService.createProxy(vertx);
    db = Database.pool(vertx, MaestroConfig.of(config), "public", 2);
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) vertx.close().await(30, TimeUnit.SECONDS);
  }

  static Row one(String sql, Object... args) throws Exception {
    var rows = db.preparedQuery(sql).execute(Tuple.from(args)).await(10, TimeUnit.SECONDS);
    return rows.size() == 0 ? null : rows.iterator().next();
  }

  static ServiceException failure(io.vertx.core.Future<?> f) {
    try {
      f.await(20, TimeUnit.SECONDS);
    } catch (ServiceException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected a ServiceException, got " + e, e);
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void theSecretLivesEncryptedInAuthServiceAndIsNeverShown() throws Exception {
    JsonObject created = tools.createMcpServer(new JsonObject().put("name", "prereg").put("transport", "http")
        .put("url", "http://127.0.0.1:9/mcp").put("enabled", false)
        .put("oauthClient", new JsonObject().put("clientId", "pre-client").put("clientSecret", SECRET))).await(20, TimeUnit.SECONDS);
    String id = created.getString("id");
    assertThat(created.getJsonObject("oauthClient")).isEqualTo(new JsonObject().put("clientId", "pre-client").put("clientSecret", "********"));
    assertThat(created.encode()).doesNotContain(SECRET);
    assertThat(tools.getMcpServer(id).await(10, TimeUnit.SECONDS).getJsonObject("oauthClient").getString("clientSecret")).isEqualTo("********");

    Row stored = one("SELECT t::text AS everything, oauth_client::text AS client FROM tool.mcp_server t WHERE id=$1", id);
    assertThat(new JsonObject(stored.getString("client"))).isEqualTo(new JsonObject().put("clientId", "pre-client").put("hasClientSecret", true));
    assertThat(stored.getString("everything")).doesNotContain(SECRET);
    Row auth = one("SELECT client_id, client_secret_ct, encode(client_secret_ct, 'escape') LIKE '%' || $2 || '%' AS plain"
        + " FROM auth.oauth_client WHERE mcp_server_id=$1", id, SECRET);
    assertThat(auth.getString("client_id")).isEqualTo("pre-client");
    assertThat(auth.getBoolean("plain")).isFalse();
    byte[] ciphertext = auth.getBuffer("client_secret_ct").getBytes();

    // The redacted placeholder (what a UI sends back) keeps the secret; the id can change.
    tools.updateMcpServer(id, new JsonObject().put("oauthClient", new JsonObject().put("clientId", "pre-client-2")
        .put("clientSecret", "********"))).await(20, TimeUnit.SECONDS);
    Row renamed = one("SELECT client_id, client_secret_ct FROM auth.oauth_client WHERE mcp_server_id=$1", id);
    assertThat(renamed.getString("client_id")).isEqualTo("pre-client-2");
    assertThat(renamed.getBuffer("client_secret_ct").getBytes()).isEqualTo(ciphertext);

    // A public client: the secret removed.
    JsonObject pub = tools.updateMcpServer(id, new JsonObject().put("oauthClient", new JsonObject().put("clientId", "pre-client-2")
        .putNull("clientSecret"))).await(20, TimeUnit.SECONDS);
    assertThat(pub.getJsonObject("oauthClient")).isEqualTo(new JsonObject().put("clientId", "pre-client-2"));
    assertThat(one("SELECT client_secret_ct FROM auth.oauth_client WHERE mcp_server_id=$1", id).getBuffer("client_secret_ct")).isNull();

    // null removes it; deleting the server removes it too.
    assertThat(tools.updateMcpServer(id, new JsonObject().putNull("oauthClient")).await(20, TimeUnit.SECONDS).containsKey("oauthClient")).isFalse();
    assertThat(one("SELECT 1 FROM auth.oauth_client WHERE mcp_server_id=$1", id)).isNull();
    tools.updateMcpServer(id, new JsonObject().put("oauthClient", new JsonObject().put("clientId", "again"))).await(20, TimeUnit.SECONDS);
    assertThat(one("SELECT 1 FROM auth.oauth_client WHERE mcp_server_id=$1", id)).isNotNull();
    tools.deleteMcpServer(id).await(20, TimeUnit.SECONDS);
    assertThat(one("SELECT 1 FROM auth.oauth_client WHERE mcp_server_id=$1", id)).isNull();
  }

  @Test
  void aServerSwitchedToStdioDropsItsOAuthClient() throws Exception {
    String id = tools.createMcpServer(new JsonObject().put("name", "switcher").put("transport", "http")
        .put("url", "http://127.0.0.1:9/mcp").put("enabled", false)
        .put("oauthClient", new JsonObject().put("clientId", "sw-client").put("clientSecret", SECRET))).await(20, TimeUnit.SECONDS)
        .getString("id");
    assertThat(one("SELECT 1 FROM auth.oauth_client WHERE mcp_server_id=$1", id)).isNotNull();
    JsonObject stdio = tools.updateMcpServer(id, new JsonObject().put("transport", "stdio").put("command", "true"))
        .await(20, TimeUnit.SECONDS);
    assertThat(stdio.containsKey("oauthClient")).isFalse();
    assertThat(tools.getMcpServer(id).await(10, TimeUnit.SECONDS).containsKey("oauthClient")).isFalse();
    assertThat(one("SELECT 1 FROM auth.oauth_client WHERE mcp_server_id=$1", id)).isNull();
    tools.deleteMcpServer(id).await(20, TimeUnit.SECONDS);
  }

  @Test
  void badOAuthClientsAreFieldErrors() {
    ServiceException noId = failure(tools.createMcpServer(new JsonObject().put("name", "bad1").put("transport", "http")
        .put("url", "http://127.0.0.1:9/mcp").put("oauthClient", new JsonObject().put("clientSecret", SECRET))));
    assertThat(noId.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(noId.getDebugInfo().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("oauthClient");
    assertThat(noId.getMessage() + noId.getDebugInfo()).doesNotContain(SECRET);
    ServiceException stdio = failure(tools.createMcpServer(new JsonObject().put("name", "bad2").put("transport", "stdio")
        .put("command", "x").put("oauthClient", new JsonObject().put("clientId", "c"))));
    assertThat(stdio.getDebugInfo().encode()).contains("only http servers use OAuth");
  }
}
