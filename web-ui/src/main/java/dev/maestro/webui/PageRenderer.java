package dev.maestro.webui;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.templ.handlebars.HandlebarsTemplateEngine;

/**
 * Renders a page template inside the common layout data: the signed-in user, the CSRF token,
 * the navigation state and a one-shot flash message kept in the session across a redirect.
 */
final class PageRenderer {
  static final String TEMPLATES = "webui/templates/";
  static final String SESSION_FLASH = "flash";

  private final HandlebarsTemplateEngine engine;

  PageRenderer(Vertx vertx) {
    this.engine = HandlebarsTemplateEngine.create(vertx);
  }

  void render(RoutingContext rc, int status, String template, String title, JsonObject data) {
    JsonObject model = data.copy().put("title", title);
    // The user the gateway resolved for this request, never the copy cached in the cookie session.
    JsonObject user = Pages.principal(rc);
    if (user != null) {
      model.put("user", user).put("isAdmin", "admin".equals(user.getString("role")));
    }
    Session s = rc.session();
    Object flash = null;
    if (s != null) {
      model.put("csrf", s.get(WebUi.SESSION_CSRF));
      flash = s.remove(SESSION_FLASH);
      if (flash instanceof JsonObject f) model.put("flash", f.put("isError", "error".equals(f.getString("kind"))));
      else if (flash instanceof String str) {
        JsonObject f = new JsonObject(str);
        model.put("flash", f.put("isError", "error".equals(f.getString("kind"))));
      }
    }
    model.put("nav_" + template, true);
    // Taking the flash changed the session: store it before the page goes out. The automatic store
    // runs after the headers and would race the browser's next request, which then reads the older
    // session and cannot store its own (a 500 "Session version mismatch" on the next form).
    // If this store fails the page is still shown: the automatic store tries again and logs why.
    Future<Void> stored = flash != null ? WebUi.flushSession(rc).recover(err -> Future.succeededFuture()) : Future.succeededFuture();
    stored.compose(v -> engine.render(model, TEMPLATES + template))
        .onSuccess(buf -> rc.response().setStatusCode(status)
            .putHeader("Content-Type", "text/html; charset=utf-8")
            .putHeader("Cache-Control", "no-store")
            .putHeader("X-Content-Type-Options", "nosniff")
            .putHeader("Referrer-Policy", "same-origin")
            .putHeader("Content-Security-Policy", CSP)
            .end(buf))
        .onFailure(rc::fail);
  }

  /** Only this origin: scripts, styles, images, and the gateway's own WebSocket. */
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self' ws: wss:; form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'";

  void error(RoutingContext rc, Throwable t) {
    int status = OperationFailed.status(t);
    if (status == 429 && t instanceof OperationFailed f && f.retryAfter() > 0) rc.response().putHeader("Retry-After", Long.toString(f.retryAfter()));
    render(rc, status, "error", status == 403 ? "Not allowed" : "Error", new JsonObject().put("status", status).put("message", OperationFailed.message(t)));
  }

  static void flash(RoutingContext rc, String kind, String text) {
    if (rc.session() != null) rc.session().put(SESSION_FLASH, new JsonObject().put("kind", kind).put("text", text));
  }

  static void redirect(RoutingContext rc, String location) {
    WebUi.flushSession(rc).onComplete(x -> {
      if (x.failed()) {
        rc.fail(x.cause());
      } else if (!rc.response().ended()) {
        rc.response().setStatusCode(303).putHeader("Location", location).putHeader("Cache-Control", "no-store").end();
      }
    });
  }
}
