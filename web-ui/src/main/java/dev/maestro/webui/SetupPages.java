package dev.maestro.webui;

import dev.maestro.contracts.provider.Providers;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The setup pages: /credentials, /tools, /mcp, /templates and /settings, each a rendering of
 * gateway operations: what only an admin may do (tool policies, MCP servers, OAuth clients, users)
 * is refused to a member by the operation itself (a 403 page), not by a check here.
 */
final class SetupPages {
  static final List<String> PROVIDERS = Providers.ALL;
  static final List<String> POLICIES = List.of("allow", "ask", "deny");

  private final WebUiGateway gateway;
  private final PageRenderer pages;

  SetupPages(WebUiGateway gateway, PageRenderer pages) {
    this.gateway = gateway;
    this.pages = pages;
  }

  private static Map<String, String> id(RoutingContext rc) {
    return Map.of("id", rc.pathParam("id"));
  }

  private Future<List<JsonObject>> list(RoutingContext rc, String operationId) {
    return SessionPages.items(gateway.call(rc, operationId));
  }

  // ---- credentials ----

  void credentials(RoutingContext rc) {
    Future<List<JsonObject>> creds = list(rc, "listCredentials");
    Future<List<JsonObject>> clients = list(rc, "listOAuthClients").recover(e -> Future.succeededFuture(List.of()));
    Future.all(creds, clients).onSuccess(cf -> {
      JsonArray items = new JsonArray();
      for (JsonObject c : creds.result()) {
        String status = c.getString("status", "active");
        items.add(c.copy()
            .put("isOAuth", "oauth".equals(c.getString("kind")))
            .put("expiresLabel", Pages.timeLabel(c.getString("expiresAt")))
            .put("needsReauth", "needs_reauth".equals(status))
            .put("isInvalid", "invalid".equals(status)));
      }
      JsonArray oauthClients = new JsonArray();
      clients.result().forEach(c -> oauthClients.add(new JsonObject().put("id", c.getString("id"))
          .put("name", c.getString("name")).put("provider", c.getString("provider"))));
      // The gateway's /oauth/callback lands here with ?connected=<id> or ?error=<message>.
      String oauthError = rc.queryParams().get("error");
      String connected = rc.queryParams().get("connected");
      JsonObject notice = oauthError != null
          ? new JsonObject().put("isError", true).put("text", "The OAuth connection failed: " + oauthError)
          : connected != null ? new JsonObject().put("isError", false).put("text", "Account connected.") : null;
      pages.render(rc, 200, "credentials", "Credentials", new JsonObject()
          .put("notice", notice)
          .put("credentials", items)
          .put("providers", options(PROVIDERS, null))
          .put("oauthClients", oauthClients)
          .put("hasOAuthClients", !oauthClients.isEmpty()));
    }).onFailure(err -> pages.error(rc, err));
  }

  /** Adds an API key, then checks it against the provider and reports the result. */
  void addCredential(RoutingContext rc) {
    JsonObject spec = new JsonObject().put("kind", "api_key");
    put(spec, "provider", Forms.field(rc, "provider"));
    put(spec, "label", Forms.field(rc, "label"));
    put(spec, "apiKey", Forms.field(rc, "apiKey"));
    put(spec, "baseUrl", Forms.field(rc, "baseUrl"));
    gateway.call(rc, "createCredential", Map.of(), spec)
        .compose(c -> gateway.call(rc, "validateCredential", Map.of("id", c.getString("id")), null)
            .recover(e -> Future.succeededFuture(new JsonObject().put("ok", false).put("message", OperationFailed.message(e))))
            .map(v -> v.put("label", c.getString("label", "the key"))))
        .onSuccess(v -> {
          if (v.getBoolean("ok", false)) PageRenderer.flash(rc, "ok", "Added “" + v.getString("label") + "”: the provider accepted the key.");
          else PageRenderer.flash(rc, "error", "Added “" + v.getString("label") + "”, but the check failed: " + v.getString("message", "no reason given"));
          PageRenderer.redirect(rc, "/credentials");
        })
        .onFailure(err -> back(rc, "/credentials", err));
  }

