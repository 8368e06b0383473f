package dev.maestro.auth;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.platform.net.OutboundPolicy;
import dev.maestro.testkit.HostileUrls;
import dev.maestro.testkit.oidc.OidcServer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SSRF through auth-service: base URLs members type are refused when stored, and every URL an
 * OAuth or MCP authorization server names (protected-resource metadata, authorization server,
 * registration and token endpoints) is refused before anything is sent there.
 */
class OutboundUrlTest extends AuthTestBase {

  private static List<String> hostile() {
    List<String> all = new ArrayList<>(HostileUrls.METADATA);
    HostileUrls.INTERNAL.stream().filter(u -> !u.contains("localhost")).forEach(all::add);
    return all;
  }

  private static void assertBaseUrlRefused(String url, ServiceException e) {
    assertThat(e.failureCode()).as(url).isEqualTo(ErrorCodes.BAD_REQUEST);
    JsonArray errors = e.getDebugInfo().getJsonArray("errors");
    assertThat(errors.getJsonObject(0).getString("field")).as(url).isEqualTo("baseUrl");
  }

  @Test
  void everyHostileBaseUrlIsRefusedWhenACredentialIsCreated() throws Exception {
    Instance i = start(config.copy().put(OutboundPolicy.ENV, "localhost:*"));
    List<String> hostile = hostile();
    for (String url : hostile) {
      ServiceException e = failure(i.auth().createCredential("alice", new JsonObject().put("provider", "openai-compatible")
          .put("apiKey", "k").put("baseUrl", url)));
      assertBaseUrlRefused(url, e);
    }
    assertThat(hostile).hasSizeGreaterThanOrEqualTo(35);
    assertThat(sql("SELECT id FROM credential")).isEmpty();

    ServiceException meta = failure(i.auth().createCredential("alice", new JsonObject().put("provider", "openai")
        .put("apiKey", "k").put("baseUrl", "http://2852039166/v1")));
    assertThat(meta.getMessage()).contains("link-local/metadata address (169.254.169.254), which is never allowed");
    ServiceException loop = failure(i.auth().createCredential("alice", new JsonObject().put("provider", "openai-compatible")
        .put("apiKey", "k").put("baseUrl", "http://127.0.0.1:8080/v1")));
    assertThat(loop.getMessage()).contains("ask an admin to add 127.0.0.1:8080 to MAESTRO_ALLOWED_PRIVATE_HOSTS");

    // a listed host, a public address and a name that does not resolve yet (checked again on every use) are fine
    await(i.auth().createCredential("alice", new JsonObject().put("provider", "openai-compatible").put("apiKey", "k")
        .put("baseUrl", "http://localhost:11434/v1")));
    await(i.auth().createCredential("alice", new JsonObject().put("provider", "openai").put("apiKey", "k")
        .put("baseUrl", "https://8.8.8.8/v1")));
    await(i.auth().createCredential("alice", new JsonObject().put("provider", "openai").put("apiKey", "k")
        .put("baseUrl", "https://llm-proxy.invalid/v1")));
  }

  @Test
  void aHostileBaseUrlIsRefusedWhenAnOAuthSignInStarts() throws Exception {
    Instance i = start(config.copy().put(OutboundPolicy.ENV, "localhost:*"));
    JsonObject client = await(i.auth().createOAuthClient(new JsonObject().put("provider", "openai-compatible").put("name", "c")
        .put("authorizeUrl", "https://login.example.com/authorize").put("tokenUrl", "https://login.example.com/token")
        .put("clientId", "id")));
    for (String url : List.of("http://169.254.169.254/v1", "http://[::ffff:a9fe:a9fe]/v1", "http://127.0.0.1:9/v1")) {
      ServiceException e = failure(i.auth().startOAuth("alice", "openai-compatible", new JsonObject()
          .put("oauthClientId", client.getString("id")).put("baseUrl", url), OidcServer.REDIRECT_URI));
      assertBaseUrlRefused(url, e);
    }
  }

  @Test
  void aTokenEndpointAtAMetadataAddressIsNeverCalled() throws Exception {
    Instance i = start();
    JsonObject client = await(i.auth().createOAuthClient(new JsonObject().put("provider", "openai").put("name", "evil")
        .put("authorizeUrl", "https://login.example.com/authorize").put("tokenUrl", "http://169.254.169.254/latest/api/token")
        .put("clientId", "id")));
    JsonObject started = await(i.auth().startOAuth("alice", "openai", new JsonObject().put("oauthClientId", client.getString("id")),
        OidcServer.REDIRECT_URI));
    ServiceException e = failure(i.auth().completeOAuth("alice", started.getString("state"), "code"));
    assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(e.getMessage()).contains("169.254.169.254").contains("never allowed");
  }

