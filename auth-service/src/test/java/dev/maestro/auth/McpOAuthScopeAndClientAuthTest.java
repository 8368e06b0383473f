package dev.maestro.auth;

import dev.maestro.testkit.oidc.OidcServer;
import dev.maestro.testkit.oidc.LoginDriver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MCP OAuth against a scriptable fake authorization server (like the conformance fixtures): the
 * challenge's scope= wins over scopes_supported, a 403 insufficient_scope step-up asks for the old
 * and the new scopes, and token requests authenticate with the registered token_endpoint_auth_method
 * (or the first supported one the server lists) — for the code exchange and for refreshes.
 */
class McpOAuthScopeAndClientAuthTest extends AuthTestBase {

  final class FakeAs extends FakeMcpAuthorizationServer {
    FakeAs(JsonArray scopesSupported, JsonArray authMethodsSupported, JsonObject registrationAnswer) throws Exception {
      super(testVertx, scopesSupported, authMethodsSupported, registrationAnswer, new JsonObject());
    }
  }

  /** startMcpOAuth with this challenge, the authorize redirect followed, completeOAuth. */
  static void signIn(Instance i, FakeMcpAuthorizationServer as, String www) throws Exception {
    JsonObject started = await(i.auth().startMcpOAuth("alice", "srv", new JsonObject().put("serverUrl", as.mcpUrl())
        .put("wwwAuthenticate", www), OidcServer.REDIRECT_URI));
    HttpResponse<String> redirect = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(started.getString("authorizeUrl")))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(redirect.statusCode()).isEqualTo(302);
    Map<String, String> q = LoginDriver.query(URI.create(redirect.headers().firstValue("Location").orElseThrow()));
    await(i.auth().completeOAuth("alice", q.get("state"), q.get("code")));
  }

  @Test
  void challengeScopeWinsOverScopesSupportedAndStepUpAsksForTheUnion() throws Exception {
    FakeAs as = new FakeAs(new JsonArray().add("mcp:basic").add("mcp:read").add("mcp:admin"), null,
        new JsonObject().put("client_id", "c1").put("token_endpoint_auth_method", "none"));
    Instance i = start();

    signIn(i, as, as.challenge("error=\"invalid_token\", scope=\"mcp:basic mcp:read\""));
    assertThat(as.authorizeScopes).containsExactly("mcp:basic mcp:read");

    // 403 insufficient_scope: the old scopes plus the new one (the "scope" inside the error is not a scope=).
    signIn(i, as, "Bearer error=\"insufficient_scope\", scope=\"mcp:write\", resource_metadata=\""
        + as.origin + "/.well-known/oauth-protected-resource/mcp\"");
    assertThat(as.authorizeScopes.get(1)).isEqualTo("mcp:basic mcp:read mcp:write");

    // Another step-up keeps accumulating; one login replaces the other.
    signIn(i, as, as.challenge("scope=mcp:admin, error=\"insufficient_scope\""));
    assertThat(as.authorizeScopes.get(2)).isEqualTo("mcp:basic mcp:read mcp:write mcp:admin");
    assertThat(sql("SELECT id FROM credential WHERE mcp_server_id='srv'")).hasSize(1);

    // A plain 401 with a scope asks for exactly that scope; without one, for all of scopes_supported.
    signIn(i, as, as.challenge("scope=\"mcp:read\""));
    assertThat(as.authorizeScopes.get(3)).isEqualTo("mcp:read");
    signIn(i, as, as.challenge(""));
    assertThat(as.authorizeScopes.get(4)).isEqualTo("mcp:basic mcp:read mcp:admin");
    // public client: client_id in the body, never a secret
    assertThat(as.tokenRequests).allSatisfy(t -> {
      assertThat(t.authorization()).isNull();
      assertThat(t.form().get("client_id")).isEqualTo("c1");
      assertThat(t.form().get("client_secret")).isNull();
    });
  }

  @Test
  void clientSecretPostFromRegistrationPutsTheSecretInTheBodyAlsoForRefresh() throws Exception {
    FakeAs as = new FakeAs(null, new JsonArray().add("client_secret_post"),
        new JsonObject().put("client_id", "c-post").put("client_secret", "s:3cret").put("token_endpoint_auth_method", "client_secret_post"));
    Instance i = start();
    signIn(i, as, as.challenge(""));
    assertThat(as.authorizeScopes).containsExactly(""); // no scope anywhere → omitted
    assertThat(sql("SELECT token_auth_method FROM oauth_client").get(0).getString("token_auth_method")).isEqualTo("client_secret_post");

    sql("UPDATE credential SET next_refresh_at = now()");
    assertThat(await(i.auth().mcpToken("srv")).getString("secret")).isEqualTo("at-2");
    assertThat(as.tokenRequests).hasSize(2).allSatisfy(t -> {
      assertThat(t.authorization()).isNull();
      assertThat(t.form().get("client_id")).isEqualTo("c-post");
      assertThat(t.form().get("client_secret")).isEqualTo("s:3cret");
    });
    assertThat(as.tokenRequests.get(1).form().get("grant_type")).isEqualTo("refresh_token");
  }

  @Test
  void clientSecretBasicFromRegistrationUsesTheAuthorizationHeader() throws Exception {
    FakeAs as = new FakeAs(null, new JsonArray().add("client_secret_basic"),
        new JsonObject().put("client_id", "c basic").put("client_secret", "s&cret").put("token_endpoint_auth_method", "client_secret_basic"));
    Instance i = start();
    signIn(i, as, as.challenge(""));
    var t = as.tokenRequests.get(0);
    assertThat(t.authorization()).startsWith("Basic ");
    String decoded = new String(Base64.getDecoder().decode(t.authorization().substring(6)), StandardCharsets.UTF_8);
    String[] idSecret = decoded.split(":", 2);
    assertThat(URLDecoder.decode(idSecret[0], StandardCharsets.UTF_8)).isEqualTo("c basic");
    assertThat(URLDecoder.decode(idSecret[1], StandardCharsets.UTF_8)).isEqualTo("s&cret");
    assertThat(t.form().get("client_secret")).isNull();
  }

  @Test
  void withoutAMethodInTheRegistrationTheServersFirstSupportedOneIsUsed() throws Exception {
    // The registration answer names no method; the server lists one we do not implement, then client_secret_post.
    FakeAs as = new FakeAs(null, new JsonArray().add("private_key_jwt").add("client_secret_post").add("client_secret_basic"),
        new JsonObject().put("client_id", "c2").put("client_secret", "s2"));
    Instance i = start();
    signIn(i, as, as.challenge(""));
    var t = as.tokenRequests.get(0);
    assertThat(t.authorization()).isNull();
    assertThat(t.form().get("client_secret")).isEqualTo("s2");
  }

  @Test
  void noneFromRegistrationSendsNoSecretEvenIfOneWasIssued() throws Exception {
    FakeAs as = new FakeAs(null, new JsonArray().add("none"),
        new JsonObject().put("client_id", "c3").put("client_secret", "ignored").put("token_endpoint_auth_method", "none"));
    Instance i = start();
    signIn(i, as, as.challenge(""));
    var t = as.tokenRequests.get(0);
    assertThat(t.authorization()).isNull();
    assertThat(t.form().get("client_id")).isEqualTo("c3");
    assertThat(t.form().get("client_secret")).isNull();
  }

  @Test
  void challengeScopeParsing() {
    assertThat(McpAuth.challengeScopes("Bearer error=\"insufficient_scope\"")).isNull();
    assertThat(McpAuth.challengeScopes(null)).isNull();
    assertThat(McpAuth.challengeScopes("Bearer scope=\"a  b a\"")).containsExactly("a", "b");
    assertThat(McpAuth.challengeScopes("Bearer realm=\"x\",scope=files:read")).containsExactly("files:read");
    assertThat(McpAuth.union(new JsonArray().add("a").add("b"), new JsonArray().add("b").add("c"))).containsExactly("a", "b", "c");
  }

  /** startMcpOAuth, the authorize redirect followed → the callback's query parameters (state, code, iss?). */
  static Map<String, String> authorize(Instance i, FakeMcpAuthorizationServer as) throws Exception {
    JsonObject started = await(i.auth().startMcpOAuth("alice", "srv", new JsonObject().put("serverUrl", as.mcpUrl())
        .put("wwwAuthenticate", as.challenge("")), OidcServer.REDIRECT_URI));
    HttpResponse<String> redirect = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(started.getString("authorizeUrl")))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    return LoginDriver.query(URI.create(redirect.headers().firstValue("Location").orElseThrow()));
  }

  static JsonObject callback(Map<String, String> q) {
    JsonObject cb = new JsonObject().put("state", q.get("state")).put("code", q.get("code"));
    if (q.get("iss") != null) cb.put("iss", q.get("iss"));
    return cb;
  }

  @Test
  void rfc9207IssMustBeTheAuthorizationServersIssuerAndAMixUpNeverReachesTheTokenEndpoint() throws Exception {
    FakeMcpAuthorizationServer as = new FakeMcpAuthorizationServer(testVertx, null, null,
        new JsonObject().put("client_id", "c-iss").put("token_endpoint_auth_method", "none"),
        new JsonObject().put("authorization_response_iss_parameter_supported", true));
    Instance i = start();

    // The honest answer: iss is exactly the metadata's issuer → exchanged.
    as.authorizeIss = as.origin;
    JsonObject cred = await(i.auth().completeOAuthCallback("alice", callback(authorize(i, as))));
    assertThat(cred.getString("mcpServerId")).isEqualTo("srv");
    assertThat(as.tokenRequests).hasSize(1);

    // A mix-up: the code comes back labelled with another server's issuer → refused, no token request.
    as.authorizeIss = "https://attacker.example";
    io.vertx.serviceproxy.ServiceException mixUp = failure(i.auth().completeOAuthCallback("alice", callback(authorize(i, as))));
    assertThat(mixUp.failureCode()).isEqualTo(dev.maestro.contracts.ErrorCodes.BAD_REQUEST);
    assertThat(mixUp.getMessage()).contains("https://attacker.example").contains(as.origin).contains("mix-up");
    // Not even a near miss: a trailing slash is another string (exact compare).
    as.authorizeIss = as.origin + "/";
    assertThat(failure(i.auth().completeOAuthCallback("alice", callback(authorize(i, as)))).getMessage()).contains("mix-up");

    // The server promised iss (authorization_response_iss_parameter_supported) but the callback has none → refused.
    as.authorizeIss = null;
    Map<String, String> q = authorize(i, as);
    assertThat(q).doesNotContainKey("iss");
    assertThat(failure(i.auth().completeOAuthCallback("alice", callback(q))).getMessage()).contains("no iss parameter");
    // ... and the refused state is consumed: it cannot be replayed with a forged iss afterwards
    assertThat(failure(i.auth().completeOAuthCallback("alice", callback(q).put("iss", as.origin))).getMessage())
        .contains("already completed");
    assertThat(as.tokenRequests).hasSize(1);
  }

  @Test
  void aServerThatDoesNotPromiseIssMayOmitItButAWrongOneIsStillRefused() throws Exception {
    FakeMcpAuthorizationServer as = new FakeMcpAuthorizationServer(testVertx, null, null,
        new JsonObject().put("client_id", "c-no-iss").put("token_endpoint_auth_method", "none"), new JsonObject());
    Instance i = start();
    await(i.auth().completeOAuthCallback("alice", callback(authorize(i, as))));
    assertThat(as.tokenRequests).hasSize(1);
    as.authorizeIss = "https://attacker.example";
    assertThat(failure(i.auth().completeOAuthCallback("alice", callback(authorize(i, as)))).getMessage()).contains("mix-up");
    assertThat(as.tokenRequests).hasSize(1);
  }

  @Test
  void issuerCheckRules() {
    assertThat(IssuerCheck.problem(null, true, "https://x")).isEmpty();
    assertThat(IssuerCheck.problem("https://as", false, null)).isEmpty();
    assertThat(IssuerCheck.problem("https://as", true, null)).isPresent();
    assertThat(IssuerCheck.problem("https://as", false, "https://as")).isEmpty();
    assertThat(IssuerCheck.problem("https://as", false, "https://AS")).isPresent();
  }
}