  void connectOAuth(RoutingContext rc) {
    String clientId = Forms.field(rc, "oauthClientId");
    if (clientId == null) {
      PageRenderer.flash(rc, "error", "Choose an OAuth client (an admin adds them under Settings).");
      PageRenderer.redirect(rc, "/credentials");
      return;
    }
    JsonObject body = new JsonObject().put("oauthClientId", clientId);
    put(body, "label", Forms.field(rc, "label"));
    put(body, "baseUrl", Forms.field(rc, "baseUrl"));
    gateway.call(rc, "getOAuthClient", Map.of("id", clientId), null)
        .compose(client -> gateway.call(rc, "startOAuth", Map.of("provider", client.getString("provider", "")), body))
        .onSuccess(r -> PageRenderer.redirect(rc, r.getString("authorizeUrl")))
        .onFailure(err -> back(rc, "/credentials", err));
  }

  void deleteCredential(RoutingContext rc) {
    gateway.call(rc, "deleteCredential", id(rc), null)
        .onSuccess(v -> { PageRenderer.flash(rc, "ok", "Credential deleted."); PageRenderer.redirect(rc, "/credentials"); })
        .onFailure(err -> back(rc, "/credentials", err));
  }

  // ---- tools ----

  /**
   * An MCP tool's annotations as badges (read-only, destructive, idempotent, open world): hints from the server,
   * shown so people know what it claims; null for a tool without annotations.
   */
  static JsonArray hints(JsonObject tool) {
    JsonObject a = tool.getJsonObject(dev.maestro.contracts.tool.ToolAnnotations.FIELD);
    if (a == null) return null;
    JsonArray out = new JsonArray();
    if (dev.maestro.contracts.tool.ToolAnnotations.readOnly(tool)) out.add("read-only");
    else if (dev.maestro.contracts.tool.ToolAnnotations.destructive(tool)) out.add("destructive");
    else out.add("not destructive");
    if (Boolean.TRUE.equals(a.getValue(dev.maestro.contracts.tool.ToolAnnotations.IDEMPOTENT))) out.add("idempotent");
    if (Boolean.TRUE.equals(a.getValue(dev.maestro.contracts.tool.ToolAnnotations.OPEN_WORLD))) out.add("open world");
    return out;
  }

  void tools(RoutingContext rc) {
    list(rc, "listTools").onSuccess(list -> {
      Map<String, JsonArray> bySource = new LinkedHashMap<>();
      list.stream()
          .sorted((a, b) -> {
            int s = sourceOrder(a.getString("source")).compareTo(sourceOrder(b.getString("source")));
            return s != 0 ? s : a.getString("name", "").compareTo(b.getString("name", ""));
          })
          .forEach(t -> bySource.computeIfAbsent(t.getString("source", "builtin"), k -> new JsonArray())
              .add(t.copy().put("policies", options(POLICIES, t.getString("policy", "ask")))
                  .put("slug", t.getString("name", "").replaceAll("[^A-Za-z0-9_-]", "_"))
                  .put("sandboxConfined", "bubblewrap".equals(t.getString("sandbox")))
                  .put("hints", hints(t))));
      JsonArray groups = new JsonArray();
      bySource.forEach((source, items) -> groups.add(new JsonObject()
          .put("source", source)
          .put("label", "builtin".equals(source) ? "Built-in tools" : source.startsWith("mcp:") ? "MCP server " + source.substring(4) : source)
          .put("tools", items)));
      pages.render(rc, 200, "tools", "Tools", new JsonObject().put("groups", groups).put("empty", groups.isEmpty()));
    }).onFailure(err -> pages.error(rc, err));
  }

  void updateTool(RoutingContext rc) {
    String name = rc.pathParam("name");
    JsonObject patch = new JsonObject().put("enabled", Forms.checked(rc, "enabled"));
    String policy = Forms.field(rc, "policy");
    if (policy != null) patch.put("policy", policy);
    gateway.call(rc, "updateTool", Map.of("name", name), patch)
        .onSuccess(t -> { PageRenderer.flash(rc, "ok", "Saved " + name + "."); PageRenderer.redirect(rc, "/tools"); })
        .onFailure(err -> back(rc, "/tools", err));
  }

  // ---- MCP servers ----

  void mcp(RoutingContext rc) {
    list(rc, "listMcpServers").onSuccess(list -> {
      JsonArray items = new JsonArray();
      for (JsonObject s : list) {
        String status = s.getString("status", "connecting");
        items.add(s.copy()
            .put("isStdio", "stdio".equals(s.getString("transport")))
            .put("isFailed", "failed".equals(status))
            .put("isConnected", "connected".equals(status))
            .put("argsText", s.getJsonArray("args") == null ? "" : String.join(" ", s.getJsonArray("args").stream().map(String::valueOf).toList()))
            .put("mountsText", s.getJsonArray("mounts") == null ? "" : String.join(" ", s.getJsonArray("mounts").stream().map(String::valueOf).toList())));
      }
      pages.render(rc, 200, "mcp", "MCP servers", new JsonObject().put("servers", items));
    }).onFailure(err -> pages.error(rc, err));
  }

