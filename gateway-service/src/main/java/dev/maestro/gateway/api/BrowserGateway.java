package dev.maestro.gateway.api;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.gateway.auth.Accounts;
import dev.maestro.gateway.auth.Principal;
import dev.maestro.gateway.auth.UserStore;
import dev.maestro.platform.ServiceFailures;
import dev.maestro.webui.OperationFailed;
import dev.maestro.webui.WebUiGateway;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.serviceproxy.ServiceException;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The web pages' way in: the browser's cookie session is resolved to the user as the user store
 * has it on every call, and every read and change is an {@link Operations} call with the JSON
 * API's rules. A state change also needs a form post carrying this session's CSRF token from this
 * origin. Failures go out as {@link OperationFailed} with the problem the API would answer.
 */
public final class BrowserGateway implements WebUiGateway {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BrowserGateway.class);
  private final Accounts accounts;
  private final UserStore users;
  private final Operations operations;
  private final boolean publicUrlConfigured;

  /** {@code publicUrlConfigured}: MAESTRO_PUBLIC_URL is set, so OAuth always returns there, not to the request's host. */
  public BrowserGateway(Accounts accounts, UserStore users, Operations operations, boolean publicUrlConfigured) {
    this.accounts = accounts;
    this.users = users;
    this.operations = operations;
    this.publicUrlConfigured = publicUrlConfigured;
  }

  @Override
  public Future<JsonObject> login(String username, String password, String remoteAddress) {
    return accounts.login(username, password, remoteAddress).recover(BrowserGateway::failed);
  }

  @Override
  public void signedOut(String sessionKey) {
    accounts.signedOut(sessionKey);
  }

  @Override
  public Future<JsonObject> principal(RoutingContext rc) {
    String userId = cookieUserId(rc);
    if (userId == null) return failed(new ServiceException(ErrorCodes.UNAUTHORIZED, "sign in first", new JsonObject()));
    return users.byId(userId).compose(u -> u == null
        ? failed(new ServiceException(ErrorCodes.UNAUTHORIZED, "the signed-in user no longer exists", new JsonObject()))
        : Future.succeededFuture(new JsonObject().put("userId", u.getString("id")).put("username", u.getString("username"))
            .put("role", u.getString("role"))));
  }

  @Override
  public Future<JsonObject> call(RoutingContext rc, String operationId, Map<String, String> path, Map<String, String> query,
                                 JsonObject body) {
    String userId = cookieUserId(rc);
    if (operations.changesState(operationId)) {
      // Pages change state only from a form post of this origin with this session's token.
      boolean post = rc.request().method() == HttpMethod.POST;
      if (!post || !ApiAuth.sameOrigin(rc) || !ApiAuth.csrfOk(rc)) {
        return failed(new ServiceException(ErrorCodes.FORBIDDEN, "missing or wrong CSRF token", new JsonObject()));
      }
    }
    // Only the user id comes from the cookie; Operations reads the name and role from the store.
    Principal caller = userId == null ? null : new Principal(userId, null, null, null, null, true);
    MultiMap params = MultiMap.caseInsensitiveMultiMap();
    if (query != null) query.forEach((k, v) -> { if (v != null) params.add(k, v); });
    Caller who = new Caller(caller, ApiRoutes.remoteAddress(rc), publicUrlConfigured ? null : origin(rc));
    return operations.invoke(operationId, who, path, new Query(params), body)
        .map(BrowserGateway::json)
        .recover(BrowserGateway::failed);
  }

  /** The reply as the pages read it: its JSON object, {} for none, {contentType, text} for raw content. */
  static JsonObject json(Reply reply) {
    Object b = reply.body();
    if (b == null) return new JsonObject();
    if (b instanceof JsonObject j) return j;
    if (b instanceof JsonArray a) return new JsonObject().put("items", a);
    if (b instanceof Buffer buf) return new JsonObject().put("contentType", reply.contentType()).put("text", buf.toString(StandardCharsets.UTF_8));
    return new JsonObject().put("contentType", reply.contentType()).put("text", Json.encode(b));
  }

  /** scheme://host the browser used (X-Forwarded-Proto honoured behind a TLS proxy). */
  private static String origin(RoutingContext rc) {
    String scheme = rc.request().getHeader("X-Forwarded-Proto");
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) scheme = rc.request().scheme();
    String host = rc.request().authority() == null ? rc.request().getHeader("Host") : rc.request().authority().toString();
    return host == null ? null : scheme + "://" + host;
  }

  private static String cookieUserId(RoutingContext rc) {
    JsonObject u = ApiAuth.safeUser(rc);
    return u == null ? null : u.getString("userId");
  }

  /** The one failure mapping (the API's), logged like {@link Problems#fail} when it is our fault. */
  private static <T> Future<T> failed(Throwable err) {
    if (err instanceof OperationFailed) return Future.failedFuture(err);
    JsonObject problem = ServiceFailures.toProblem(err);
    if (problem.getInteger("status") == 500) LOG.error("a page's operation failed", err);
    return Future.failedFuture(new OperationFailed(problem));
  }
}
