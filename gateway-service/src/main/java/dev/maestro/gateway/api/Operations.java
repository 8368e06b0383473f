package dev.maestro.gateway.api;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.gateway.GatewaySettings;
import dev.maestro.gateway.auth.Principal;
import dev.maestro.gateway.auth.RateLimiter;
import dev.maestro.gateway.auth.UserStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The one front door: every operation of the OpenAPI document, whoever calls it (the JSON API
 * through {@link ApiRoutes}, the WebSocket, the web pages through {@link BrowserGateway}), runs
 * the same chain: the authenticated caller → the user as the user store has it NOW (a deleted
 * user is 401, a demoted admin is a member at once; a cached role is never trusted) → the role
 * the document asks for → the API rate limit → the body's schema → the handler. Failures leave
 * as ServiceExceptions that each adapter renders with the one mapping,
 * {@link dev.maestro.platform.ServiceFailures#toProblem}.
 */
public final class Operations {
  /** What an operation does once its caller and input are checked. */
  public interface Handler {
    Future<Reply> handle(Call call);
  }

  private record Entry(String id, JsonObject spec, boolean admin, boolean isPublic, RequestValidator validator, Handler handler) {}

  private final OpenApiDocument openApi;
  private final UserStore users;
  private final RateLimiter limiter;
  private final GatewaySettings settings;
  private final Map<String, Entry> entries = new LinkedHashMap<>();

  public Operations(OpenApiDocument openApi, UserStore users, RateLimiter limiter, GatewaySettings settings) {
    this.openApi = openApi;
    this.users = users;
    this.limiter = limiter;
    this.settings = settings;
  }

  /** Registers the handler of one operation of the document (an unknown id is a programming error). */
  public void register(String operationId, Handler handler) {
    JsonObject spec = openApi.operation(operationId);
    if (spec == null) throw new IllegalStateException("operation " + operationId + " is not in the OpenAPI document");
    if (entries.containsKey(operationId)) throw new IllegalStateException("operation " + operationId + " registered twice");
    JsonObject schema = spec.getJsonObject("body");
    entries.put(operationId, new Entry(operationId, spec, spec.getBoolean("admin"), spec.getBoolean("public"),
        schema == null ? null : new RequestValidator(operationId, schema), handler));
  }

  /** Fails when an operation of the document has no handler. */
  public void checkComplete() {
    for (String id : openApi.operations().keySet()) {
      if (!entries.containsKey(id)) throw new IllegalStateException("operation " + id + " of the OpenAPI document has no handler");
    }
  }

  /** {method, path, body, admin, public} of a registered operation, or null. */
  public JsonObject spec(String operationId) {
    Entry e = entries.get(operationId);
    return e == null ? null : e.spec();
  }

  public Map<String, JsonObject> specs() {
    Map<String, JsonObject> out = new LinkedHashMap<>();
    entries.forEach((k, v) -> out.put(k, v.spec()));
    return Collections.unmodifiableMap(out);
  }

  /** True when the operation changes state (anything but GET): browser callers need CSRF for it. */
  public boolean changesState(String operationId) {
    JsonObject spec = spec(operationId);
    return spec == null || !"GET".equals(spec.getString("method"));
  }

  public boolean takesBody(String operationId) {
    Entry e = entries.get(operationId);
    return e != null && e.validator() != null;
  }

  public Future<Reply> invoke(String operationId, Caller caller, Map<String, String> path, Query query, JsonObject body) {
    return invoke(operationId, caller, path, query, () -> body);
  }

  /**
   * {@code caller.principal()} is who authenticated (null for nobody); only its user id, token id and
   * cookie flag are used, the name and role are read again from the user store. {@code body} is read
   * only after the caller passed (so a member's malformed body to an admin operation is a 403);
   * it may throw a ServiceException (400/415) for a body that is not a JSON object.
   */
  public Future<Reply> invoke(String operationId, Caller caller, Map<String, String> path, Query query,
                              Supplier<JsonObject> body) {
    Entry e = entries.get(operationId);
    if (e == null) return ServiceException.fail(ErrorCodes.NOT_FOUND, "no such operation", new JsonObject());
    Future<Principal> who = e.isPublic() ? Future.succeededFuture(null) : current(caller.principal());
    JsonObject[] checked = new JsonObject[1];
    return who.compose(p -> {
          if (e.admin() && !p.admin()) {
            return ServiceException.<Principal>fail(ErrorCodes.FORBIDDEN, "only an admin may do this", new JsonObject());
          }
          return p == null ? Future.succeededFuture(p) : apiLimit(p).map(p);
        })
        .compose(p -> {
          InputText.check(path, query);
          JsonObject input = validated(e, body.get());
          checked[0] = input;
          Call call = new Call(p, input, query, path == null ? Map.of() : path, caller.remoteAddress(), caller.origin());
          return e.handler().handle(call).map(r -> {
            query.check();
            return r;
          });
        })
        .andThen(ar -> {
          if (audit != null) audit.after(operationId, e.spec(), caller, path, checked[0], ar);
        });
  }

  private FrontDoorAudit audit;

  /** Audits every state-changing operation from now on (issue 17: admin changes, approvals, tokens). */
  public void auditTo(dev.maestro.platform.AuditTrail trail) {
    this.audit = new FrontDoorAudit(trail);
  }

  /** The caller as the user store has it now; 401 when there is none or the user was deleted. */
  private Future<Principal> current(Principal caller) {
    if (caller == null || caller.userId() == null) {
      return ServiceException.fail(ErrorCodes.UNAUTHORIZED, "sign in or send a bearer token", new JsonObject());
    }
    return users.byId(caller.userId()).compose(u -> u == null
        ? ServiceException.fail(ErrorCodes.UNAUTHORIZED, "the signed-in user no longer exists", new JsonObject())
        : Future.succeededFuture(new Principal(u.getString("id"), u.getString("username"), u.getString("role"),
            caller.tokenId(), caller.expiresAt(), caller.cookie())));
  }

  private static JsonObject validated(Entry e, JsonObject body) {
    boolean empty = body == null || body.isEmpty();
    if (e.validator() == null) {
      if (!empty) throw new ServiceException(400, "this operation takes no body", new JsonObject());
      return new JsonObject();
    }
    JsonObject b = body == null ? new JsonObject() : body;
    JsonArray errors = e.validator().validate(b);
    if (!errors.isEmpty()) throw new ServiceException(400, "the body does not match the schema", new JsonObject().put("errors", errors));
    return b;
  }

  private Future<Void> apiLimit(Principal p) {
    return limiter.hit("api:" + p.rateKey(), settings.apiPerMinute(), 60).compose(Operations::limited);
  }

  public Future<Void> sendLimit(Principal p) {
    return limiter.hit("send:" + p.rateKey(), settings.sendsPerMinute(), 60).compose(Operations::limited);
  }

  static Future<Void> limited(long retryAfter) {
    return retryAfter == 0 ? Future.succeededFuture()
        : ServiceException.fail(ErrorCodes.TOO_MANY, "rate limit reached; retry in " + retryAfter + " s",
            new JsonObject().put("retryAfter", retryAfter));
  }
}