  void addMcp(RoutingContext rc) {
    String transport = "http".equals(Forms.field(rc, "transport")) ? "http" : "stdio";
    JsonObject server = new JsonObject().put("transport", transport).put("enabled", true);
    put(server, "name", Forms.field(rc, "name"));
    if ("stdio".equals(transport)) {
      put(server, "command", Forms.field(rc, "command"));
      server.put("args", Forms.lines(rc.request().getFormAttribute("args")));
      server.put("env", Forms.pairs(rc.request().getFormAttribute("env"), '='));
      // the sandbox's two openings, both the admin's explicit choice (tool-service checks the paths)
      server.put("network", "true".equals(Forms.field(rc, "network")));
      server.put("mounts", Forms.lines(rc.request().getFormAttribute("mounts")));
    } else {
      put(server, "url", Forms.field(rc, "url"));
      server.put("headers", Forms.pairs(rc.request().getFormAttribute("headers"), ':'));
    }
    gateway.call(rc, "createMcpServer", Map.of(), server)
        .onSuccess(s -> { PageRenderer.flash(rc, "ok", "Added MCP server " + s.getString("name", "") + "."); PageRenderer.redirect(rc, "/mcp"); })
        .onFailure(err -> back(rc, "/mcp", err));
  }

  void restartMcp(RoutingContext rc) {
    gateway.call(rc, "restartMcpServer", id(rc), null)
        .onSuccess(s -> { PageRenderer.flash(rc, "ok", "Restarted " + s.getString("name", "the server") + "."); PageRenderer.redirect(rc, "/mcp"); })
        .onFailure(err -> back(rc, "/mcp", err));
  }

  void deleteMcp(RoutingContext rc) {
    gateway.call(rc, "deleteMcpServer", id(rc), null)
        .onSuccess(v -> { PageRenderer.flash(rc, "ok", "MCP server removed."); PageRenderer.redirect(rc, "/mcp"); })
        .onFailure(err -> back(rc, "/mcp", err));
  }

  // ---- templates ----

  void templates(RoutingContext rc) {
    Future<JsonObject> list = gateway.call(rc, "listTemplates");
    Future<List<JsonObject>> creds = list(rc, "listCredentials").recover(e -> Future.succeededFuture(List.of()));
    Future.all(list, creds).onSuccess(cf -> {
      JsonArray items = new JsonArray();
      for (Object o : list.result().getJsonArray("items", new JsonArray())) {
        JsonObject t = ((JsonObject) o).copy();
        JsonArray toolNames = t.getJsonArray("tools", new JsonArray());
        t.put("toolsText", String.join(", ", toolNames.stream().map(String::valueOf).toList()));
        t.put("providers", options(PROVIDERS, t.getString("provider")));
        items.add(t);
      }
      pages.render(rc, 200, "templates", "Templates", new JsonObject()
          .put("templates", items)
          .put("providers", options(PROVIDERS, null))
          .put("credentials", new JsonArray(creds.result())));
    }).onFailure(err -> pages.error(rc, err));
  }

  void createTemplate(RoutingContext rc) {
    gateway.call(rc, "createTemplate", Map.of(), templateFromForm(rc))
        .onSuccess(t -> { PageRenderer.flash(rc, "ok", "Template “" + t.getString("name", "") + "” created."); PageRenderer.redirect(rc, "/templates"); })
        .onFailure(err -> back(rc, "/templates", err));
  }

  void updateTemplate(RoutingContext rc) {
    gateway.call(rc, "updateTemplate", id(rc), templateFromForm(rc))
        .onSuccess(t -> { PageRenderer.flash(rc, "ok", "Template saved."); PageRenderer.redirect(rc, "/templates"); })
        .onFailure(err -> back(rc, "/templates", err));
  }

  void deleteTemplate(RoutingContext rc) {
    gateway.call(rc, "deleteTemplate", id(rc), null)
        .onSuccess(v -> { PageRenderer.flash(rc, "ok", "Template deleted."); PageRenderer.redirect(rc, "/templates"); })
        .onFailure(err -> back(rc, "/templates", err));
  }

