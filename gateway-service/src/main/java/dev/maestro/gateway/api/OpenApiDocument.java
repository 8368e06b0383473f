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
    budgets();
    runtime();
    mcpResources();
    audit();
    openAi();
    projects();
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
            .put("systemPrompt", str(200_000)).put("tools", tools.copy()).put("params", new JsonObject().put("type", "object"))
            .put("projectId", UUID.copy()).put("baseRef", str(200).put("minLength", 1)))
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
            .put("attachments", McpOps.attachments()).put("idempotencyKey", SendOnce.schema())).put("required", req("text")),
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
    op("get", "/api/v1/sessions/{id}/access", "checkSessionAccess", "204 when the caller may read the session (404 otherwise);"
        + " loads nothing", null, 204, "sessions", false, false);
    op("get", "/api/v1/sessions/{id}/events", "sessionEvents", "Events after afterSeq still held by the server; a {type: truncated, fromSeq, throughSeq, turnId?} event"
        + " (its seq: throughSeq) announces that the numbers fromSeq..throughSeq not in the answer will not come:"
        + " reload the stored messages of turnId (else of the turn in flight) once it has ended", null, 200, "sessions", false, false);
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
    op("get", "/api/v1/mcp-servers", "listMcpServers", "MCP servers and their status (protocolVersion: the MCP revision negotiated with each)", null, 200, "mcp-servers", false, false);
    op("post", "/api/v1/mcp-servers", "createMcpServer", "Add an MCP server (admin)",
        obj(false).put("properties", props.copy()).put("required", req("name", "transport")), 201, "mcp-servers", false, true);
    op("get", "/api/v1/mcp-servers/{id}", "getMcpServer", "One MCP server", null, 200, "mcp-servers", false, false);
    op("patch", "/api/v1/mcp-servers/{id}", "updateMcpServer", "Change an MCP server (admin)",
        obj(false).put("minProperties", 1).put("properties", props.copy()), 200, "mcp-servers", false, true);
    op("post", "/api/v1/mcp-servers/{id}/restart", "restartMcpServer", "Reconnect an MCP server (admin)", empty(), 200,
        "mcp-servers", false, true);
    op("delete", "/api/v1/mcp-servers/{id}", "deleteMcpServer", "Remove an MCP server (admin)", null, 204, "mcp-servers", false, true);
  }

  /** Resources and prompts of the MCP servers (issue 19): what the composer attaches and offers as slash commands. */
  private void mcpResources() {
    // pushed on /api/v1/ws to every socket whose user may see the server (ws/CatalogRelay): re-read the lists below
    schemas.put("McpCatalogFrame", obj(false).put("description", "WebSocket frame (no subscription needed): an MCP server's "
            + "prompts or resources changed, or a server connected, was rediscovered or removed (server_changed, no serverId). "
            + "Clients re-read listMcpResources and listMcpPrompts on it and after every reconnect (it is not replayed); "
            + "the same change within 200 ms is sent once")
        .put("properties", new JsonObject().put("type", enumOf(new JsonArray().add("mcp_catalog")))
            .put("kind", enumOf(new JsonArray().add("resources_changed").add("prompts_changed").add("server_changed")))
            .put("server", str(200)).put("serverId", UUID.copy()))
        .put("required", req("type", "kind", "server")));
    op("get", "/api/v1/mcp-resources", "listMcpResources",
        "Resources of every connected MCP server (serverId: of one server; 503 when it is not connected)", null, 200,
        "mcp-servers", false, false);
    query("/api/v1/mcp-resources", "get", qp("serverId", UUID.copy()));
    op("get", "/api/v1/mcp-servers/{id}/resource", "readMcpResource",
        "Read one resource → {serverId, server, uri, mimeType, text, truncated} (text cut to 64 KiB; 404 unknown uri)",
        null, 200, "mcp-servers", false, false);
    query("/api/v1/mcp-servers/{id}/resource", "get", qp("uri", str(2000).put("minLength", 1)).put("required", true));
    op("get", "/api/v1/mcp-prompts", "listMcpPrompts",
        "Prompts of every connected MCP server, with their arguments (serverId: of one server)", null, 200, "mcp-servers", false, false);
    query("/api/v1/mcp-prompts", "get", qp("serverId", UUID.copy()));
    op("post", "/api/v1/mcp-servers/{id}/prompts/{name}", "getMcpPrompt",
        "Get a prompt with arguments → {text, messages, description} (text becomes the user's message); "
            + "a required argument missing: 400 with errors and the prompt's arguments",
        obj(false).put("properties", new JsonObject().put("arguments", new JsonObject().put("type", "object")
            .put("maxProperties", 50).put("additionalProperties", str(10_000)))), 200, "mcp-servers", false, false);
  }

  /** Adds query parameters to an operation already described. */
  private void query(String path, String method, JsonObject param) {
    JsonObject operation = paths.getJsonObject(path).getJsonObject(method);
    JsonArray params = operation.getJsonArray("parameters");
    if (params == null) operation.put("parameters", params = new JsonArray());
    params.add(param);
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

  /** Issue 16 part 5: budgets held before each provider request, and the usage they are counted from. */
  private void budgets() {
    JsonObject money = new JsonObject().put("type", new JsonArray().add("number").add("null")).put("minimum", 0).put("maximum", 1_000_000);
    op("get", "/api/v1/users/{id}/budget", "getUserBudget", "A user's monthly budget and this month's spend"
        + " (admin: anyone; a member: only their own) → {userId, monthlyUsd, month, spentUsd, reservedUsd, remainingUsd}",
        null, 200, "budgets", false, false);
    op("put", "/api/v1/users/{id}/budget", "setUserBudget", "Set a user's monthly budget in USD (UTC month; null: no limit) (admin)",
        obj(false).put("properties", new JsonObject().put("monthlyUsd", money.copy())).put("required", req("monthlyUsd")),
        200, "budgets", false, true);
    op("get", "/api/v1/usage", "getUsage", "Usage and cost per user, model or day (a member sees only their own)"
        + " → {from, to, groupBy, items:[{userId|provider+model|day, requests, inputTokens, outputTokens, cacheReadTokens,"
        + " cacheWriteTokens, costUsd, unpricedRequests}], total, budget: the caller's own budget as getUserBudget}",
        null, 200, "budgets", false, false);
    JsonObject date = str(10).put("format", "date").put("pattern", "^\\d{4}-\\d{2}-\\d{2}$");
    paths.getJsonObject("/api/v1/usage").getJsonObject("get").put("parameters", new JsonArray()
        .add(qp("from", date.copy())).add(qp("to", date.copy()))
        .add(qp("groupBy", enumOf(new JsonArray().add("user").add("model").add("day"))))
        .add(qp("userId", UUID.copy())));
    // a session's own budget, on create and PATCH (shown as "budgetUsd" on the session)
    operations.get("createSession").getJsonObject("body").getJsonObject("properties").put("budgetUsd", money.copy());
    operations.get("updateSession").getJsonObject("body").getJsonObject("properties").put("budgetUsd", money.copy());
  }

  /**
   * Issue 16: queue and steer (mode on sendMessage, the queue of a session), plan/build mode on
   * sessions, "allow for this session" on approvals, the running-now list.
   */
  private void runtime() {
    JsonObject planBuild = enumOf(new JsonArray().add("plan").add("build"));
    extendBody("sendMessage", "mode", enumOf(new JsonArray().add("queue").add("steer")),
        "; mode queue: stored at once and run as the next turn after the running one; steer: joins the running turn"
            + " at its next model round (without mode, a send during a turn is a 409)");
    extendBody("createSession", "mode", planBuild.copy(), "; mode plan: only read-only tools run (a template starts in plan"
        + " mode with params.mode = plan)");
    extendBody("updateSession", "mode", planBuild.copy(), ", or mode (plan: only read-only tools run; build: every tool)");
    extendBody("approveToolCall", "forSession", new JsonObject().put("type", "boolean"),
        "; forSession with allow: every later call of this tool in this session runs without asking");
    op("get", "/api/v1/sessions/{id}/queue", "listQueue", "Messages queued or steered that have not started, oldest first",
        null, 200, "sessions", false, false);
    op("patch", "/api/v1/sessions/{id}/queue/{messageId}", "editQueued", "Change the text of a queued message (404 once it started)",
        obj(false).put("properties", new JsonObject().put("text", str(200_000).put("minLength", 1))).put("required", req("text")),
        200, "sessions", false, false);
    op("delete", "/api/v1/sessions/{id}/queue/{messageId}", "removeQueued", "Remove a queued message (404 once it started)",
        null, 204, "sessions", false, false);
    op("get", "/api/v1/runs", "listRuns", "The caller's runs: turns running or waiting for an approval, sessions with queued messages",
        null, 200, "runs", false, false);
    paths.getJsonObject("/api/v1/runs").getJsonObject("get").put("parameters", new JsonArray()
        .add(qp("status", enumOf(new JsonArray().add("running").add("waiting_approval").add("queued")))));
  }

  /** Adds an optional property to an operation's body schema (validation and document alike: they share the object). */
  private void extendBody(String operationId, String name, JsonObject schema, String summaryNote) {
    JsonObject body = operations.get(operationId).getJsonObject("body");
    body.getJsonObject("properties").put(name, schema);
    JsonObject spec = operations.get(operationId);
    JsonObject operation = paths.getJsonObject(spec.getString("path")).getJsonObject(spec.getString("method").toLowerCase());
    operation.put("summary", operation.getString("summary") + summaryNote);
  }

  /** Issue 17: the audit trail (admin). Filters: user (id or username), action, outcome, from, to (RFC 3339). */
  private void audit() {
    op("get", "/api/v1/audit", "listAudit", "Audit entries, newest first (admin): sign-ins, tokens, credential use, "
        + "admin changes, approvals, tool executions", null, 200, "audit", false, true);
  }

  /**
   * Issue 17: the OpenAI-compatible door, bearer token only; errors in OpenAI's shape {"error":{message,type,param,code}}
   * (not problem+json). model = template:<name> or <provider>/<model>; stream:true answers text/event-stream.
   */
  private void openAi() {
    JsonObject message = new JsonObject().put("type", "object").put("properties", new JsonObject()
            .put("role", enumOf(new JsonArray().add("system").add("developer").add("user").add("assistant").add("tool")))
            .put("content", new JsonObject().put("type", new JsonArray().add("string").add("array").add("null"))))
        .put("required", req("role"));
    op("post", "/v1/chat/completions", "openAiChatCompletions", "OpenAI Chat Completions (stream: text/event-stream of "
            + "chat.completion.chunk, then data: [DONE]) on template:<name> or <provider>/<model>; bearer token only; errors are "
            + "OpenAI-shaped {error:{message,type,param,code}}, not problem+json", obj(true).put("properties", new JsonObject().put("model", str(300).put("minLength", 1))
            .put("messages", new JsonObject().put("type", "array").put("minItems", 1).put("maxItems", 1000).put("items", message))
            .put("stream", new JsonObject().put("type", "boolean")))
            .put("required", req("model", "messages")), 200, "openai", false, false);
    op("get", "/v1/models", "openAiListModels", "OpenAI model list: template:<name> and <provider>/<model>; "
        + "bearer token only; errors are OpenAI-shaped", null, 200, "openai",
        false, false);
    // their errors are OpenAI's body, not problem+json
    JsonObject openAiError = new JsonObject().put("content", new JsonObject().put("application/json", new JsonObject()
        .put("schema", obj(false).put("properties", new JsonObject().put("error", obj(true).put("properties", new JsonObject()
            .put("message", str(5000)).put("type", str(100)).put("param", new JsonObject().put("type", new JsonArray().add("string").add("null")))
            .put("code", new JsonObject().put("type", new JsonArray().add("string").add("null")))))).put("required", req("error")))));
    for (String path : new String[] {"/v1/chat/completions", "/v1/models"}) {
      for (String m : paths.getJsonObject(path).fieldNames()) {
        paths.getJsonObject(path).getJsonObject(m).put("security", new JsonArray().add(new JsonObject().put("bearer", new JsonArray())));
        JsonObject responses = paths.getJsonObject(path).getJsonObject(m).getJsonObject("responses");
        responses.put("4XX", new JsonObject().put("description", "Bad input, auth, unknown model, rate limit").mergeIn(openAiError.copy()));
        responses.put("5XX", new JsonObject().put("description", "A service or the model failed").mergeIn(openAiError.copy()));
      }
    }
    paths.getJsonObject("/v1/chat/completions").getJsonObject("post").getJsonObject("responses").getJsonObject("200")
        .getJsonObject("content").put("text/event-stream", new JsonObject().put("schema", str(100_000_000)));
  }

  /**
   * Projects (issue 15): git repositories on the tool-service host that admins register and grant; a session
   * created with projectId works in its own worktree on branch maestro/&lt;first 8 of the session id&gt;.
   * Session events of a project session: rules_loaded {turnId, files} and files_changed {turnId, files}.
   */
  private void projects() {
    JsonObject name = str(64).put("pattern", "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
    JsonObject branch = str(200).put("minLength", 1);
    op("get", "/api/v1/projects", "listProjects", "Projects: every one for an admin, the granted ones for a member", null, 200,
        "projects", false, false);
    op("post", "/api/v1/projects", "createProject", "Register a repository (path on the tool-service host) or clone one "
            + "(gitUrl: file://, http(s):// under the outbound policy; status cloning with progress until ready) (admin)",
        obj(false).put("properties", new JsonObject().put("name", name.copy()).put("path", str(4096).put("pattern", "^/"))
            .put("gitUrl", str(2000).put("minLength", 1)).put("defaultBranch", branch.copy())).put("required", req("name")),
        201, "projects", false, true);
    op("get", "/api/v1/projects/{id}", "getProject", "One project (404 unless granted)", null, 200, "projects", false, false);
    op("patch", "/api/v1/projects/{id}", "updateProject", "Rename a project or change its default branch (admin)",
        obj(false).put("minProperties", 1).put("properties", new JsonObject().put("name", name.copy()).put("defaultBranch", branch.copy())),
        200, "projects", false, true);
    op("delete", "/api/v1/projects/{id}", "deleteProject", "Remove a project (a clone in progress is cancelled; 409 while sessions use it) (admin)",
        null, 204, "projects", false, true);
    op("put", "/api/v1/projects/{id}/members", "setProjectMembers", "Replace the members granted the project (admin)",
        obj(false).put("properties", new JsonObject().put("userIds", new JsonObject().put("type", "array").put("maxItems", 1000)
            .put("items", UUID.copy()))).put("required", req("userIds")), 200, "projects", false, true);
    op("get", "/api/v1/sessions/{id}/checkpoints", "listCheckpoints", "Checkpoints of a project session, newest first: "
        + "{id, turnId, createdAt, filesChanged}", null, 200, "projects", false, false);
    op("post", "/api/v1/sessions/{id}/checkpoints/{checkpointId}/restore", "restoreCheckpoint",
        "Put the worktree back exactly as it was at the checkpoint (undo a turn: its checkpoint; 409 while a turn runs)", empty(), 200, "projects", false, false);
    op("get", "/api/v1/sessions/{id}/changes", "sessionChanges", "Uncommitted changes of the session's worktree against its branch: "
        + "{baseRef, branch, files:[{path,status,additions,deletions}], diff}", null, 200, "projects", false, false);
    op("post", "/api/v1/sessions/{id}/commit", "commitSession", "Commit the worktree on the session's branch → {commit, branch} (409 while a turn runs)",
        obj(false).put("properties", new JsonObject().put("message", str(10_000).put("minLength", 1))).put("required", req("message")),
        200, "projects", false, false);
    op("post", "/api/v1/sessions/{id}/discard", "discardSession", "Put the worktree back to the branch's last commit (409 while a turn runs)", empty(), 200,
        "projects", false, false);
    for (String[] m : new String[][] {{"/api/v1/sessions/{id}/checkpoints/{checkpointId}/restore", "post"},
        {"/api/v1/sessions/{id}/discard", "post"}}) {
      paths.getJsonObject(m[0]).getJsonObject(m[1]).getJsonObject("requestBody").put("required", false);
    }
    paths.getJsonObject("/api/v1/sessions/{id}/fork").getJsonObject("post").put("description", "A fork of a project session gets its own "
        + "worktree on branch maestro/<first 8 of the fork's id>, started at the parent's branch (uncommitted changes stay with the "
        + "parent); 404 when the caller is no longer granted the project. Members' project objects never carry path, gitUrl or members.");
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
      case "listAudit" -> {
        q.add(qp("user", str(200)));
        q.add(qp("action", str(100)));
        q.add(qp("outcome", enumOf(new JsonArray().add("success").add("failure").add("denied"))));
        q.add(qp("from", str(64).put("format", "date-time")));
        q.add(qp("to", str(64).put("format", "date-time")));
        q.add(qp("limit", integer(1, 200)));
        q.add(qp("cursor", str(30)));
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
