package dev.maestro.webui;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;

import java.net.URI;
import java.security.SecureRandom;
import java.util.Base64;

/** /login and /logout: the form login that turns a password into a cookie session. */
final class AuthPages {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final WebUiGateway gateway;
  private final PageRenderer pages;

  AuthPages(WebUiGateway gateway, PageRenderer pages) {
    this.gateway = gateway;
    this.pages = pages;
  }

  void showLogin(RoutingContext rc) {
    if (WebUi.user(rc) == null) {
      pages.render(rc, 200, "login", "Sign in", new JsonObject());
      return;
    }
    // A cookie of a user deleted since gets the form (and loses its session), not a redirect loop.
    gateway.principal(rc).onComplete(ar -> {
      if (ar.succeeded()) {
        PageRenderer.redirect(rc, "/sessions");
        return;
      }
      if (OperationFailed.status(ar.cause()) == 401 && rc.session() != null) rc.session().destroy();
      pages.render(rc, 200, "login", "Sign in", new JsonObject());
    });
  }

  void login(RoutingContext rc) {
    // Login CSRF: a cross-site form post carries a foreign Origin; refuse it.
    if (!sameOrigin(rc)) {
      pages.render(rc, 403, "login", "Sign in", new JsonObject().put("error", "This sign-in form was sent from another site."));
      return;
    }
    String username = Forms.field(rc, "username");
    String password = rc.request().getFormAttribute("password");
    if (username == null || password == null || password.isEmpty()) {
      pages.render(rc, 400, "login", "Sign in", new JsonObject().put("error", "Enter your username and password.")
          .put("username", username));
      return;
    }
    gateway.login(username, password, rc.request().remoteAddress() == null ? null : rc.request().remoteAddress().hostAddress())
        .onSuccess(principal -> {
          Session s = rc.session();
          if (s == null) {
            rc.fail(500, new IllegalStateException("WebUi.installSessions was not mounted before the pages"));
            return;
          }
          s.regenerateId();
          s.put(WebUi.SESSION_USER, new JsonObject()
              .put("userId", principal.getString("userId"))
              .put("username", principal.getString("username", username))
              .put("role", principal.getString("role", "member"))
              // the gateway refuses this session once the user's password changes (its epoch moves on)
              .put("sessionEpoch", principal.getValue("sessionEpoch")));
          s.put(WebUi.SESSION_CSRF, newToken());
          PageRenderer.redirect(rc, "/sessions");
        })
        .onFailure(err -> {
          int status = OperationFailed.status(err);
          JsonObject data = new JsonObject().put("username", username);
          if (status == 429) {
            long retry = (err instanceof OperationFailed f ? f.retryAfter() : 0);
            if (retry > 0) rc.response().putHeader("Retry-After", Long.toString(retry));
            data.put("error", retry > 0
                ? "Too many sign-in attempts. Try again in " + retry + " seconds."
                : "Too many sign-in attempts. Try again later.");
          } else if (status == 401 || status == 400 || status == 403) {
            status = 401;
            data.put("error", "Wrong username or password.");
          } else {
            data.put("error", OperationFailed.message(err));
          }
          pages.render(rc, status, "login", "Sign in", data);
        });
  }

  void logout(RoutingContext rc) {
    Session s = rc.session();
    if (s != null) {
      gateway.signedOut(WebUi.sessionKey(s));
      s.destroy();
    }
    PageRenderer.redirect(rc, "/login");
  }

  static String newToken() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** True when the Origin (or Referer) header is absent or names this host. */
  static boolean sameOrigin(RoutingContext rc) {
    String origin = rc.request().getHeader("Origin");
    if (origin == null) origin = rc.request().getHeader("Referer");
    if (origin == null || origin.equals("null")) return origin == null;
    try {
      String host = URI.create(origin).getRawAuthority();
      String ours = rc.request().authority() == null ? rc.request().getHeader("Host") : rc.request().authority().toString();
      return host != null && host.equalsIgnoreCase(ours);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
