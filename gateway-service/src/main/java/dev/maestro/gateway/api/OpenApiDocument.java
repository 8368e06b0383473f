package dev.maestro.gateway.api;

import dev.maestro.contracts.provider.Providers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The OpenAPI 3.1 description of {@code /api/v1}. Request schemas here are the ones requests are
 * validated against ({@link RequestValidator}), so the document cannot drift from validation; the
 * router is written separately and a test checks both list the same operations.
 */
public final class OpenApiDocument {
  /** operationId → {method, path, body schema or null}. */
  private final Map<String, JsonObject> operations = new LinkedHashMap<>();
  private final JsonObject paths = new JsonObject();
  private final JsonObject doc;
  /** Schemas that sections add beside Problem (components.schemas). */
  private final JsonObject schemas = new JsonObject();

  private static final JsonArray PROVIDERS = new JsonArray(new java.util.ArrayList<>(Providers.ALL));
  private static final JsonObject UUID = str(36).put("format", "uuid")
      .put("pattern", "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

  public OpenApiDocument() {
    auth();
    credentials();
    sessions();
    tools();
    users();
    webhooks();
    op("get", "/api/v1/openapi.json", "getOpenApi", "This document (public)", null, 200, "meta", true, false);
    doc = new JsonObject()
        .put("openapi", "3.1.0")
        .put("info", new JsonObject().put("title", "Maestro API").put("version", "1"))
        .put("jsonSchemaDialect", "https://json-schema.org/draft/2020-12/schema")
        .put("servers", new JsonArray().add(new JsonObject().put("url", "/")))
        .put("paths", paths)
        .put("components", new JsonObject()
            .put("securitySchemes", new JsonObject()
                .put("bearer", new JsonObject().put("type", "http").put("scheme", "bearer"))
                .put("cookie", new JsonObject().put("type", "apiKey").put("in", "cookie").put("name", "maestro_session")))
            .put("schemas", new JsonObject().put("Problem", obj(false)
                .put("properties", new JsonObject().put("type", str(500)).put("title", str(200)).put("status", integer(100, 599))
                    .put("detail", str(5000)).put("errors", new JsonObject().put("type", "array").put("items", obj(false)
                        .put("properties", new JsonObject().put("field", str(500)).put("message", str(500))))))
                .put("required", new JsonArray().add("type").add("title").add("status").add("detail")))))
        .put("security", new JsonArray().add(new JsonObject().put("bearer", new JsonArray())).add(new JsonObject().put("cookie", new JsonArray())));
    subagents();
    doc.getJsonObject("components").getJsonObject("schemas").mergeIn(schemas);
  }

  /**
   * Sub-agents (issue 16) add no route: the built-in tool {@code task} makes child sessions, which getSession
   * shows as {@code parentSessionId} and {@code children}, listSessions leaves out, and whose progress arrives
   * on the parent as subagent_* events. Described here as schemas.
   */
  private void subagents() {
    schemas.put("SessionFamily", obj(true).put("description", "Fields of getSession: the session's parent (a sub-agent's) "
            + "and the sub-agents its task calls started; children are not in listSessions")
        .put("properties", new JsonObject().put("parentSessionId", new JsonObject().put("type", new JsonArray().add("string").add("null")))
            .put("children", new JsonObject().put("type", "array").put("items", obj(true).put("properties", new JsonObject()
                .put("id", UUID.copy()).put("title", str(500)).put("createdAt", str(40))
                .put("status", enumOf(new JsonArray().add("pending").add("running").add("complete").add("cancelled").add("error")
                    .add("interrupted"))))))));
    schemas.put("TaskToolArguments", obj(false).put("description", "Arguments of the built-in tool task (offered to the model): "
            + "runs a child session to completion and returns its final answer as the tool result")
        .put("properties", new JsonObject().put("description", str(200)).put("prompt", str(1 << 20))
            .put("template", str(200).put("description", "name or id of one of the user's templates"))
            .put("model", str(200).put("description", "a model of the same provider and credential")))
        .put("required", req("description", "prompt")));
    schemas.put("SubagentEvent", obj(true).put("description", "Session events on the parent: subagent_started "
            + "{childSessionId, callId, description}, subagent_delta {childSessionId, text}, subagent_progress {childSessionId, text}, "
            + "subagent_finished {childSessionId, callId, status}; a child's approval_required is re-published with childSessionId "
            + "and answered with approveToolCall on the parent")
        .put("properties", new JsonObject().put("type", enumOf(new JsonArray().add("subagent_started").add("subagent_delta")
                .add("subagent_progress").add("subagent_finished")))
            .put("childSessionId", UUID.copy()).put("callId", str(200)).put("description", str(200)).put("text", str(1 << 20))
            .put("status", str(20))));
  }

  public JsonObject json() {
    return doc.copy();
  }

  /** {method, path, body} of an operation, or null when the document has no such operation. */
  public JsonObject operation(String operationId) {
    return operations.get(operationId);
  }

  public Map<String, JsonObject> operations() {
    return operations;
  }

  private void auth() {
    op("post", "/api/v1/auth/token", "createToken", "Log in with a password and get an API token (shown only once)",
        obj(false).put("properties", new JsonObject()
            .put("username", str(200).put("minLength", 1)).put("password", str(1024).put("minLength", 1))
            .put("name", str(200).put("minLength", 1)).put("expiresAt", str(64).put("format", "date-time")))
            .put("required", req("username", "password", "name")), 201, "auth", true, false);
    op("get", "/api/v1/auth/tokens", "listTokens", "The caller's API tokens", null, 200, "auth", false, false);
    op("delete", "/api/v1/auth/tokens/{id}", "revokeToken", "Revoke a token (at once, also on open WebSockets)", null, 204, "auth", false, false);
  }

  private void credentials() {
    op("get", "/api/v1/credentials", "listCredentials", "The caller's provider credentials (masked)", null, 200, "credentials", false, false);
    op("post", "/api/v1/credentials", "createCredential", "Store an API-key credential",
        obj(false).put("properties", new JsonObject().put("provider", enumOf(PROVIDERS))
            .put("kind", enumOf(new JsonArray().add("api_key"))).put("label", str(200).put("minLength", 1))
            .put("apiKey", str(10_000).put("minLength", 1)).put("baseUrl", url()))
            .put("required", req("provider", "label", "apiKey")), 201, "credentials", false, false);
    op("get", "/api/v1/credentials/{id}", "getCredential", "One of the caller's credentials (masked)", null, 200, "credentials", false, false);
    op("post", "/api/v1/credentials/{id}/validate", "validateCredential",
        "Check a credential against its provider → {ok, message?}", empty(), 200, "credentials", false, false);
    op("delete", "/api/v1/credentials/{id}", "deleteCredential", "Delete a credential", null, 204, "credentials", false, false);
    op("post", "/api/v1/credentials/oauth/{provider}/start", "startOAuth", "Start an OAuth authorization-code flow",
        obj(false).put("properties", new JsonObject().put("label", str(200).put("minLength", 1)).put("oauthClientId", UUID.copy())
            .put("baseUrl", url())).put("required", req("label", "oauthClientId")), 200, "credentials", false, false);
    JsonObject client = obj(false).put("properties", new JsonObject().put("provider", enumOf(PROVIDERS))
        .put("name", str(200).put("minLength", 1)).put("authorizeUrl", url()).put("tokenUrl", url())
        .put("clientId", str(1000).put("minLength", 1)).put("clientSecret", str(5000))
        .put("scopes", new JsonObject().put("type", "array").put("maxItems", 100).put("items", str(500)))
        .put("extraParams", stringMap()).put("extraHeaders", stringMap()))
        .put("required", req("provider", "name", "authorizeUrl", "tokenUrl", "clientId"));
    op("get", "/api/v1/oauth-clients", "listOAuthClients", "OAuth clients (secrets never returned)", null, 200, "oauth-clients", false, false);
    op("post", "/api/v1/oauth-clients", "createOAuthClient", "Register an OAuth client (admin)", client, 201, "oauth-clients", false, true);
    op("get", "/api/v1/oauth-clients/{id}", "getOAuthClient", "One OAuth client", null, 200, "oauth-clients", false, false);
    op("put", "/api/v1/oauth-clients/{id}", "updateOAuthClient", "Replace an OAuth client (admin)", client.copy(), 200, "oauth-clients", false, true);
    op("delete", "/api/v1/oauth-clients/{id}", "deleteOAuthClient", "Delete an OAuth client (admin)", null, 204, "oauth-clients", false, true);
  }

  private void sessions() {
    JsonArray names = new JsonArray();
    JsonObject tools = new JsonObject().put("type", "array").put("maxItems", 200).put("items", str(200));
    op("post", "/api/v1/sessions", "createSession", "Create a session",
        obj(false).put("properties", new JsonObject().put("title", str(500)).put("provider", enumOf(PROVIDERS))
            .put("model", str(200).put("minLength", 1)).put("credentialId", UUID.copy()).put("templateId", UUID.copy())
            .put("systemPrompt", str(200_000)).put("tools", tools.copy()).put("params", new JsonObject().put("type", "object")))
            .put("anyOf", new JsonArray().add(new JsonObject().put("required", req("provider", "model")))
                .add(new JsonObject().put("required", req("templateId")))), 201, "sessions", false, false);
    op("get", "/api/v1/sessions", "listSessions", "The caller's sessions (q: full-text search), with openIn", null, 200, "sessions", false, false);
    op("get", "/api/v1/sessions/{id}", "getSession", "A session with its messages", null, 200, "sessions", false, false);
    op("patch", "/api/v1/sessions/{id}", "updateSession", "Change title, model, provider, credential or tools",
        obj(false).put("minProperties", 1).put("properties", new JsonObject().put("title", str(500))
            .put("provider", enumOf(PROVIDERS)).put("model", str(200).put("minLength", 1))
            .put("credentialId", UUID.copy()).put("tools", tools.copy())), 200, "sessions", false, false);
    op("delete", "/api/v1/sessions/{id}", "deleteSession", "Delete a session", null, 204, "sessions", false, false);
    op("post", "/api/v1/sessions/{id}/fork", "forkSession", "Copy a session up to a message",
        obj(false).put("properties", new JsonObject().put("atMessageId", UUID.copy())), 201, "sessions", false, false);
    op("post", "/api/v1/sessions/{id}/messages", "sendMessage", "Send a user message; the reply streams as events",
        obj(false).put("properties", new JsonObject().put("text", str(200_000).put("minLength", 1))
            .put("idempotencyKey", SendOnce.schema())).put("required", req("text")),
        202, "sessions", false, false);
    // Answer to tool_approval_required; WebSocket twin: {"type":"approve","sessionId","callId","decision"}.
    op("post", "/api/v1/sessions/{id}/approvals/{callId}", "approveToolCall", "Allow or deny a tool call waiting for approval",
        obj(false).put("properties", new JsonObject().put("decision", enumOf(new JsonArray().add("allow").add("deny"))))
            .put("required", req("decision")), 204, "sessions", false, false);
    op("post", "/api/v1/sessions/{id}/cancel", "cancelTurn", "Cancel the turn in flight", empty(), 202, "sessions", false, false);
    // Answer to the session event elicitation_required {callId, elicitationId, server, message, schema}: an MCP
    // tool asks the user; elicitation_resolved {elicitationId, action} follows (also on timeout or turn cancel).
    // WebSocket twin: {"type":"elicit","sessionId","elicitationId","action","content"?}.
    op("post", "/api/v1/sessions/{id}/elicitations/{elicitationId}", "answerElicitation",
        "Answer an MCP tool's elicitation_required (accept with content: omitted fields get the schema's defaults; "
            + "404 unknown, 409 already resolved, 400 content not matching the requested schema)",
        obj(false).put("properties", new JsonObject().put("action", enumOf(new JsonArray().add("accept").add("decline").add("cancel")))
            .put("content", new JsonObject().put("type", "object").put("maxProperties", 100))).put("required", req("action")),
        204, "sessions", false, false);
    op("post", "/api/v1/sessions/{id}/compact", "compactSession", "Compact the session's history", empty(), 202, "sessions", false, false);
    op("get", "/api/v1/sessions/{id}/export", "exportSession", "Export as json or markdown", null, 200, "sessions", false, false);
    op("post", "/api/v1/sessions/import", "importSession", "Import a JSON export", new JsonObject().put("type", "object"), 201, "sessions", false, false);
    op("get", "/api/v1/sessions/{id}/events", "sessionEvents", "Events after afterSeq still held by the server", null, 200, "sessions", false, false);
    JsonObject template = obj(false).put("properties", new JsonObject().put("name", str(200).put("minLength", 1))
        .put("description", str(5000)).put("provider", enumOf(PROVIDERS)).put("model", str(200).put("minLength", 1))
        .put("systemPrompt", str(200_000)).put("tools", tools.copy()).put("params", new JsonObject().put("type", "object")))
        .put("required", req("name", "provider", "model"));
    op("get", "/api/v1/templates", "listTemplates", "The caller's agent templates", null, 200, "templates", false, false);
    op("post", "/api/v1/templates", "createTemplate", "Create an agent template", template, 201, "templates", false, false);
    op("get", "/api/v1/templates/{id}", "getTemplate", "One template", null, 200, "templates", false, false);
    op("put", "/api/v1/templates/{id}", "updateTemplate", "Replace a template", template.copy(), 200, "templates", false, false);
    op("delete", "/api/v1/templates/{id}", "deleteTemplate", "Delete a template", null, 204, "templates", false, false);
    op("get", "/api/v1/models", "listModels", "Models of a provider (optionally through one credential)", null, 200, "models", false, false);
    names.clear();
  }

  private void tools() {
    op("get", "/api/v1/tools", "listTools", "Every tool with its policy", null, 200, "tools", false, false);
    op("patch", "/api/v1/tools/{name}", "updateTool", "Enable/disable a tool or change its policy (admin)",
        obj(false).put("minProperties", 1).put("properties", new JsonObject().put("enabled", new JsonObject().put("type", "boolean"))
            .put("policy", enumOf(new JsonArray().add("allow").add("ask").add("deny")))), 200, "tools", false, true);
    JsonObject props = new JsonObject()
        .put("name", str(64).put("pattern", "^[A-Za-z0-9_-]{1,64}$"))
        .put("transport", enumOf(new JsonArray().add("stdio").add("http")))
        .put("command", str(2000).put("minLength", 1))
        .put("args", new JsonObject().put("type", "array").put("maxItems", 200).put("items", str(5000)))
        .put("env", stringMap()).put("url", url()).put("headers", stringMap())
        .put("enabled", new JsonObject().put("type", "boolean"))
        // stdio servers run under bubblewrap: the host's network only with network:true, host paths only as mounts
        .put("network", new JsonObject().put("type", "boolean"))
        .put("mounts", new JsonObject().put("type", "array").put("maxItems", 32).put("items", str(4096).put("pattern", "^/")))
        // A client registered by hand at the server's authorization server; null removes it.
        .put("oauthClient", new JsonObject().put("type", new JsonArray().add("object").add("null")).put("additionalProperties", false)
            .put("properties", new JsonObject().put("clientId", str(500).put("minLength", 1))
                .put("clientSecret", new JsonObject().put("type", new JsonArray().add("string").add("null")).put("maxLength", 2000)))
            .put("required", req("clientId")));
    op("get", "/api/v1/mcp-servers", "listMcpServers", "MCP servers and their status", null, 200, "mcp-servers", false, false);
    op("post", "/api/v1/mcp-servers", "createMcpServer", "Add an MCP server (admin)",
        obj(false).put("properties", props.copy()).put("required", req("name", "transport")), 201, "mcp-servers", false, true);
    op("get", "/api/v1/mcp-servers/{id}", "getMcpServer", "One MCP server", null, 200, "mcp-servers", false, false);
    op("patch", "/api/v1/mcp-servers/{id}", "updateMcpServer", "Change an MCP server (admin)",
        obj(false).put("minProperties", 1).put("properties", props.copy()), 200, "mcp-servers", false, true);
    op("post", "/api/v1/mcp-servers/{id}/restart", "restartMcpServer", "Reconnect an MCP server (admin)", empty(), 200,
        "mcp-servers", false, true);
    op("delete", "/api/v1/mcp-servers/{id}", "deleteMcpServer", "Remove an MCP server (admin)", null, 204, "mcp-servers", false, true);
  }

  private void users() {
    JsonObject props = new JsonObject()
        .put("username", str(64).put("pattern", "^[A-Za-z0-9._-]{1,64}$"))
        .put("password", str(1024).put("minLength", 12))
        .put("role", enumOf(new JsonArray().add("admin").add("member")));
    op("get", "/api/v1/users", "listUsers", "Users (admin)", null, 200, "users", false, true);
    op("post", "/api/v1/users", "createUser", "Create a user (admin)",
        obj(false).put("properties", props.copy()).put("required", req("username", "password")), 201, "users", false, true);
    op("patch", "/api/v1/users/{id}", "updateUser", "Change a user (admin)",
        obj(false).put("minProperties", 1).put("properties", props.copy()), 200, "users", false, true);
    op("delete", "/api/v1/users/{id}", "deleteUser", "Delete a user (admin)", null, 204, "users", false, true);
  }

  /** Webhooks for integrators (BUS.md): the events of maestro.events as signed POSTs; admin only. */
  private void webhooks() {
    JsonArray types = new JsonArray(new java.util.ArrayList<>(dev.maestro.contracts.events.IntegrationEvents.DATA.keySet()));
    op("get", "/api/v1/webhooks", "listWebhooks", "Webhooks with their delivery status: pending, delivered and failed (given up) "
        + "counts, last delivery, last error (admin)", null, 200, "webhooks", false, true);
    op("post", "/api/v1/webhooks", "createWebhook", "Add a webhook: url (checked like every outbound URL), types (none: all) "
        + "→ 201 with its signing secret, shown only this once (admin)",
        obj(false).put("properties", new JsonObject().put("url", url())
            .put("types", new JsonObject().put("type", "array").put("maxItems", 50).put("items", enumOf(types))))
            .put("required", req("url")), 201, "webhooks", false, true);
    op("delete", "/api/v1/webhooks/{id}", "deleteWebhook", "Remove a webhook and its queued deliveries (admin)", null, 204,
        "webhooks", false, true);
  }

  private void op(String method, String path, String id, String summary, JsonObject body, int status, String tag,
                  boolean isPublic, boolean admin) {
    JsonObject operation = new JsonObject().put("operationId", id).put("summary", summary + (admin ? "" : ""))
        .put("tags", new JsonArray().add(tag));
    JsonArray params = new JsonArray();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{(\\w+)}").matcher(path);
    while (m.find()) {
      params.add(new JsonObject().put("name", m.group(1)).put("in", "path").put("required", true)
          .put("schema", "id".equals(m.group(1)) ? UUID.copy() : str(200)));
    }
    queryParams(id).forEach(params::add);
    if (!params.isEmpty()) operation.put("parameters", params);
    if (body != null) {
      operation.put("requestBody", new JsonObject().put("required", !"cancelTurn".equals(id) && !"compactSession".equals(id)
              && !"forkSession".equals(id) && !"validateCredential".equals(id) && !"restartMcpServer".equals(id))
          .put("content", new JsonObject().put("application/json", new JsonObject().put("schema", body))));
    }
    JsonObject responses = new JsonObject();
    responses.put(String.valueOf(status), new JsonObject().put("description", status == 204 ? "Done" : "Success")
        .mergeIn(status == 204 ? new JsonObject() : new JsonObject().put("content",
            new JsonObject().put("application/json", new JsonObject().put("schema", new JsonObject().put("type", "object"))))));
    JsonObject problem = new JsonObject().put("content", new JsonObject().put("application/problem+json",
        new JsonObject().put("schema", new JsonObject().put("$ref", "#/components/schemas/Problem"))));
    responses.put("4XX", new JsonObject().put("description", "Bad input, auth, not found, conflict, rate limit").mergeIn(problem.copy()));
    responses.put("5XX", new JsonObject().put("description", "A service is down or did not answer").mergeIn(problem.copy()));
    operation.put("responses", responses);
    if (isPublic) operation.put("security", new JsonArray());
    if (admin) operation.put("x-maestro-role", "admin");
    JsonObject item = paths.getJsonObject(path);
    if (item == null) paths.put(path, item = new JsonObject());
    item.put(method, operation);
    operations.put(id, new JsonObject().put("method", method.toUpperCase()).put("path", path).put("body", body)
        .put("admin", admin).put("public", isPublic));
  }

  private static JsonArray queryParams(String id) {
    JsonArray q = new JsonArray();
    switch (id) {
      case "listSessions", "listTemplates", "listTokens", "listUsers", "listCredentials", "listOAuthClients", "listTools",
           "listMcpServers" -> {
        q.add(qp("limit", integer(1, 200)));
        q.add(qp("cursor", str(500)));
        if (id.equals("listSessions")) q.add(qp("q", str(500)));
      }
      case "exportSession" -> q.add(qp("format", enumOf(new JsonArray().add("json").add("markdown"))));
      case "sessionEvents" -> q.add(qp("afterSeq", integer(-1, Long.MAX_VALUE)));
      case "listModels" -> {
        q.add(qp("provider", enumOf(PROVIDERS)));
        q.add(qp("credentialId", UUID.copy()));
      }
      default -> { }
    }
    return q;
  }

  private static JsonObject qp(String name, JsonObject schema) {
    return new JsonObject().put("name", name).put("in", "query").put("required", false).put("schema", schema);
  }

  private static JsonObject obj(boolean additional) {
    return new JsonObject().put("type", "object").put("additionalProperties", additional);
  }

  private static JsonObject empty() {
    return obj(false).put("properties", new JsonObject());
  }

  private static JsonObject str(int maxLength) {
    return new JsonObject().put("type", "string").put("maxLength", maxLength);
  }

  private static JsonObject url() {
    return str(2000).put("pattern", "^https?://[^\\s]+$");
  }

  private static JsonObject integer(long min, long max) {
    return new JsonObject().put("type", "integer").put("minimum", min).put("maximum", max);
  }

  private static JsonObject enumOf(JsonArray values) {
    return new JsonObject().put("type", "string").put("enum", values.copy());
  }

  private static JsonObject stringMap() {
    return new JsonObject().put("type", "object").put("maxProperties", 100).put("additionalProperties", str(10_000));
  }

  private static JsonArray req(String... names) {
    JsonArray a = new JsonArray();
    for (String n : names) a.add(n);
    return a;
  }
}