  /** Starts a session from a template (with the credential picked next to the button). */
  void startFromTemplate(RoutingContext rc) {
    String credentialId = Forms.field(rc, "credentialId");
    gateway.call(rc, "getTemplate", id(rc), null).compose(t -> {
      JsonObject spec = new JsonObject().put("templateId", t.getString("id", rc.pathParam("id")));
      put(spec, "title", t.getString("name"));
      put(spec, "provider", t.getString("provider"));
      put(spec, "model", t.getString("model"));
      put(spec, "credentialId", credentialId);
      return gateway.call(rc, "createSession", Map.of(), spec);
    }).onSuccess(s -> PageRenderer.redirect(rc, "/sessions/" + s.getString("id")))
        .onFailure(err -> back(rc, "/templates", err));
  }

  private static JsonObject templateFromForm(RoutingContext rc) {
    JsonObject t = new JsonObject();
    put(t, "name", Forms.field(rc, "name"));
    t.put("description", nz(Forms.field(rc, "description")));
    put(t, "provider", Forms.field(rc, "provider"));
    put(t, "model", Forms.field(rc, "model"));
    t.put("systemPrompt", nz(rc.request().getFormAttribute("systemPrompt")).strip());
    t.put("tools", Forms.list(rc.request().getFormAttribute("tools")));
    t.put("params", new JsonObject());
    return t;
  }

  // ---- settings (admin) ----

  void settings(RoutingContext rc) {
    // listUsers is an admin operation: for anyone else it fails 403 and that is the page shown.
    Future<JsonObject> users = gateway.call(rc, "listUsers");
    Future<List<JsonObject>> oauth = users.compose(u -> list(rc, "listOAuthClients").recover(e -> Future.succeededFuture(List.of())));
    oauth.onFailure(err -> pages.error(rc, err)).onSuccess(clients -> {
      JsonArray items = new JsonArray();
      clients.forEach(c -> items.add(c.copy().put("scopesText",
          c.getJsonArray("scopes") == null ? "" : String.join(" ", c.getJsonArray("scopes").stream().map(String::valueOf).toList()))));
      pages.render(rc, 200, "settings", "Settings", new JsonObject()
          .put("oauthClients", items)
          .put("providers", options(PROVIDERS, null)));
    });
  }

  void addOAuthClient(RoutingContext rc) {
    JsonObject c = new JsonObject();
    put(c, "provider", Forms.field(rc, "provider"));
    put(c, "name", Forms.field(rc, "name"));
    put(c, "authorizeUrl", Forms.field(rc, "authorizeUrl"));
    put(c, "tokenUrl", Forms.field(rc, "tokenUrl"));
    put(c, "clientId", Forms.field(rc, "clientId"));
    put(c, "clientSecret", Forms.field(rc, "clientSecret"));
    JsonArray scopes = new JsonArray();
    String s = Forms.field(rc, "scopes");
    if (s != null) for (String x : s.split("[\\s,]+")) if (!x.isEmpty()) scopes.add(x);
    c.put("scopes", scopes);
    gateway.call(rc, "createOAuthClient", Map.of(), c)
        .onSuccess(x -> { PageRenderer.flash(rc, "ok", "OAuth client added."); PageRenderer.redirect(rc, "/settings"); })
        .onFailure(err -> back(rc, "/settings", err));
  }

  void deleteOAuthClient(RoutingContext rc) {
    gateway.call(rc, "deleteOAuthClient", id(rc), null)
        .onSuccess(v -> { PageRenderer.flash(rc, "ok", "OAuth client deleted."); PageRenderer.redirect(rc, "/settings"); })
        .onFailure(err -> back(rc, "/settings", err));
  }

  // ---- helpers ----

  static JsonArray options(List<String> values, String selected) {
    JsonArray out = new JsonArray();
    values.forEach(v -> out.add(new JsonObject().put("value", v).put("selected", v.equals(selected))));
    return out;
  }

  private static String sourceOrder(String source) {
    return "builtin".equals(source) ? "0" : "1" + source;
  }

  /** A refused form (not signed in any more, not allowed) is a page; anything else a flash message. */
  private void back(RoutingContext rc, String to, Throwable err) {
    int status = OperationFailed.status(err);
    if (status == 401 || status == 403) {
      pages.error(rc, err);
      return;
    }
    PageRenderer.flash(rc, "error", OperationFailed.message(err));
    PageRenderer.redirect(rc, to);
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static void put(JsonObject o, String k, String v) {
    if (v != null) o.put(k, v);
  }
}
