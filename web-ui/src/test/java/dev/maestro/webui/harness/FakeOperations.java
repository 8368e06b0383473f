package dev.maestro.webui.harness;

import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.webui.OperationFailed;
import dev.maestro.webui.WebUi;
import dev.maestro.webui.WebUiGateway;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.serviceproxy.ServiceException;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The gateway's operation layer as the web-UI tests need it: each operationId the pages use
 * mapped onto the fake services, with the gateway's rules in small (current user from
 * {@link FakeGatewayApi#users}, admin-only operations, CSRF on state changes, failures as
 * problems). The real layer is tested in gateway-service (PageAndApiAuthorizationTest).
 */
final class FakeOperations implements WebUiGateway {
  static final Set<String> ADMIN_ONLY = Set.of("updateTool", "createMcpServer", "updateMcpServer", "deleteMcpServer",
      "restartMcpServer", "createOAuthClient", "updateOAuthClient", "deleteOAuthClient", "listUsers", "createUser",
      "updateUser", "deleteUser");
  static final Set<String> READS = Set.of("listSessions", "listCredentials", "listTemplates", "getCredential", "getTemplate",
      "getSession", "exportSession", "listModels", "listOAuthClients", "getOAuthClient", "listTools", "listMcpServers", "listUsers",
      "listRuns");

  private final WebUiHarness harness;
  private final SessionService sessions;
  private final AuthService auth;
  private final ProviderService providers;
  private final ToolService tools;

  FakeOperations(Vertx vertx, WebUiHarness harness) {
    this.harness = harness;
    this.sessions = SessionService.createProxy(vertx);
    this.auth = AuthService.createProxy(vertx);
    this.providers = ProviderService.createProxy(vertx);
    this.tools = ToolService.createProxy(vertx);
  }

  @Override
  public Future<JsonObject> login(String username, String password, String remoteAddress) {
    return harness.login(username, password).recover(FakeOperations::failed);
  }

  @Override
  public Future<JsonObject> principal(RoutingContext rc) {
    JsonObject cookie = WebUi.user(rc);
    JsonObject u = cookie == null ? null : harness.api.users.get(cookie.getString("userId"));
    if (u == null) return failed(new ServiceException(401, "the signed-in user no longer exists"));
    return Future.succeededFuture(new JsonObject().put("userId", u.getString("id")).put("username", u.getString("username"))
        .put("role", u.getString("role")));
  }

  @Override
  public Future<JsonObject> call(RoutingContext rc, String op, Map<String, String> path, Map<String, String> query, JsonObject body) {
    harness.calls.add(op);
    return principal(rc).compose(p -> {
      if (!READS.contains(op) && (rc.request().method() != HttpMethod.POST || !WebUi.csrfOk(rc))) {
        return Future.failedFuture(new ServiceException(403, "missing or wrong CSRF token"));
      }
      if (ADMIN_ONLY.contains(op) && !"admin".equals(p.getString("role"))) {
        return Future.failedFuture(new ServiceException(403, "only an admin may do this"));
      }
      return dispatch(op, p.getString("userId"), path, query, body == null ? new JsonObject() : body);
    }).recover(FakeOperations::failed);
  }

