package dev.maestro.auth;

import dev.maestro.testkit.oidc.OidcServer;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.platform.MaestroConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which OAuth client an MCP sign-in uses, against a scriptable authorization server: a
 * pre-registered client first, then Maestro's client ID metadata document URL where the server
 * supports those, then dynamic registration; and a clear refusal when none is possible.
 */
class McpClientChoiceTest extends AuthTestBase {
  static final String CIMD_URL = "https://maestro.example.test/oauth/client-metadata.json";

  FakeMcpAuthorizationServer as(JsonArray authMethods, JsonObject metadata) throws Exception {
    return new FakeMcpAuthorizationServer(testVertx, null, authMethods,
        new JsonObject().put("client_id", "dynamic-client").put("token_endpoint_auth_method", "none"), metadata);
  }

  Instance startWithClientMetadataUrl() throws Exception {
    return start(config.copy().put(MaestroConfig.OAUTH_CLIENT_METADATA_URL, CIMD_URL));
  }

  @Test
  void whereTheServerSupportsItTheMetadataDocumentUrlIsTheClientIdAndNothingIsRegistered() throws Exception {
    FakeMcpAuthorizationServer as = as(new JsonArray().add("none"), new JsonObject().put("client_id_metadata_document_supported", true));
    Instance i = startWithClientMetadataUrl();
    McpOAuthScopeAndClientAuthTest.signIn(i, as, as.challenge(""));
    assertThat(as.registrations).isEmpty();
    assertThat(as.authorizeClientIds).containsExactly(CIMD_URL);
    var t = as.tokenRequests.get(0);
    assertThat(t.form().get("client_id")).isEqualTo(CIMD_URL);
    assertThat(t.authorization()).isNull();
    assertThat(t.form().get("client_secret")).isNull();
    // Refreshes use it too.
    await(i.auth().refreshMcpToken("srv"));
    assertThat(as.tokenRequests.get(1).form().get("client_id")).isEqualTo(CIMD_URL);
    assertThat(as.tokenRequests.get(1).form().get("grant_type")).isEqualTo("refresh_token");
  }

  @Test
  void aPreRegisteredClientWinsOverTheMetadataDocument() throws Exception {
    FakeMcpAuthorizationServer as = as(new JsonArray().add("client_secret_post").add("client_secret_basic"),
        new JsonObject().put("client_id_metadata_document_supported", true));
    Instance i = startWithClientMetadataUrl();
    await(i.auth().setMcpOAuthClient("srv", new JsonObject().put("clientId", "pre-registered-client").put("clientSecret", "pre-secret")));
    McpOAuthScopeAndClientAuthTest.signIn(i, as, as.challenge(""));
    assertThat(as.registrations).isEmpty();
    assertThat(as.authorizeClientIds).containsExactly("pre-registered-client");
    // The server lists client_secret_post first: the pre-registered client follows the server.
    var t = as.tokenRequests.get(0);
    assertThat(t.authorization()).isNull();
    assertThat(t.form().get("client_id")).isEqualTo("pre-registered-client");
    assertThat(t.form().get("client_secret")).isEqualTo("pre-secret");
  }

  @Test
  void withoutAConfiguredUrlOrServerSupportItRegistersDynamically() throws Exception {
    FakeMcpAuthorizationServer supports = as(null, new JsonObject().put("client_id_metadata_document_supported", true));
    McpOAuthScopeAndClientAuthTest.signIn(start(), supports, supports.challenge(""));
    assertThat(supports.registrations).hasSize(1);
    // SEP-837: the registration says what kind of client Maestro is (the test gateway is on loopback)
    assertThat(supports.registrations.get(0).getString("application_type")).isEqualTo("native");
    assertThat(supports.authorizeClientIds).containsExactly("dynamic-client");

    FakeMcpAuthorizationServer silent = as(null, new JsonObject());
    McpOAuthScopeAndClientAuthTest.signIn(startWithClientMetadataUrl(), silent, silent.challenge(""));
    assertThat(silent.registrations).hasSize(1);
    assertThat(silent.authorizeClientIds).containsExactly("dynamic-client");
  }

