package dev.maestro.gateway;

import dev.maestro.gateway.GatewayFixture.Resp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The published OpenAPI document and the router list exactly the same operations. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiDocumentTest {
  GatewayFixture fx;

  @BeforeAll
  void start() throws Exception {
    fx = new GatewayFixture();
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  @Test
  void subAgentsAreDescribedAsSchemas() {
    JsonObject schemas = new dev.maestro.gateway.api.OpenApiDocument().json().getJsonObject("components").getJsonObject("schemas");
    assertThat(schemas.fieldNames()).contains("Problem", "SessionFamily", "TaskToolArguments", "SubagentEvent", "McpCatalogFrame");
    assertThat(schemas.getJsonObject("TaskToolArguments").getJsonArray("required")).containsExactly("description", "prompt");
  }

  @Test
  void theDocumentAndTheRouterListTheSameOperations() {
    Resp r = fx.get("/api/v1/openapi.json", null);
    assertThat(r.status()).isEqualTo(200);
    JsonObject doc = r.json();
    assertThat(doc.getString("openapi")).isEqualTo("3.1.0");
    Set<String> documented = new TreeSet<>();
    Set<String> operationIds = new HashSet<>();
    JsonObject paths = doc.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        documented.add(method.toUpperCase() + " " + path);
        assertThat(operationIds.add(paths.getJsonObject(path).getJsonObject(method).getString("operationId"))).isTrue();
      }
    }
    Set<String> routed = new TreeSet<>();
    for (Route route : fx.gateways.get(0).router().getRoutes()) {
      String path = route.getPath();
      if (path == null || !(path.startsWith("/api/v1/") || path.startsWith("/v1/")) || path.equals("/api/v1/ws") || route.methods() == null) continue;
      for (HttpMethod m : route.methods()) routed.add(m.name() + " " + path.replaceAll(":(\\w+)", "{$1}"));
    }
    assertThat(routed).isEqualTo(documented);
    // every operation of API.md is there
    assertThat(documented).contains("POST /api/v1/auth/token", "GET /api/v1/auth/tokens", "DELETE /api/v1/auth/tokens/{id}",
        "GET /api/v1/credentials", "POST /api/v1/credentials", "DELETE /api/v1/credentials/{id}",
        "GET /api/v1/oauth-clients", "POST /api/v1/oauth-clients", "GET /api/v1/oauth-clients/{id}", "PUT /api/v1/oauth-clients/{id}",
        "DELETE /api/v1/oauth-clients/{id}", "POST /api/v1/credentials/oauth/{provider}/start",
        "POST /api/v1/sessions", "GET /api/v1/sessions", "GET /api/v1/sessions/{id}", "PATCH /api/v1/sessions/{id}",
        "DELETE /api/v1/sessions/{id}", "POST /api/v1/sessions/{id}/fork", "POST /api/v1/sessions/{id}/messages",
        "POST /api/v1/sessions/{id}/cancel", "POST /api/v1/sessions/{id}/compact", "GET /api/v1/sessions/{id}/export",
        "POST /api/v1/sessions/import", "GET /api/v1/sessions/{id}/events", "GET /api/v1/tools", "PATCH /api/v1/tools/{name}",
        "GET /api/v1/mcp-servers", "POST /api/v1/mcp-servers", "GET /api/v1/mcp-servers/{id}", "PATCH /api/v1/mcp-servers/{id}",
        "DELETE /api/v1/mcp-servers/{id}", "GET /api/v1/templates", "POST /api/v1/templates", "GET /api/v1/templates/{id}",
        "PUT /api/v1/templates/{id}", "DELETE /api/v1/templates/{id}", "GET /api/v1/models", "GET /api/v1/users",
        "POST /api/v1/users", "PATCH /api/v1/users/{id}", "DELETE /api/v1/users/{id}",
        // added for the web pages, which hold no proxies of their own (issue 13 point 1)
        "GET /api/v1/credentials/{id}", "POST /api/v1/credentials/{id}/validate", "POST /api/v1/sessions/{id}/approvals/{callId}",
        "POST /api/v1/mcp-servers/{id}/restart");
  }

  @Test
  void everyRequestBodyHasASchemaThatCompilesAndEveryOperationDocumentsProblems() {
    JsonObject paths = fx.get("/api/v1/openapi.json", null).json().getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        JsonObject op = paths.getJsonObject(path).getJsonObject(method);
        assertThat(op.getJsonObject("responses").fieldNames()).contains("4XX");
        if (List.of("post", "put", "patch").contains(method) && op.containsKey("requestBody")) {
          JsonObject schema = op.getJsonObject("requestBody").getJsonObject("content").getJsonObject("application/json").getJsonObject("schema");
          assertThat(new dev.maestro.gateway.api.RequestValidator(schema).validate("not an object")).isNotEmpty();
        }
      }
    }
  }
}
