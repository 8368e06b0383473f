package dev.maestro.webui;

import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.tool.ToolService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The setup pages: /credentials, /tools, /mcp, /templates and /settings (admin). */
final class SetupPages {
  static final List<String> PROVIDERS = List.of("anthropic", "openai", "gemini", "openai-compatible");
  static final List<String> POLICIES = List.of("allow", "ask", "deny");

  private final SessionService sessions;
  private final AuthService auth;
  private final ProviderService providers;
  private final ToolService tools;
  private final PageRenderer pages;

  SetupPages(SessionService sessions, AuthService auth, ProviderService providers, ToolService tools, PageRenderer pages) {
    this.sessions = sessions;
    this.auth = auth;
    this.providers = providers;
    this.tools = tools;
    this.pages = pages;
  }

  // ---- credentials ----

  void credentials(RoutingContext rc) {
    String userId = Pages.userId(rc);
    Future<List<JsonObject>> creds = auth.listCredentials(userId);
    Future<List<JsonObject>> clients = auth.listOAuthClients().recover(e -> Future.succeededFuture(List.of()));
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
    String userId = Pages.userId(rc);
    JsonObject spec = new JsonObject().put("kind", "api_key");
    put(spec, "provider", Forms.field(rc, "provider"));
    put(spec, "label", Forms.field(rc, "label"));
    put(spec, "apiKey", Forms.field(rc, "apiKey"));
    put(spec, "baseUrl", Forms.field(rc, "baseUrl"));
    auth.createCredential(userId, spec)
        .compose(c -> providers.validateCredential(c.getString("id"))
            .map(v -> v)
            .recover(e -> Future.succeededFuture(new JsonObject().put("ok", false).put("message", Failures.message(e))))
            .map(v -> v.put("label", c.getString("label", "the key"))))
        .onSuccess(v -> {
          if (v.getBoolean("ok", false)) PageRenderer.flash(rc, "ok", "Added “" + v.getString("label") + "”: the provider accepted the key.");
          else PageRenderer.flash(rc, "error", "Added “" + v.getString("label") + "”, but the check failed: " + v.getString("message", "no reason given"));
          PageRenderer.redirect(rc, "/credentials");
        })
        .onFailure(err -> back(rc, "/credentials", err));
  }

  void connectOAuth(RoutingContext rc) {
    String userId = Pages.userId(rc);
    String clientId = Forms.field(rc, "oauthClientId");
    if (clientId == null) {
      PageRenderer.flash(rc, "error", "Choose an OAuth client (an admin adds them under Settings).");
      PageRenderer.redirect(rc, "/credentials");
      return;
    }
    JsonObject body = new JsonObject().put("oauthClientId", clientId);
    put(body, "label", Forms.field(rc, "label"));
    put(body, "baseUrl", Forms.field(rc, "baseUrl"));
    auth.getOAuthClient(clientId)
        .compose(client -> auth.startOAuth(userId, client.getString("provider"), body, origin(rc) + "/oauth/callback"))
        .onSuccess(r -> PageRenderer.redirect(rc, r.getString("authorizeUrl")))
        .onFailure(err -> back(rc, "/credentials", err));
  }

  void deleteCredential(RoutingContext rc) {
    auth.deleteCredential(Pages.userId(rc), rc.pathParam("id"))
        .onSuccess(v -> { PageRenderer.flash(rc, "ok", "Credential deleted."); PageRenderer.redirect(rc, "/credentials"); })
        .onFailure(err -> back(rc, "/credentials", err));
  }

  // ---- tools ----

