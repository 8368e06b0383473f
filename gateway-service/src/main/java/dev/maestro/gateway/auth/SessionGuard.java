package dev.maestro.gateway.auth;

import dev.maestro.gateway.api.Problems;
import dev.maestro.webui.WebUi;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;

import java.util.Objects;

/**
 * Checks every cookie-carrying request's browser session against the user store before any page,
 * API route or WebSocket sees it. A session whose user was deleted, or that was signed in before
 * the user's last password change (its {@link #EPOCH} is older than the user's), is destroyed here
 * (removed from Redis), so the request goes on as signed out. A session whose user was renamed or
 * changed role is updated, so nothing downstream acts on a cached role.
 */
public final class SessionGuard implements Handler<RoutingContext> {
  /** Field of the session's principal: the user's session epoch when the browser signed in. */
  public static final String EPOCH = "sessionEpoch";

  private final UserStore users;

  public SessionGuard(UserStore users) {
    this.users = users;
  }

  @Override
  public void handle(RoutingContext rc) {
    // Bearer calls and cookie-less requests have no browser session to check (and must not create one).
    if (rc.request().getHeader("Cookie") == null || rc.request().path().startsWith("/assets/")) {
      rc.next();
      return;
    }
    Session session = rc.session();
    JsonObject signedIn;
    try {
      signedIn = WebUi.user(rc);
    } catch (RuntimeException e) {
      signedIn = null;
    }
    if (session == null || signedIn == null || signedIn.getString("userId") == null) {
      rc.next();
      return;
    }
    JsonObject principal = signedIn;
    // Hold the request (a body, or the end of a WebSocket upgrade) while the user store answers,
    // as the session handler does around its own Redis read.
    rc.request().pause();
    users.sessionState(principal.getString("userId")).onComplete(ar -> {
      rc.request().resume();
      if (ar.failed()) {
        // fail closed: without the user store we cannot tell a revoked session from a live one
        Problems.send(rc, 503, "the user store cannot be reached to check this browser session; try again shortly");
        return;
      }
      JsonObject now = ar.result();
      int epoch = principal.getValue(EPOCH) instanceof Number n ? n.intValue() : 0;
      if (now == null || now.getInteger("sessionEpoch", 0) != epoch) {
        session.destroy();
      } else if (!Objects.equals(now.getString("role"), principal.getString("role"))
          || !Objects.equals(now.getString("username"), principal.getString("username"))) {
        session.put(WebUi.SESSION_USER, principal.copy().put("role", now.getString("role")).put("username", now.getString("username")));
      }
      rc.next();
    });
  }
}