  private Future<JsonObject> dispatch(String op, String uid, Map<String, String> path, Map<String, String> query, JsonObject b) {
    String id = path.get("id");
    return switch (op) {
      case "listSessions" -> {
        JsonObject q = new JsonObject().put("limit", Integer.parseInt(query.getOrDefault("limit", "50")));
        if (query.get("q") != null) q.put("q", query.get("q"));
        yield sessions.list(uid, q);
      }
      case "createSession" -> sessions.create(uid, b);
      case "getSession" -> sessions.get(uid, id);
      case "updateSession" -> sessions.update(uid, id, b);
      case "deleteSession" -> sessions.delete(uid, id).map(v -> new JsonObject());
      case "forkSession" -> sessions.fork(uid, id, b.getString("atMessageId"));
      case "sendMessage" -> sessions.send(uid, id, b.getString("text"));
      case "cancelTurn" -> sessions.cancel(uid, id).map(v -> new JsonObject());
      case "compactSession" -> sessions.compact(uid, id).map(v -> new JsonObject());
      case "exportSession" -> sessions.export(uid, id, query.getOrDefault("format", "json")).map(x -> {
        Object body = x.getValue("body");
        String text = body instanceof JsonObject j ? j.encode() : body instanceof JsonArray a ? a.encode() : String.valueOf(body);
        return new JsonObject().put("contentType", x.getString("contentType", "application/json")).put("text", text);
      });
      case "listTemplates" -> sessions.listTemplates(uid, new JsonObject());
      case "getTemplate" -> sessions.getTemplate(uid, id);
      case "createTemplate" -> sessions.createTemplate(uid, b);
      case "updateTemplate" -> sessions.updateTemplate(uid, id, b);
      case "deleteTemplate" -> sessions.deleteTemplate(uid, id).map(v -> new JsonObject());
      case "listModels" -> items(providers.listModels(query.get("provider"), query.get("credentialId")), Function.identity());
      case "listCredentials" -> items(auth.listCredentials(uid), Function.identity());
      case "getCredential" -> auth.getCredential(uid, id);
      case "createCredential" -> auth.createCredential(uid, b);
      case "validateCredential" -> auth.getCredential(uid, id).compose(c -> providers.validateCredential(id));
      case "deleteCredential" -> auth.deleteCredential(uid, id).map(v -> new JsonObject());
      case "startOAuth" -> auth.startOAuth(uid, path.get("provider"), b, "http://127.0.0.1/oauth/callback");
      case "listOAuthClients" -> items(auth.listOAuthClients(), Function.identity());
      case "getOAuthClient" -> auth.getOAuthClient(id);
      case "createOAuthClient" -> auth.createOAuthClient(b);
      case "deleteOAuthClient" -> auth.deleteOAuthClient(id).map(v -> new JsonObject());
      case "listTools" -> items(tools.listTools(), Function.identity());
      case "updateTool" -> tools.updateTool(path.get("name"), b);
      case "listMcpServers" -> items(tools.listMcpServers(), Function.identity());
      case "createMcpServer" -> tools.createMcpServer(b);
      case "restartMcpServer" -> tools.restartMcpServer(id);
      case "deleteMcpServer" -> tools.deleteMcpServer(id).map(v -> new JsonObject());
      case "listUsers" -> Future.succeededFuture(new JsonObject().put("items", new JsonArray(List.copyOf(harness.api.users.values()))));
      // issue 16: the harness has no running turns (the real list is tested in session-service and gateway-service)
      case "listRuns" -> Future.succeededFuture(new JsonObject().put("items", new JsonArray()).putNull("nextCursor"));
      default -> Future.failedFuture(new ServiceException(404, "no such operation " + op));
    };
  }

  private static Future<JsonObject> items(Future<List<JsonObject>> list, Function<JsonObject, JsonObject> map) {
    return list.map(l -> {
      JsonArray a = new JsonArray();
      l.forEach(j -> a.add(map.apply(j)));
      return new JsonObject().put("items", a).putNull("nextCursor");
    });
  }

  private static <T> Future<T> failed(Throwable err) {
    if (err instanceof OperationFailed) return Future.failedFuture(err);
    JsonObject problem = new JsonObject().put("type", "about:blank");
    if (err instanceof ServiceException se) {
      problem.put("status", se.failureCode()).put("detail", se.getMessage());
      JsonObject debug = se.getDebugInfo();
      if (debug != null && debug.containsKey("errors")) problem.put("errors", debug.getJsonArray("errors"));
      if (debug != null && debug.containsKey("retryAfter")) problem.put("retryAfter", debug.getValue("retryAfter"));
    } else if (err instanceof ReplyException) {
      problem.put("status", 503).put("detail", "a service is not running");
    } else {
      problem.put("status", 500).put("detail", "internal error");
    }
    return Future.failedFuture(new OperationFailed(problem));
  }
}
