package dev.maestro.system;

import dev.maestro.contracts.tool.ToolService;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.testkit.NodeDeps;
import dev.maestro.testkit.fake.FakeUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Issue 19, catalog changes pushed to open pages, across the real services: server-everything (stdio, run by
 * tool-service) registers a new resource while a chat page is open in Chromium with the "Attach resource" picker
 * showing; tool-service publishes the change, the gateway relays it as an {@code mcp_catalog} frame, and the page's
 * open picker shows the new resource without a reload, and "@" offers it
 * (web-ui/src/test/node/browser/catalog-flow.mjs). Set MAESTRO_SKIP_BROWSER_TESTS=1 to skip without a browser.
 */
@SharedSystem.Uses
class McpCatalogBrowserTest {
  static final Path MCP_DIR = Path.of("../tool-service/src/test/node/mcp").toAbsolutePath().normalize();
  static final Path BROWSER_DIR = Path.of("../web-ui/src/test/node/browser").toAbsolutePath().normalize();
  static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
  static ServiceNodes services;
  static Vertx client;
  static JsonObject config;
  static int port;
  static WebClient http;
  static String token;
  static String sessionId;
  static FakeUpstream upstream;

  @BeforeAll
  static void startClient(SharedSystem system) throws Exception {
    Assumptions.assumeFalse("1".equals(System.getenv("MAESTRO_SKIP_BROWSER_TESTS")), "MAESTRO_SKIP_BROWSER_TESTS=1");
    if (!Files.isExecutable(CHROMIUM)) fail("Chromium is missing at " + CHROMIUM + " (apt-get install -y chromium), or set MAESTRO_SKIP_BROWSER_TESTS=1");
    NodeDeps.ensureInstalled(MCP_DIR);
    NodeDeps.ensureInstalled(BROWSER_DIR);
    client = Vertx.vertx();
    config = system.config;
    services = system.services;
    upstream = FakeUpstream.start(client, 0).await(20, TimeUnit.SECONDS);
    port = system.portA;
    http = WebClient.create(client);
    token = system.adminToken(http, "catalog-browser");
    system.everything(http, token, MCP_DIR);
    HttpResponse<Buffer> cred = post("/api/v1/credentials", new JsonObject().put("provider", "openai")
        .put("kind", "api_key").put("label", "fake openai").put("apiKey", "sk-catalog-secret-value-1234")
        .put("baseUrl", upstream.openAiBaseUrl()));
    assertThat(cred.statusCode()).as(cred.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> session = post("/api/v1/sessions", new JsonObject().put("title", "catalog browser")
        .put("provider", "openai").put("model", "gpt-4o-mini").put("credentialId", cred.bodyAsJsonObject().getString("id")));
    assertThat(session.statusCode()).as(session.bodyAsString()).isEqualTo(201);
    sessionId = session.bodyAsJsonObject().getString("id");
  }

  @AfterAll
  static void stopClient() throws Exception {
    ServiceNodes.stop(null, client);
  }

  static HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    return http.post(port, "127.0.0.1", path).bearerTokenAuthentication(token).sendJsonObject(body).await(20, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> get(String path) throws Exception {
    return http.get(port, "127.0.0.1", path).bearerTokenAuthentication(token).send().await(20, TimeUnit.SECONDS);
  }

  @Test
  void aResourceAddedWhileThePageIsOpenAppearsInTheOpenPicker() throws Exception {
    String added = "catalog-" + UUID.randomUUID().toString().substring(0, 8) + ".txt";
    Path shots = Files.createDirectories(Path.of("target/screenshots").toAbsolutePath());
    ProcessBuilder pb = new ProcessBuilder("node", "catalog-flow.mjs").directory(BROWSER_DIR.toFile()).redirectErrorStream(true);
    pb.environment().put("MAESTRO_URL", "http://127.0.0.1:" + port);
    pb.environment().put("MAESTRO_USER", "admin");
    pb.environment().put("MAESTRO_PASSWORD", config.getString(MaestroConfig.ADMIN_PASSWORD));
    pb.environment().put("SESSION_ID", sessionId);
    pb.environment().put("SERVER", "everything");
    pb.environment().put("NEW_RESOURCE", added);
    pb.environment().put("CHROMIUM", CHROMIUM.toString());
    pb.environment().put("SCREENSHOTS", shots.toString());
    Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    StringBuilder out = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      boolean triggered = false;
      String line;
      while ((line = r.readLine()) != null) {
        out.append(line).append('\n');
        if (!triggered && line.equals("READY")) {
          triggered = true;
          // the server registers a session resource and sends notifications/resources/list_changed
          JsonObject result = ToolService.createProxy(services.member()).execute(new JsonObject().put("callId", "c-" + added)
              .put("sessionId", sessionId).put("name", "everything__gzip-file-as-resource").put("timeoutSeconds", 30)
              .put("arguments", new JsonObject().put("name", added).put("data", "data:text/plain;base64,aGVsbG8=")))
              .await(40, TimeUnit.SECONDS);
          assertThat(result.getBoolean("isError")).as(result.encode()).isFalse();
        }
      }
    } finally {
      if (!p.waitFor(120, TimeUnit.SECONDS)) p.destroyForcibly();
      System.out.println(out);
    }
    assertThat(p.exitValue()).as("catalog-flow.mjs exit code; log:\n" + out).isZero();
    assertThat(out).contains("ok   the open picker shows the new resource without a reload").contains("\"ok\":true");
  }
}