  @Test
  void aLoopbackRedirectRegistersANativeClientAndAPublicOneAWebClient() {
    assertThat(McpAuth.applicationType("http://127.0.0.1:8080/oauth/callback")).isEqualTo("native");
    assertThat(McpAuth.applicationType("http://localhost:8080/oauth/callback")).isEqualTo("native");
    assertThat(McpAuth.applicationType("http://[::1]:8080/oauth/callback")).isEqualTo("native");
    assertThat(McpAuth.applicationType("https://maestro.example.com/oauth/callback")).isEqualTo("web");
    assertThat(McpAuth.applicationType("not a uri")).isEqualTo("web");
  }

  @Test
  void noRegistrationEndpointAndNoPreRegisteredClientIsAClearRefusal() throws Exception {
    FakeMcpAuthorizationServer as = as(new JsonArray().add("client_secret_basic"), new JsonObject().putNull("registration_endpoint"));
    Instance i = start();
    ServiceException e = failure(i.auth().startMcpOAuth("alice", "srv", new JsonObject().put("serverUrl", as.mcpUrl())
        .put("wwwAuthenticate", as.challenge("")), OidcServer.REDIRECT_URI));
    assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(e.getMessage()).contains("has no registration endpoint").contains("MCP server srv has no pre-registered OAuth client");
  }

  /** RFC 8414 §3.3 (conformance sep-2468): metadata naming another issuer is not used, nothing is registered. */
  @Test
  void authorizationServerMetadataNamingAnotherIssuerIsRefused() throws Exception {
    FakeMcpAuthorizationServer as = as(null, new JsonObject().put("issuer", "https://attacker.example"));
    Instance i = start();
    ServiceException e = failure(i.auth().startMcpOAuth("alice", "srv", new JsonObject().put("serverUrl", as.mcpUrl())
        .put("wwwAuthenticate", as.challenge("")), OidcServer.REDIRECT_URI));
    assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(e.getMessage()).contains("names another issuer (https://attacker.example)").contains("RFC 8414");
    assertThat(as.registrations).isEmpty();
    assertThat(as.authorizeClientIds).isEmpty();
  }

  /** RFC 9728 §3.3 (conformance resource-mismatch): the resource must be this MCP server or a parent of its URL. */
  @Test
  void protectedResourceMetadataMustNameThisServer() {
    assertThat(McpAuth.resourceCovers("https://mcp.example.com/mcp", "https://mcp.example.com/mcp")).isTrue();
    assertThat(McpAuth.resourceCovers("https://mcp.example.com/mcp/", "https://mcp.example.com/mcp")).isTrue();
    assertThat(McpAuth.resourceCovers("https://mcp.example.com", "https://mcp.example.com/mcp")).isTrue();
    assertThat(McpAuth.resourceCovers("https://MCP.example.com:443/mcp", "https://mcp.example.com/mcp")).isTrue();
    assertThat(McpAuth.resourceCovers("https://other.example.com/mcp", "https://mcp.example.com/mcp")).isFalse();
    assertThat(McpAuth.resourceCovers("https://mcp.example.com/mcp-evil", "https://mcp.example.com/mcp")).isFalse();
    assertThat(McpAuth.resourceCovers("https://mcp.example.com/other", "https://mcp.example.com/mcp")).isFalse();
    assertThat(McpAuth.resourceCovers("http://mcp.example.com/mcp", "https://mcp.example.com/mcp")).isFalse();
    assertThat(McpAuth.resourceCovers("https://mcp.example.com:8443/mcp", "https://mcp.example.com/mcp")).isFalse();
    assertThat(McpAuth.resourceCovers("not a url", "https://mcp.example.com/mcp")).isFalse();
  }

  @Test
  void methodAndDocumentChoice() {
    JsonObject as = new JsonObject();
    assertThat(McpAuth.preRegisteredMethod(as, false)).isEqualTo("none");
    assertThat(McpAuth.preRegisteredMethod(as, true)).isEqualTo("client_secret_basic");
    assertThat(McpAuth.preRegisteredMethod(as.copy().put("token_endpoint_auth_methods_supported",
        new JsonArray().add("private_key_jwt").add("client_secret_post")), true)).isEqualTo("client_secret_post");
    assertThat(McpAuth.useClientMetadataDocument(new JsonObject().put("client_id_metadata_document_supported", true), null)).isFalse();
    assertThat(McpAuth.useClientMetadataDocument(new JsonObject().put("client_id_metadata_document_supported", "yes"), CIMD_URL)).isFalse();
    assertThat(McpAuth.useClientMetadataDocument(new JsonObject().put("client_id_metadata_document_supported", true), CIMD_URL)).isTrue();
  }
}
