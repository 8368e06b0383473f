package dev.maestro.webui;

import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.tool.ToolService;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;

/** The route table of the web UI. Every page but /login needs a signed-in user; every form post a CSRF token. */
final class Pages {
  private Pages() {}

  static void mount(Vertx vertx, Router router, WebUiGateway gateway,
                    SessionService sessions, AuthService auth, ProviderService providers, ToolService tools) {
    PageRenderer renderer = new PageRenderer(vertx);
    AuthPages login = new AuthPages(gateway, renderer);
    SessionPages chat = new SessionPages(sessions, auth, providers, renderer);
    SetupPages setup = new SetupPages(sessions, auth, providers, tools, renderer);

    router.get("/assets/*").handler(StaticHandler.create("webui/assets")
        .setCachingEnabled(true).setMaxAgeSeconds(3600).setIncludeHidden(false).setDirectoryListing(false));

    router.get("/").handler(rc -> PageRenderer.redirect(rc, WebUi.user(rc) == null ? "/login" : "/sessions"));
    router.get("/login").handler(login::showLogin);
    router.post("/login").handler(body()).handler(login::login);
    post(router, "/logout", login::logout);

    get(router, "/sessions", chat::list);
    post(router, "/sessions", chat::create);
    get(router, "/ui/model-options", chat::modelOptions);
    get(router, "/sessions/:id", chat::chat);
    get(router, "/sessions/:id/export", chat::export);
    get(router, "/sessions/:id/messages/:messageId", chat::messageFragment);
    post(router, "/sessions/:id/rename", chat::rename);
    post(router, "/sessions/:id/delete", chat::delete);
    post(router, "/sessions/:id/messages", chat::send);
    post(router, "/sessions/:id/cancel", chat::cancel);
    post(router, "/sessions/:id/model", chat::switchModel);
    post(router, "/sessions/:id/fork", chat::fork);
    post(router, "/sessions/:id/compact", chat::compact);

    get(router, "/credentials", setup::credentials);
    post(router, "/credentials", setup::addCredential);
    post(router, "/credentials/oauth", setup::connectOAuth);
    post(router, "/credentials/:id/delete", setup::deleteCredential);

    get(router, "/tools", setup::tools);
    post(router, "/tools/:name", setup::updateTool);

    get(router, "/mcp", setup::mcp);
    post(router, "/mcp", setup::addMcp);
    post(router, "/mcp/:id/restart", setup::restartMcp);
    post(router, "/mcp/:id/delete", setup::deleteMcp);

    get(router, "/templates", setup::templates);
    post(router, "/templates", setup::createTemplate);
    post(router, "/templates/:id", setup::updateTemplate);
    post(router, "/templates/:id/delete", setup::deleteTemplate);
    post(router, "/templates/:id/start", setup::startFromTemplate);

    get(router, "/settings", setup::settings);
    post(router, "/settings/oauth-clients", setup::addOAuthClient);
    post(router, "/settings/oauth-clients/:id/delete", setup::deleteOAuthClient);
  }

  private static BodyHandler body() {
    return BodyHandler.create(false).setBodyLimit(1 << 20);
  }

  private static void get(Router router, String path, Handler<RoutingContext> h) {
    router.route(HttpMethod.GET, path).handler(Pages::requireUser).handler(h);
  }

  private static void post(Router router, String path, Handler<RoutingContext> h) {
    Route r = router.route(HttpMethod.POST, path).handler(body());
    r.handler(Pages::requireUser).handler(Pages::requireCsrf).handler(h);
  }

  /** Not signed in: pages go to /login; fragments fetched by scripts get a plain 401. */
  static void requireUser(RoutingContext rc) {
    if (WebUi.user(rc) != null) {
      rc.next();
      return;
    }
    String path = rc.request().path();
    if (rc.request().method() == HttpMethod.GET && !path.startsWith("/ui/") && !path.contains("/messages/")) {
      PageRenderer.redirect(rc, "/login");
    } else {
      rc.response().setStatusCode(401).putHeader("Content-Type", "text/plain; charset=utf-8").end("Sign in first.");
    }
  }

  static void requireCsrf(RoutingContext rc) {
    if (WebUi.csrfOk(rc)) {
      rc.next();
      return;
    }
    rc.response().setStatusCode(403).putHeader("Content-Type", "text/html; charset=utf-8")
        .end("<!doctype html><title>Expired form</title><p>This form has expired. <a href=\"/sessions\">Reload the page</a> and try again.</p>");
  }

  static String userId(RoutingContext rc) {
    JsonObject u = WebUi.user(rc);
    return u == null ? null : u.getString("userId");
  }

  /** RFC 3339 → "2026-11-24 04:44 UTC" (the raw value stays in the datetime attribute). */
  static String timeLabel(String rfc3339) {
    if (rfc3339 == null) return null;
    try {
      return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
          .format(java.time.OffsetDateTime.parse(rfc3339).atZoneSameInstant(java.time.ZoneOffset.UTC));
    } catch (java.time.format.DateTimeParseException e) {
      return rfc3339;
    }
  }

  static boolean isAdmin(RoutingContext rc) {
    JsonObject u = WebUi.user(rc);
    return u != null && "admin".equals(u.getString("role"));
  }
}