  void tools(RoutingContext rc) {
    tools.listTools().onSuccess(list -> {
      Map<String, JsonArray> bySource = new LinkedHashMap<>();
      list.stream()
          .sorted((a, b) -> {
            int s = sourceOrder(a.getString("source")).compareTo(sourceOrder(b.getString("source")));
            return s != 0 ? s : a.getString("name", "").compareTo(b.getString("name", ""));
          })
          .forEach(t -> bySource.computeIfAbsent(t.getString("source", "builtin"), k -> new JsonArray())
              .add(t.copy().put("policies", options(POLICIES, t.getString("policy", "ask")))
                  .put("slug", t.getString("name", "").replaceAll("[^A-Za-z0-9_-]", "_"))
                  .put("sandboxConfined", "bubblewrap".equals(t.getString("sandbox")))));
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
    tools.updateTool(name, patch)
        .onSuccess(t -> { PageRenderer.flash(rc, "ok", "Saved " + name + "."); PageRenderer.redirect(rc, "/tools"); })
        .onFailure(err -> back(rc, "/tools", err));
  }

  // ---- MCP servers ----

  void mcp(RoutingContext rc) {
    tools.listMcpServers().onSuccess(list -> {
      JsonArray items = new JsonArray();
      for (JsonObject s : list) {
        String status = s.getString("status", "connecting");
        items.add(s.copy()
            .put("isStdio", "stdio".equals(s.getString("transport")))
            .put("isFailed", "failed".equals(status))
            .put("isConnected", "connected".equals(status))
            .put("argsText", s.getJsonArray("args") == null ? "" : String.join(" ", s.getJsonArray("args").stream().map(String::valueOf).toList())));
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
    } else {
      put(server, "url", Forms.field(rc, "url"));
      server.put("headers", Forms.pairs(rc.request().getFormAttribute("headers"), ':'));
    }
    tools.createMcpServer(server)
        .onSuccess(s -> { PageRenderer.flash(rc, "ok", "Added MCP server " + s.getString("name", "") + "."); PageRenderer.redirect(rc, "/mcp"); })
        .onFailure(err -> back(rc, "/mcp", err));
  }

  void restartMcp(RoutingContext rc) {
    tools.restartMcpServer(rc.pathParam("id"))
        .onSuccess(s -> { PageRenderer.flash(rc, "ok", "Restarted " + s.getString("name", "the server") + "."); PageRenderer.redirect(rc, "/mcp"); })
        .onFailure(err -> back(rc, "/mcp", err));
  }

  void deleteMcp(RoutingContext rc) {
    tools.deleteMcpServer(rc.pathParam("id"))
        .onSuccess(v -> { PageRenderer.flash(rc, "ok", "MCP server removed."); PageRenderer.redirect(rc, "/mcp"); })
        .onFailure(err -> back(rc, "/mcp", err));
  }

  // ---- templates ----

  void templates(RoutingContext rc) {
    String userId = Pages.userId(rc);
    Future<JsonObject> list = sessions.listTemplates(userId, new JsonObject());
    Future<List<JsonObject>> creds = auth.listCredentials(userId).recover(e -> Future.succeededFuture(List.of()));
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
    sessions.createTemplate(Pages.userId(rc), templateFromForm(rc))
        .onSuccess(t -> { PageRenderer.flash(rc, "ok", "Template “" + t.getString("name", "") + "” created."); PageRenderer.redirect(rc, "/templates"); })
        .onFailure(err -> back(rc, "/templates", err));
  }

  void updateTemplate(RoutingContext rc) {
    sessions.updateTemplate(Pages.userId(rc), rc.pathParam("id"), templateFromForm(rc))
        .onSuccess(t -> { PageRenderer.flash(rc, "ok", "Template saved."); PageRenderer.redirect(rc, "/templates"); })
        .onFailure(err -> back(rc, "/templates", err));
  }

  void deleteTemplate(RoutingContext rc) {
    sessions.deleteTemplate(Pages.userId(rc), rc.pathParam("id"))
        .onSuccess(v -> { PageRenderer.flash(rc, "ok", "Template deleted."); PageRenderer.redirect(rc, "/templates"); })
        .onFailure(err -> back(rc, "/templates", err));
  }

  /** Starts a session from a template (with the credential picked next to the button). */
  void startFromTemplate(RoutingContext rc) {
    String userId = Pages.userId(rc);
    String credentialId = Forms.field(rc, "credentialId");
    sessions.getTemplate(userId, rc.pathParam("id")).compose(t -> {
      JsonObject spec = new JsonObject().put("templateId", t.getString("id", rc.pathParam("id")));
      put(spec, "title", t.getString("name"));
      put(spec, "provider", t.getString("provider"));
      put(spec, "model", t.getString("model"));
      put(spec, "credentialId", credentialId);
      return sessions.create(userId, spec);
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
    if (!Pages.isAdmin(rc)) {
      pages.render(rc, 403, "error", "Not allowed", new JsonObject().put("status", 403).put("message", "Settings are for administrators."));
      return;
    }
    auth.listOAuthClients().recover(e -> Future.succeededFuture(List.of())).onSuccess(clients -> {
      JsonArray items = new JsonArray();
      clients.forEach(c -> items.add(c.copy().put("scopesText",
          c.getJsonArray("scopes") == null ? "" : String.join(" ", c.getJsonArray("scopes").stream().map(String::valueOf).toList()))));
      pages.render(rc, 200, "settings", "Settings", new JsonObject()
          .put("oauthClients", items)
          .put("providers", options(PROVIDERS, null)));
    });
  }

  void addOAuthClient(RoutingContext rc) {
    if (!Pages.isAdmin(rc)) { rc.fail(403); return; }
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
    auth.createOAuthClient(c)
        .onSuccess(x -> { PageRenderer.flash(rc, "ok", "OAuth client added."); PageRenderer.redirect(rc, "/settings"); })
        .onFailure(err -> back(rc, "/settings", err));
  }

  void deleteOAuthClient(RoutingContext rc) {
    if (!Pages.isAdmin(rc)) { rc.fail(403); return; }
    auth.deleteOAuthClient(rc.pathParam("id"))
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

  /** The gateway registers MAESTRO_PUBLIC_URL + /oauth/callback; use the same base when it is set. */
  private static String origin(RoutingContext rc) {
    String configured = System.getenv("MAESTRO_PUBLIC_URL");
    if (configured != null && !configured.isBlank()) return configured.replaceAll("/+$", "");
    String scheme = rc.request().getHeader("X-Forwarded-Proto");
    if (scheme == null) scheme = rc.request().scheme();
    String host = rc.request().authority() == null ? rc.request().getHeader("Host") : rc.request().authority().toString();
    return scheme + "://" + host;
  }

  private static void back(RoutingContext rc, String to, Throwable err) {
    PageRenderer.flash(rc, "error", Failures.message(err));
    PageRenderer.redirect(rc, to);
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static void put(JsonObject o, String k, String v) {
    if (v != null) o.put(k, v);
  }
}
