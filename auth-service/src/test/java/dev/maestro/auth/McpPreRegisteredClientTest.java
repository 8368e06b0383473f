package dev.maestro.auth;

import dev.maestro.testkit.oidc.OidcServer;
import dev.maestro.testkit.oidc.LoginDriver;
import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An MCP server with a pre-registered OAuth client, against oidc-provider's static confidential
 * client (registered with client_secret_basic: oidc-provider refuses any other authentication for
 * it): no dynamic registration, HTTP Basic on the code exchange and on refreshes, the secret kept
 * encrypted and never returned; removing it falls back to dynamic registration.
 */
class McpPreRegisteredClientTest extends OidcTestBase {
  final HttpClient http = HttpClient.newHttpClient();

  int callMcp(String bearer) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(oidc.issuer() + "/mcp")).header("Authorization", "Bearer " + bearer).GET().build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  JsonObject signIn(Instance i, String serverId) throws Exception {
    JsonObject started = await(i.auth().startMcpOAuth("alice", serverId,
        new JsonObject().put("serverUrl", oidc.issuer() + "/mcp"), OidcServer.REDIRECT_URI));
    LoginDriver.Callback cb = LoginDriver.login(started.getString("authorizeUrl"), "mcp-user");
    assertThat(cb.error()).isNull();
    return new JsonObject().put("authorizeUrl", started.getString("authorizeUrl"))
        .put("credential", await(i.auth().completeOAuth("alice", cb.state(), cb.code())));
  }

  @Test
  void aPreRegisteredConfidentialClientSignsInWithHttpBasicAndNeverRegisters() throws Exception {
    Instance i = start();
    JsonObject view = await(i.auth().setMcpOAuthClient("srv-pre",
        new JsonObject().put("clientId", OidcServer.CLIENT_ID).put("clientSecret", OidcServer.CLIENT_SECRET)));
    assertThat(view).isEqualTo(new JsonObject().put("serverId", "srv-pre").put("clientId", OidcServer.CLIENT_ID)
        .put("hasClientSecret", true));
    assertThat(sql("SELECT 1 FROM oauth_client WHERE encode(client_secret_ct, 'escape') LIKE '%" + OidcServer.CLIENT_SECRET + "%'")).isEmpty();

    JsonObject signedIn = signIn(i, "srv-pre");
    assertThat(signedIn.getString("authorizeUrl")).contains("client_id=" + OidcServer.CLIENT_ID);
    assertThat(sql("SELECT token_auth_method FROM oauth_client WHERE mcp_server_id='srv-pre'").get(0).getString("token_auth_method"))
        .isEqualTo("client_secret_basic");
    assertThat(sql("SELECT 1 FROM oauth_client WHERE registered_for IS NOT NULL")).as("no dynamic registration").isEmpty();
    String token = await(i.auth().mcpToken("srv-pre")).getString("secret");
    assertThat(callMcp(token)).isEqualTo(200);

    // Refresh with the same client authentication (oidc-provider would answer invalid_client otherwise).
    int grants = oidc.stats().getInteger("refreshGrants");
    String fresh = await(i.auth().refreshMcpToken("srv-pre")).getString("secret");
    assertThat(oidc.stats().getInteger("refreshGrants")).isEqualTo(grants + 1);
    assertThat(callMcp(fresh)).isEqualTo(200);

    // Removed: the next sign-in registers dynamically (this server allows it).
    assertThat(await(i.auth().setMcpOAuthClient("srv-pre", null))).isEqualTo(new JsonObject().put("serverId", "srv-pre"));
    signIn(i, "srv-pre");
    assertThat(sql("SELECT c.client_id FROM credential cr JOIN oauth_client c ON c.id = cr.oauth_client_id"
        + " WHERE cr.mcp_server_id='srv-pre' AND c.registered_for IS NOT NULL").get(0).getString("client_id"))
        .isNotEqualTo(OidcServer.CLIENT_ID);
    assertThat(callMcp(await(i.auth().mcpToken("srv-pre")).getString("secret"))).isEqualTo(200);
  }

  @Test
  void concurrentFirstSavesAllSucceedIntoOneUsableRow() throws Exception {
    Instance i = start();
    // the race (ON CONFLICT arbitrates on the primary key only) is one of timing: several servers, several
    // saves each, all at once, so that some pair meets while the other's row is in flight
    java.util.List<io.vertx.core.Future<JsonObject>> saves = new java.util.ArrayList<>();
    for (String server : java.util.List.of("srv-race", "srv-race-2", "srv-race-3", "srv-race-4")) {
      for (int n = 0; n < 8; n++) {
        saves.add(i.auth().setMcpOAuthClient(server, new JsonObject().put("clientId", OidcServer.CLIENT_ID)
            .put("clientSecret", OidcServer.CLIENT_SECRET)));
      }
    }
    for (io.vertx.core.Future<JsonObject> f : saves) {
      assertThat(await(f).getBoolean("hasClientSecret")).isTrue();
    }
    for (String server : java.util.List.of("srv-race", "srv-race-2", "srv-race-3", "srv-race-4")) {
      assertThat(sql("SELECT id FROM oauth_client WHERE mcp_server_id='" + server + "'")).hasSize(1);
    }
    // The stored secret decrypts (bound to the row's id): the sign-in authenticates with it.
    signIn(i, "srv-race");
    assertThat(callMcp(await(i.auth().mcpToken("srv-race")).getString("secret"))).isEqualTo(200);
  }

  @Test
  void aClientWithoutAnIdIsRefusedWithAFieldError() throws Exception {
    Instance i = start();
    ServiceException e = failure(i.auth().setMcpOAuthClient("srv-pre", new JsonObject().put("clientSecret", "s")));
    assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(e.getDebugInfo().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("clientId");
    assertThat(e.getMessage()).doesNotContain("\"s\"");
  }
}