  @Test
  void mcpDiscoveryRefusesATokenEndpointAtTheMetadataAddress() throws Exception {
    Instance i = start();
    FakeMcpAuthorizationServer as = new FakeMcpAuthorizationServer(testVertx, null, null, new JsonObject().put("client_id", "c"),
        new JsonObject().put("token_endpoint", "http://169.254.169.254/token"));
    ServiceException e = failure(i.auth().startMcpOAuth("alice", "srv", new JsonObject().put("serverUrl", as.mcpUrl())
        .put("wwwAuthenticate", as.challenge("")), OidcServer.REDIRECT_URI));
    assertThat(e.failureCode()).isEqualTo(ErrorCodes.BAD_REQUEST);
    assertThat(e.getMessage()).contains("token endpoint").contains("never allowed");
    assertThat(as.registrations).isEmpty();
    assertThat(sql("SELECT id FROM oauth_client")).isEmpty();
  }

  @Test
  void mcpDiscoveryRefusesARegistrationEndpointAtTheMetadataAddress() throws Exception {
    Instance i = start();
    FakeMcpAuthorizationServer as = new FakeMcpAuthorizationServer(testVertx, null, null, new JsonObject().put("client_id", "c"),
        new JsonObject().put("registration_endpoint", "http://[fd00:ec2::254]/register"));
    ServiceException e = failure(i.auth().startMcpOAuth("alice", "srv", new JsonObject().put("serverUrl", as.mcpUrl())
        .put("wwwAuthenticate", as.challenge("")), OidcServer.REDIRECT_URI));
    assertThat(e.getMessage()).contains("registration endpoint").contains("never allowed");
    assertThat(sql("SELECT id FROM oauth_client")).isEmpty();
  }

  @Test
  void anOversizedMetadataDocumentIsNotRead() throws Exception {
    Instance i = start();
    // valid JSON, but 2 MiB: cut off at 1 MiB and treated as no metadata at all
    String big = new JsonObject().put("authorization_endpoint", "http://127.0.0.1/a").put("token_endpoint", "http://127.0.0.1/t")
        .put("pad", "x".repeat(2 << 20)).encode();
    HttpServer server = testVertx.createHttpServer().requestHandler(req -> req.response()
            .putHeader("content-type", "application/json").end(big))
        .listen(0, "127.0.0.1").await(T, TimeUnit.SECONDS);
    ServiceException e = failure(i.auth().startMcpOAuth("alice", "big", new JsonObject()
        .put("serverUrl", "http://127.0.0.1:" + server.actualPort() + "/mcp"), OidcServer.REDIRECT_URI));
    assertThat(e.getMessage()).contains("publishes no OAuth metadata");
    server.close().await(T, TimeUnit.SECONDS);
  }

  @Test
  void mcpDiscoveryRefusesMetadataUrlsAndAuthorizationServersAtHostileAddresses() throws Exception {
    Instance i = start();
    FakeMcpAuthorizationServer as = new FakeMcpAuthorizationServer(testVertx, null, null, new JsonObject().put("client_id", "c"),
        new JsonObject());
    // the 401's resource_metadata names the metadata service (hex spelling)
    ServiceException prm = failure(i.auth().startMcpOAuth("alice", "srv", new JsonObject().put("serverUrl", as.mcpUrl())
        .put("wwwAuthenticate", "Bearer resource_metadata=\"http://0xa9fea9fe/latest/meta-data/\""), OidcServer.REDIRECT_URI));
    assertThat(prm.getMessage()).contains("protected resource metadata").contains("never allowed");

    // the resource metadata names a metadata host as its authorization server
    HttpServer resource = testVertx.createHttpServer().requestHandler(req -> req.response()
            .putHeader("content-type", "application/json")
            .end(new JsonObject().put("resource", "http://" + req.getHeader("Host") + "/mcp").put("authorization_servers",
                new JsonArray().add("http://metadata.google.internal/")).encode()))
        .listen(0, "127.0.0.1").await(T, TimeUnit.SECONDS);
    ServiceException asErr = failure(i.auth().startMcpOAuth("alice", "srv2", new JsonObject()
        .put("serverUrl", "http://127.0.0.1:" + resource.actualPort() + "/mcp"), OidcServer.REDIRECT_URI));
    assertThat(asErr.getMessage()).contains("authorization server").contains("metadata.google.internal").contains("never allowed");

    // the MCP server URL itself
    ServiceException server = failure(i.auth().startMcpOAuth("alice", "srv3", new JsonObject()
        .put("serverUrl", "http://[::ffff:169.254.169.254]/mcp"), OidcServer.REDIRECT_URI));
    assertThat(server.getMessage()).contains("never allowed");
    assertThat(as.registrations).isEmpty();
    resource.close().await(T, TimeUnit.SECONDS);
  }
}
