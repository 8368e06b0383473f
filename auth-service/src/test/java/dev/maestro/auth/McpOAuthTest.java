package dev.maestro.auth;

import dev.maestro.testkit.oidc.OidcServer;
import dev.maestro.testkit.oidc.LoginDriver;
import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An MCP-style protected resource behind oidc-provider: 401 → metadata discovery → dynamic client
 * registration → PKCE sign-in with a resource indicator → tool-service's mcpToken works there,
 * and keeps working across a refresh.
 */
class McpOAuthTest extends OidcTestBase {
  final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> callMcp(String bearer) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(oidc.issuer() + "/mcp")).GET();
    if (bearer != null) b.header("Authorization", "Bearer " + bearer);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void a401LeadsThroughDiscoveryAndRegistrationToAWorkingFreshToken() throws Exception {
    Instance i = start();
    HttpResponse<String> denied = callMcp(null);
    assertThat(denied.statusCode()).isEqualTo(401);
    String www = denied.headers().firstValue("WWW-Authenticate").orElseThrow();

    JsonObject started = await(i.auth().startMcpOAuth("alice", "srv-1",
        new JsonObject().put("serverUrl", oidc.issuer() + "/mcp").put("wwwAuthenticate", www), OidcServer.REDIRECT_URI));
    assertThat(started.getString("authorizationServer")).isEqualTo(oidc.issuer());
    assertThat(started.getString("authorizeUrl")).contains("resource=").contains("code_challenge_method=S256")
        .contains("scope=mcp%3Atools");
    LoginDriver.Callback cb = LoginDriver.login(started.getString("authorizeUrl"), "mcp-user");
    assertThat(cb.error()).isNull();
    // oidc-provider identifies itself (RFC 9207); the callback relayed as the gateway does passes the iss check.
    String iss = LoginDriver.query(cb.uri()).get("iss");
    assertThat(iss).isEqualTo(oidc.issuer());
    JsonObject cred = await(i.auth().completeOAuthCallback("alice", new JsonObject().put("state", cb.state())
        .put("code", cb.code()).put("iss", iss)));
    assertThat(cred.getString("provider")).isEqualTo("mcp");
    assertThat(cred.getString("mcpServerId")).isEqualTo("srv-1");

    JsonObject token = await(i.auth().mcpToken("srv-1"));
    assertThat(token.getString("scheme")).isEqualTo("bearer");
    assertThat(token.getString("credentialId")).isEqualTo(cred.getString("id"));
    HttpResponse<String> ok = callMcp(token.getString("secret"));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ok.body()).getString("sub")).isEqualTo("mcp-user");

    // Due → refreshed with the resource indicator; the new token still works at the MCP server.
    int grants = oidc.stats().getInteger("refreshGrants");
    sql("UPDATE credential SET next_refresh_at = now()");
    String fresh = await(i.auth().mcpToken("srv-1")).getString("secret");
    assertThat(fresh).isNotEqualTo(token.getString("secret"));
    assertThat(oidc.stats().getInteger("refreshGrants")).isEqualTo(grants + 1);
    assertThat(callMcp(fresh).statusCode()).isEqualTo(200);

    // A second sign-in reuses the registered client and replaces the login.
    JsonObject again = await(i.auth().startMcpOAuth("alice", "srv-1",
        new JsonObject().put("serverUrl", oidc.issuer() + "/mcp"), OidcServer.REDIRECT_URI));
    LoginDriver.Callback cb2 = LoginDriver.login(again.getString("authorizeUrl"), "mcp-user");
    await(i.auth().completeOAuth("alice", cb2.state(), cb2.code()));
    assertThat(sql("SELECT id FROM oauth_client WHERE provider='mcp'")).hasSize(1);
    assertThat(sql("SELECT id FROM credential WHERE mcp_server_id='srv-1'")).hasSize(1);
    assertThat(callMcp(await(i.auth().refreshMcpToken("srv-1")).getString("secret")).statusCode()).isEqualTo(200);

    assertThat(failure(i.auth().mcpToken("srv-unknown")).failureCode()).isEqualTo(ErrorCodes.NOT_FOUND);
  }
}
