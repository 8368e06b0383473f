package dev.maestro.gateway.api;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.gateway.auth.Principal;
import dev.maestro.gateway.auth.TokenStore;
import dev.maestro.gateway.auth.UserStore;
import dev.maestro.webui.WebUi;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.serviceproxy.ServiceException;

/**
 * Who is calling: {@code Authorization: Bearer <token>} (looked up by hash on every request, so a
 * revocation is immediate everywhere) or the browser's cookie session, whose state changes must
 * carry the CSRF token and, when the browser sends one, a same-origin {@code Origin}.
 */
public class ApiAuth {
  private final TokenStore tokens;
  private final UserStore users;

  public ApiAuth(TokenStore tokens, UserStore users) {
    this.tokens = tokens;
    this.users = users;
  }

  public Future<Principal> authenticate(RoutingContext rc) {
    String header = rc.request().getHeader("Authorization");
    if (header != null) {
      if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) return unauthorized("use Authorization: Bearer <api token>");
      return tokens.authenticate(header.substring(7).trim())
          .compose(p -> p != null ? Future.succeededFuture(p) : unauthorized("the token is invalid, expired or revoked"));
    }
    JsonObject user = safeUser(rc);
    if (user == null || user.getString("userId") == null) return unauthorized("sign in or send a bearer token");
    HttpMethod m = rc.request().method();
    boolean stateChange = !(m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS);
    if (stateChange && (!sameOrigin(rc) || !csrfOk(rc))) {
      return ServiceException.fail(ErrorCodes.FORBIDDEN, "missing or wrong CSRF token (" + WebUi.CSRF_HEADER + ")", new JsonObject());
    }
    // The cookie's principal may be stale: the user may have been deleted or changed role since.
    return users.byId(user.getString("userId")).compose(u -> u == null
        ? unauthorized("the signed-in user no longer exists")
        : Future.succeededFuture(new Principal(u.getString("id"), u.getString("username"), u.getString("role"), null, null, true)));
  }

  /** For the WebSocket handshake: the same rules, minus CSRF (a GET) but with the Origin check. */
  public Future<Principal> authenticateUpgrade(RoutingContext rc) {
    if (rc.request().getHeader("Authorization") == null && !sameOrigin(rc)) {
      return ServiceException.fail(ErrorCodes.FORBIDDEN, "cross-origin WebSocket refused", new JsonObject());
    }
    return authenticate(rc);
  }

  /** The cookie session's principal, or null (also when the session store cannot be read). */
  static JsonObject safeUser(RoutingContext rc) {
    try {
      return WebUi.user(rc);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The request carries the browser session's CSRF token (false when it cannot be checked). */
  static boolean csrfOk(RoutingContext rc) {
    try {
      return WebUi.csrfOk(rc);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** An absent Origin passes (non-browser clients); a present one must be this host's origin ({@link OriginCheck}). */
  static boolean sameOrigin(RoutingContext rc) {
    String origin = rc.request().getHeader("Origin");
    String host = rc.request().getHeader("Host");
    if (host == null && rc.request().authority() != null) host = rc.request().authority().toString(); // HTTP/2 :authority
    return origin == null || OriginCheck.matches(origin, host);
  }

  private static <T> Future<T> unauthorized(String why) {
    return ServiceException.fail(ErrorCodes.UNAUTHORIZED, why, new JsonObject());
  }
}
