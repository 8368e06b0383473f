package dev.maestro.system;

import dev.maestro.platform.net.OutboundPolicy;
import dev.maestro.testkit.HostileUrls;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SSRF through the public API, every service real: hostile credential base URLs and MCP server URLs
 * get a 400 problem+json naming the rule, and nothing is stored.
 */
class OutboundUrlEndToEndTest {
  static ServiceNodes services;
  static Vertx client;
  static WebClient http;
  static int port;
  static String token;

  @BeforeAll
  static void startSystem() throws Exception {
    client = Vertx.vertx();
    services = ServiceNodes.startBackends(client, TestEnv.config().put(OutboundPolicy.ENV, "localhost:*"));
    port = services.deployGateway();
    http = WebClient.create(client);
    token = services.adminToken(http, port, "ssrf");
  }

  @AfterAll
  static void stopSystem() throws Exception {
    ServiceNodes.stop(services, client);
  }

  static HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    return http.post(port, "127.0.0.1", path).bearerTokenAuthentication(token).sendJsonObject(body).await(20, TimeUnit.SECONDS);
  }

  private static List<String> hostile() {
    List<String> all = new ArrayList<>(HostileUrls.METADATA);
    HostileUrls.INTERNAL.stream().filter(u -> !u.contains("localhost")).forEach(all::add);
    return all;
  }

  private static void assertRefused(String url, HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(url + " → " + r.bodyAsString()).isEqualTo(400);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(r.bodyAsString()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void hostileCredentialBaseUrlsAreRefusedByTheApi() throws Exception {
    for (String url : hostile()) {
      assertRefused(url, post("/api/v1/credentials", new JsonObject().put("provider", "openai-compatible").put("label", "x")
          .put("apiKey", "k").put("baseUrl", url)));
    }
    HttpResponse<Buffer> meta = post("/api/v1/credentials", new JsonObject().put("provider", "openai").put("label", "x")
        .put("apiKey", "k").put("baseUrl", "http://[::ffff:a9fe:a9fe]/v1"));
    assertThat(meta.bodyAsString()).contains("link-local/metadata").contains("never allowed");
    HttpResponse<Buffer> loop = post("/api/v1/credentials", new JsonObject().put("provider", "openai-compatible").put("label", "x")
        .put("apiKey", "k").put("baseUrl", "http://127.0.0.1:5432/v1"));
    assertThat(loop.bodyAsString()).contains("127.0.0.1:5432").contains("MAESTRO_ALLOWED_PRIVATE_HOSTS");
    HttpResponse<Buffer> list = http.get(port, "127.0.0.1", "/api/v1/credentials").bearerTokenAuthentication(token).send()
        .await(20, TimeUnit.SECONDS);
    assertThat(list.bodyAsJsonObject().getJsonArray("items")).isEmpty();
  }

  @Test
  void hostileMcpServerUrlsAreRefusedByTheApi() throws Exception {
    int n = 0;
    for (String url : hostile()) {
      assertRefused(url, post("/api/v1/mcp-servers", new JsonObject().put("name", "evil-" + n++).put("transport", "http")
          .put("url", url)));
    }
  }
}
