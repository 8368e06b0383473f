package dev.maestro.gateway.api;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.provider.Providers;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.SessionRuntime;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.gateway.GatewaySettings;
import dev.maestro.gateway.auth.Accounts;
import dev.maestro.gateway.auth.Ids;
import dev.maestro.gateway.auth.Principal;
import dev.maestro.gateway.auth.RateLimiter;
import dev.maestro.gateway.auth.TokenStore;
import dev.maestro.gateway.auth.UserStore;
import dev.maestro.gateway.presence.Presence;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.serviceproxy.ServiceException;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Every operation of API.md, each a thin mapping onto a service contract, registered with the one
 * front door ({@link Operations}, also used by the WebSocket and the web pages), plus the HTTP
 * adapter: per route body limit → authentication (+CSRF) here, then {@link Operations} (current
 * user → role → rate limit → JSON parse → schema → handler); every failure leaves through
 * {@link Problems}.
 */
public class ApiRoutes {
  private static final Pattern PROVIDER = Pattern.compile(Providers.PATTERN);
  private static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,200}");

  private final Vertx vertx;
  private final Router router;
  private final OpenApiDocument openApi;
  private final ApiAuth auth;
  private final Accounts accounts;
  private final UserStore users;
  private final TokenStore tokens;
  private final RateLimiter limiter;
  private final Presence presence;
  private final GatewaySettings settings;
  private final SessionService sessions;
  private final AuthService credentials;
  private final ToolService tools;
  private final ProviderService providers;
  private final String oauthRedirectUri;
  private final BodyHandler bodyHandler;
  private final Operations operations;
  private final List<java.util.function.Consumer<Operations>> sections = new ArrayList<>();
  private final SessionRuntime runtime;
  private final ProjectRoutes projects;

  /** Kept so handlers read the same as before; the same shape as {@link Operations.Handler}. */
  public interface Handler {
    Future<Reply> handle(Call call);
  }

  public ApiRoutes(Vertx vertx, Router router, OpenApiDocument openApi, ApiAuth auth, Accounts accounts, UserStore users,
                   TokenStore tokens, RateLimiter limiter, Presence presence, GatewaySettings settings,
                   SessionService sessions, AuthService credentials, ToolService tools, ProviderService providers,
                   String oauthRedirectUri) {
    this.vertx = vertx;
    this.router = router;
    this.openApi = openApi;
    this.auth = auth;
    this.accounts = accounts;
    this.users = users;
    this.tokens = tokens;
    this.limiter = limiter;
    this.presence = presence;
    this.settings = settings;
    this.sessions = sessions;
    this.credentials = credentials;
    this.tools = tools;
    this.providers = providers;
    this.oauthRedirectUri = oauthRedirectUri;
    this.bodyHandler = BodyHandler.create(false).setBodyLimit(settings.bodyLimitBytes());
    this.operations = new Operations(openApi, users, limiter, settings);
    this.runtime = SessionRuntime.createProxy(vertx);
    this.projects = new ProjectRoutes(dev.maestro.contracts.project.ProjectService.createProxy(vertx), sessions);
  }

  public void mount() {
    JsonObject doc = openApi.json();
    op("getOpenApi", c -> Future.succeededFuture(Reply.ok(doc)));

    // auth and tokens
    op("createToken", this::createToken);
    op("listTokens", c -> tokens.list(c.userId(), c.query().limit(), c.query().string("cursor", 500)).map(Reply::ok));
    op("revokeToken", c -> tokens.revoke(c.userId(), c.path("id"))
        .onSuccess(v -> vertx.eventBus().publish(Addresses.GATEWAY_REVOKED, new JsonObject().put("tokenId", c.path("id"))))
        .map(v -> Reply.noContent()));

    // credentials and OAuth
    op("listCredentials", c -> credentials.listCredentials(c.userId()).map(l -> items(l, ApiRoutes::maskCredential)));
    op("createCredential", c -> credentials.createCredential(c.userId(), c.body().put("kind", c.body().getString("kind", "api_key")))
        .map(j -> Reply.created(maskCredential(j))));
    op("getCredential", c -> id(c).compose(id -> credentials.getCredential(c.userId(), id)).map(j -> Reply.ok(maskCredential(j))));
    op("deleteCredential", c -> id(c).compose(id -> credentials.deleteCredential(c.userId(), id)).map(v -> Reply.noContent()));
    // Ownership first: nobody makes the provider check another user's key.
    op("validateCredential", c -> id(c).compose(id -> credentials.getCredential(c.userId(), id)
        .compose(owned -> providers.validateCredential(id))).map(Reply::ok));
    op("startOAuth", c -> {
      String provider = c.path("provider");
      if (!PROVIDER.matcher(provider).matches()) return notFound("no such provider");
      // A flow started from a web page comes back to the host the browser used (its cookie lives there).
      String redirect = c.origin() != null ? c.origin() + "/oauth/callback" : oauthRedirectUri;
      return credentials.startOAuth(c.userId(), provider, c.body(), redirect).map(Reply::ok);
    });
    op("listOAuthClients", c -> credentials.listOAuthClients()
        .map(l -> items(l, j -> MemberView.oauthClient(maskClient(j), c.admin()))));
    op("createOAuthClient", c -> credentials.createOAuthClient(c.body()).map(j -> Reply.created(maskClient(j))));
    op("getOAuthClient", c -> id(c).compose(credentials::getOAuthClient).map(j -> Reply.ok(MemberView.oauthClient(maskClient(j), c.admin()))));
    op("updateOAuthClient", c -> id(c).compose(id -> credentials.updateOAuthClient(id, c.body())).map(j -> Reply.ok(maskClient(j))));
    op("deleteOAuthClient", c -> id(c).compose(credentials::deleteOAuthClient).map(v -> Reply.noContent()));

    // sessions
    op("createSession", projects::createSession);
    op("listSessions", this::listSessions);
    op("importSession", c -> sessions.importSession(c.userId(), c.body()).map(Reply::created));
    op("getSession", c -> projects.getSession(c, id(c).compose(id -> sessions.get(c.userId(), id))));
    op("updateSession", c -> id(c).compose(id -> sessions.update(c.userId(), id, c.body())).map(Reply::ok));
    op("deleteSession", c -> id(c).compose(id -> sessions.delete(c.userId(), id).compose(v -> projects.sessionDeleted(id)))
        .map(v -> Reply.noContent()));
    op("forkSession", projects::forkSession);
    op("sendMessage", c -> id(c).compose(id -> sendLimit(c.principal()).compose(v -> {
          String mode = c.body().getString("mode");
          JsonArray attachments = c.body().getJsonArray("attachments");
          if (mode != null && attachments != null) {
            // the queue stores text only: an attachment would be silently dropped
            return Future.failedFuture(new ServiceException(ErrorCodes.BAD_REQUEST, "attachments: cannot be queued or steered; send them when no turn runs", new JsonObject()));
          }
          if (c.body().getString("idempotencyKey") != null && (mode != null || attachments != null)) {
            return Future.failedFuture(new ServiceException(ErrorCodes.BAD_REQUEST,
                "idempotencyKey: not supported yet with mode or attachments; send those without a key", new JsonObject()));
          }
          return mode != null ? runtime.submit(c.userId(), id, c.body().getString("text"), mode)
              : attachments != null ? sessions.sendWithAttachments(c.userId(), id, c.body().getString("text"), attachments)
              : SendOnce.send(sessions, c.userId(), id, c.body());
        }))
        .map(Reply::accepted));
    op("approveToolCall", c -> {
      String callId = c.path("callId");
      if (callId.isEmpty() || callId.length() > 200) return notFound("no such tool call");
      if (c.body().getBoolean("forSession", false) && "allow".equals(c.body().getString("decision"))) {
        return id(c).compose(id -> runtime.allowForSession(c.userId(), id, callId)).map(v -> Reply.noContent());
      }
      return id(c).compose(id -> sessions.approve(c.userId(), id, callId, c.body().getString("decision"))).map(v -> Reply.noContent());
    });
    op("cancelTurn", c -> id(c).compose(id -> sessions.cancel(c.userId(), id)).map(v -> Reply.accepted(null)));
    op("answerElicitation", c -> id(c).compose(id -> sessions.answerElicitation(c.userId(), id, c.path("elicitationId"),
        c.body().getString("action"), c.body().getJsonObject("content"))).map(v -> Reply.noContent()));
    op("compactSession", c -> id(c).compose(id -> sessions.compact(c.userId(), id)).map(v -> Reply.accepted(null)));
    op("exportSession", this::exportSession);
    op("checkSessionAccess", c -> id(c).compose(id -> sessions.checkAccess(c.userId(), id)).map(v -> Reply.noContent()));
    op("sessionEvents", c -> {
      Long after = c.query().integer("afterSeq", -1, Long.MAX_VALUE);
      c.query().check();
      return id(c).compose(id -> sessions.events(c.userId(), id, after == null ? -1 : after)).map(Reply::ok);
    });

    // templates and models
    op("listTemplates", c -> sessions.listTemplates(c.userId(), pageQuery(c)).map(Reply::ok));
    op("createTemplate", c -> sessions.createTemplate(c.userId(), c.body()).map(Reply::created));
    op("getTemplate", c -> id(c).compose(id -> sessions.getTemplate(c.userId(), id)).map(Reply::ok));
    op("updateTemplate", c -> id(c).compose(id -> sessions.updateTemplate(c.userId(), id, c.body())).map(Reply::ok));
    op("deleteTemplate", c -> id(c).compose(id -> sessions.deleteTemplate(c.userId(), id)).map(v -> Reply.noContent()));
    op("listModels", this::listModels);

    // tools and MCP servers
    op("listTools", c -> tools.listTools().map(l -> items(l, Function.identity())));
    op("updateTool", c -> {
      String name = c.path("name");
      if (!TOOL_NAME.matcher(name).matches()) return notFound("no such tool");
      return tools.updateTool(name, c.body()).map(Reply::ok);
    });
    op("listMcpServers", c -> tools.listMcpServers().map(l -> items(l, s -> MemberView.mcpServer(s, c.admin()))));
    op("createMcpServer", c -> tools.createMcpServer(c.body()).map(Reply::created));
    op("getMcpServer", c -> id(c).compose(tools::getMcpServer).map(s -> Reply.ok(MemberView.mcpServer(s, c.admin()))));
    op("restartMcpServer", c -> id(c).compose(tools::restartMcpServer).map(Reply::ok));
    op("updateMcpServer", c -> id(c).compose(id -> tools.updateMcpServer(id, c.body())).map(Reply::ok));
    op("deleteMcpServer", c -> id(c).compose(tools::deleteMcpServer).map(v -> Reply.noContent()));
    mcpResources();

    // users
    op("listUsers", c -> users.list(c.query().limit(), c.query().string("cursor", 500)).map(Reply::ok));
    op("createUser", c -> accounts.createUser(c.body().getString("username"), c.body().getString("password"),
        c.body().getString("role", "member")).map(Reply::created));
    op("updateUser", this::updateUser);
    op("deleteUser", this::deleteUser);

    sections.forEach(section -> section.accept(operations));
    // budgets and usage (issue 16)
    BudgetRoutes.mount(operations, dev.maestro.contracts.budget.BudgetService.createProxy(vertx), users);

    runtimeOps();
    // audit (issue 17)
    op("listAudit", c -> auditLog == null ? notFound("the audit log is not kept here") : new AuditApi(auditLog).list(c));

    // the OpenAI-compatible door (issue 17): same operations chain, its own HTTP adapter (OpenAI errors, SSE)
    var openAi = new dev.maestro.gateway.openai.OpenAiDoor(vertx, auth, operations, sessions, credentials, providers,
        settings.bodyLimitBytes());
    op(dev.maestro.gateway.openai.OpenAiDoor.CHAT, openAi::chat);
    op(dev.maestro.gateway.openai.OpenAiDoor.MODELS, openAi::models);
    projects.mount(this::op);

    operations.checkComplete();
    for (String id : operations.specs().keySet()) if (!dev.maestro.gateway.openai.OpenAiDoor.owns(operations.spec(id))) route(id);
    openAi.mount(router);
  }

  private dev.maestro.gateway.audit.AuditLog auditLog;

  /** Keeps the audit trail: front-door changes and sign-ins are recorded, {@code GET /api/v1/audit} reads it. */
  public void audit(dev.maestro.gateway.audit.AuditLog log) {
    this.auditLog = log;
    operations.auditTo(new dev.maestro.platform.AuditTrail(vertx));
  }

  /** Operations registered by their own classes (e.g. webhooks); call before {@link #mount}. */
  public ApiRoutes with(java.util.function.Consumer<Operations> section) {
    sections.add(section);
    return this;
  }

  /** Issue 16: the queue of a session and the running-now list (SessionRuntime). */
  private void runtimeOps() {
    op("listQueue", c -> id(c).compose(id -> runtime.listQueue(c.userId(), id)).map(Reply::ok));
    op("editQueued", c -> id(c).compose(id -> queuedId(c).compose(m -> runtime.editQueued(c.userId(), id, m, c.body().getString("text"))))
        .map(Reply::ok));
    op("removeQueued", c -> id(c).compose(id -> queuedId(c).compose(m -> runtime.removeQueued(c.userId(), id, m)))
        .map(v -> Reply.noContent()));
    op("listRuns", c -> {
      String status = c.query().matching("status", Pattern.compile("running|waiting_approval|queued"), "running, waiting_approval or queued");
      c.query().check();
      return runtime.runs(c.userId(), status).map(Reply::ok);
    });
  }

  private static Future<String> queuedId(Call c) {
    String id = c.path("messageId");
    return Ids.valid(id) ? Future.succeededFuture(id) : notFound("no such queued message");
  }

  /** The operation layer the WebSocket and the web pages call too. */
  public Operations operations() {
    return operations;
  }

  /** Registers one operation of the OpenAPI document with the one front door. */
  private void op(String operationId, Handler handler) {
    operations.register(operationId, handler::handle);
  }

  /** The HTTP adapter: one route per operation, authentication (+CSRF) here, everything else in {@link Operations}. */
  private void route(String operationId) {
    JsonObject spec = operations.spec(operationId);
    HttpMethod method = HttpMethod.valueOf(spec.getString("method"));
    String path = spec.getString("path").replaceAll("\\{(\\w+)}", ":$1");
    boolean isPublic = spec.getBoolean("public");
    boolean takesBody = operations.takesBody(operationId);
    Route route = router.route(method, path);
    if (method != HttpMethod.GET && method != HttpMethod.HEAD) route.handler(bodyHandler);
    route.handler(rc -> {
      Future<Principal> who = isPublic ? Future.succeededFuture(null) : auth.authenticate(rc);
      who.compose(p -> operations.invoke(operationId, Caller.of(p, remoteAddress(rc)), rc.pathParams(), new Query(rc.queryParams()),
              () -> parseBody(rc, takesBody)))
          .onSuccess(reply -> write(rc, reply))
          .onFailure(err -> Problems.fail(rc, err));
    });
  }

  static String remoteAddress(RoutingContext rc) {
    return rc.request().remoteAddress() == null ? null : rc.request().remoteAddress().hostAddress();
  }

  /** Raw body → JSON object (null when empty); the schema is checked by {@link Operations}. */
  private static JsonObject parseBody(RoutingContext rc, boolean takesBody) {
    Buffer raw = rc.body() == null ? null : rc.body().buffer();
    boolean empty = raw == null || raw.length() == 0;
    if (empty) return null;
    if (!takesBody) throw new ServiceException(400, "this operation takes no body", new JsonObject());
    String type = rc.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase().startsWith("application/json")) {
      throw new ServiceException(415, "send the body as application/json", new JsonObject());
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(raw);
    } catch (DecodeException e) {
      throw new ServiceException(400, "the body is not valid JSON", new JsonObject());
    }
    if (!(parsed instanceof JsonObject body)) throw new ServiceException(400, "the body must be a JSON object", new JsonObject());
    return body;
  }

  private static void write(RoutingContext rc, Reply reply) {
    var res = rc.response();
    if (res.ended()) return;
    res.setStatusCode(reply.status()).putHeader("Cache-Control", "no-store");
    if (reply.body() == null) {
      res.end();
    } else if (reply.body() instanceof Buffer b) {
      res.putHeader("Content-Type", reply.contentType()).end(b);
    } else {
      res.putHeader("Content-Type", reply.contentType()).end(Json.encodeToBuffer(reply.body()));
    }
  }

  public Future<Void> sendLimit(Principal p) {
    return operations.sendLimit(p);
  }

  private Future<Reply> createToken(Call c) {
    JsonObject b = c.body();
    Instant expiresAt = null;
    if (b.getString("expiresAt") != null) {
      try {
        expiresAt = Instant.parse(b.getString("expiresAt"));
      } catch (DateTimeParseException e) {
        return badField("expiresAt", "must be an RFC 3339 UTC timestamp");
      }
      if (!expiresAt.isAfter(Instant.now())) return badField("expiresAt", "must be in the future");
    }
    Instant exp = expiresAt;
    return accounts.login(b.getString("username"), b.getString("password"), c.remoteAddress())
        .compose(user -> tokens.issue(user.getString("userId"), b.getString("name"), exp)
            .onSuccess(t -> { if (auditLog != null) new dev.maestro.platform.AuditTrail(vertx).record(user.getString("userId"),
                "createToken", t.getString("id"), dev.maestro.contracts.audit.AuditEvents.SUCCESS, new JsonObject().put("name", t.getString("name"))); }))
        .map(Reply::created);
  }

  /** MCP resources and prompts (issue 19): readable by every member, like the server list. */
  private void mcpResources() {
    op("listMcpResources", c -> {
      String serverId = serverIdQuery(c);
      return tools.listMcpResources(serverId).map(l -> items(l, Function.identity()));
    });
    op("readMcpResource", c -> {
      String uri = c.query().string("uri", 2000);
      if (uri == null) c.query().error("uri", "is required");
      c.query().check();
      return id(c).compose(id -> tools.readMcpResource(id, uri, null)).map(Reply::ok);
    });
    op("listMcpPrompts", c -> {
      String serverId = serverIdQuery(c);
      return tools.listMcpPrompts(serverId).map(l -> items(l, Function.identity()));
    });
    op("getMcpPrompt", c -> {
      String name = c.path("name");
      if (name.isEmpty() || name.length() > 100) return notFound("no such prompt");
      return id(c).compose(id -> tools.getMcpPrompt(id, name, c.body().getJsonObject("arguments", new JsonObject()), null))
          .map(Reply::ok);
    });
  }

  private static String serverIdQuery(Call c) {
    String serverId = c.query().string("serverId", 100);
    if (serverId != null && !Ids.valid(serverId)) c.query().error("serverId", "must be a UUID");
    c.query().check();
    return serverId;
  }

  private Future<Reply> listSessions(Call c) {
    JsonObject query = pageQuery(c);
    String q = c.query().string("q", 500);
    if (q != null) query.put("q", q);
    c.query().check();
    return sessions.list(c.userId(), query).compose(page -> {
      JsonArray items = page.getJsonArray("items", new JsonArray());
      List<String> ids = new ArrayList<>();
      for (Object o : items) if (o instanceof JsonObject s && s.getString("id") != null) ids.add(s.getString("id"));
      return presence.openIn(ids).map(open -> {
        for (Object o : items) {
          if (o instanceof JsonObject s && s.getString("id") != null) s.put("openIn", open.get(s.getString("id")));
        }
        return Reply.ok(page);
      });
    });
  }

  private JsonObject pageQuery(Call c) {
    JsonObject q = new JsonObject().put("limit", c.query().limit());
    String cursor = c.query().string("cursor", 500);
    if (cursor != null) q.put("cursor", cursor);
    return q;
  }

  private Future<Reply> exportSession(Call c) {
    String format = c.query().matching("format", Pattern.compile("json|markdown"), "json or markdown");
    c.query().check();
    return id(c).compose(id -> sessions.export(c.userId(), id, format == null ? "json" : format)).map(x -> {
      Object body = x.getValue("body");
      String type = x.getString("contentType", "json".equals(format) || format == null ? "application/json" : "text/markdown; charset=utf-8");
      Buffer buf = body instanceof String s ? Buffer.buffer(s) : Json.encodeToBuffer(body);
      return Reply.raw(200, type, buf);
    });
  }

  private Future<Reply> listModels(Call c) {
    String provider = c.query().matching("provider", PROVIDER, "one of " + Providers.ONE_OF);
    String credentialId = c.query().string("credentialId", 100);
    if (credentialId != null && !Ids.valid(credentialId)) c.query().error("credentialId", "must be a UUID");
    c.query().check();
    // A credential id is checked against the caller first, so nobody lists models through another user's key.
    Future<Void> owned = credentialId == null ? Future.succeededFuture()
        : credentials.getCredential(c.userId(), credentialId).mapEmpty();
    return owned.compose(v -> providers.listModels(provider, credentialId)).map(l -> items(l, Function.identity()));
  }

  private Future<Reply> updateUser(Call c) {
    JsonObject b = c.body();
    String id = c.path("id");
    Future<Void> keepsAdmin = "member".equals(b.getString("role")) && id.equalsIgnoreCase(c.userId())
        ? ServiceException.fail(ErrorCodes.CONFLICT, "you cannot take the admin role from yourself", new JsonObject())
        : Future.succeededFuture();
    // a new password also revokes the user's tokens, browser sessions and sockets (Accounts.updateUser)
    return keepsAdmin.compose(v -> accounts.updateUser(id, b.getString("username"), b.getString("password"), b.getString("role")))
        .map(Reply::ok);
  }

  private Future<Reply> deleteUser(Call c) {
    String id = c.path("id");
    if (id.equalsIgnoreCase(c.userId())) {
      return ServiceException.fail(ErrorCodes.CONFLICT, "you cannot delete yourself", new JsonObject());
    }
    return users.delete(id)
        .onSuccess(v -> vertx.eventBus().publish(Addresses.GATEWAY_REVOKED, new JsonObject().put("userId", id)))
        .map(v -> Reply.noContent());
  }

  private static Future<String> id(Call c) {
    String id = c.path("id");
    return Ids.valid(id) ? Future.succeededFuture(id) : notFound("no such resource");
  }

  private static <T> Future<T> notFound(String why) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, why, new JsonObject());
  }

  private static <T> Future<T> badField(String field, String message) {
    return ServiceException.fail(ErrorCodes.BAD_REQUEST, "the body does not match the schema", new JsonObject()
        .put("errors", new JsonArray().add(new JsonObject().put("field", field).put("message", message))));
  }

  private static Reply items(List<JsonObject> list, Function<JsonObject, JsonObject> mask) {
    JsonArray items = new JsonArray();
    if (list != null) for (JsonObject j : list) items.add(mask.apply(j));
    return Reply.ok(new JsonObject().put("items", items).put("nextCursor", null));
  }

  /** Defence in depth: whatever a service returns, secrets never leave the gateway. */
  static JsonObject maskCredential(JsonObject j) {
    if (j == null) return null;
    JsonObject copy = j.copy();
    copy.remove("secret");
    copy.remove("apiKey");
    copy.remove("accessToken");
    copy.remove("refreshToken");
    return copy;
  }

  static JsonObject maskClient(JsonObject j) {
    if (j == null) return null;
    JsonObject copy = j.copy();
    copy.remove("clientSecret");
    return copy;
  }
}
