package dev.maestro.webui;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The route table of the web UI. Every page but /login needs a signed-in user, resolved afresh by
 * the gateway on every request (a deleted user goes to /login, a demoted admin is a member at
 * once); every form post a CSRF token. Everything a page reads or changes is a gateway operation
 * ({@link WebUiGateway#call}), so the pages have exactly the JSON API's rules.
 */
final class Pages {
  /** Routing-context key of the principal {@link WebUiGateway#principal} resolved for this request. */
  static final String PRINCIPAL = "maestro.webui.principal";

  private Pages() {}

  static void mount(Vertx vertx, Router router, WebUiGateway gateway) {
    PageRenderer renderer = new PageRenderer(vertx);
    AuthPages login = new AuthPages(gateway, renderer);
    SessionPages chat = new SessionPages(gateway, renderer);
    SetupPages setup = new SetupPages(gateway, renderer);
    ProjectPages projects = new ProjectPages(gateway, renderer);
    chat.projects(projects);

    router.get("/assets/*").handler(StaticHandler.create("webui/assets")
        .setCachingEnabled(true).setMaxAgeSeconds(3600).setIncludeHidden(false).setDirectoryListing(false));

    router.get("/").handler(rc -> PageRenderer.redirect(rc, WebUi.user(rc) == null ? "/login" : "/sessions"));
    router.get("/login").handler(login::showLogin);
    router.post("/login").handler(body()).handler(login::login);
    post(router, gateway, "/logout", login::logout);

    get(router, gateway, "/sessions", chat::list);
    post(router, gateway, "/sessions", chat::create);
    get(router, gateway, "/ui/model-options", chat::modelOptions);
    get(router, gateway, "/sessions/:id", chat::chat);
    get(router, gateway, "/sessions/:id/export", chat::export);
    get(router, gateway, "/sessions/:id/messages/:messageId", chat::messageFragment);
    post(router, gateway, "/sessions/:id/rename", chat::rename);
    post(router, gateway, "/sessions/:id/delete", chat::delete);
    post(router, gateway, "/sessions/:id/messages", chat::send);
    post(router, gateway, "/sessions/:id/cancel", chat::cancel);
    post(router, gateway, "/sessions/:id/model", chat::switchModel);
    post(router, gateway, "/sessions/:id/fork", chat::fork);
    post(router, gateway, "/sessions/:id/compact", chat::compact);

    get(router, gateway, "/credentials", setup::credentials);
    post(router, gateway, "/credentials", setup::addCredential);
    post(router, gateway, "/credentials/oauth", setup::connectOAuth);
    post(router, gateway, "/credentials/:id/delete", setup::deleteCredential);

    get(router, gateway, "/tools", setup::tools);
    post(router, gateway, "/tools/:name", setup::updateTool);

    get(router, gateway, "/mcp", setup::mcp);
    post(router, gateway, "/mcp", setup::addMcp);
    post(router, gateway, "/mcp/:id/restart", setup::restartMcp);
    post(router, gateway, "/mcp/:id/delete", setup::deleteMcp);

    get(router, gateway, "/runs", new RunsPage(gateway, renderer)::show);
    get(router, gateway, "/templates", setup::templates);
    post(router, gateway, "/templates", setup::createTemplate);
    post(router, gateway, "/templates/:id", setup::updateTemplate);
    post(router, gateway, "/templates/:id/delete", setup::deleteTemplate);
    post(router, gateway, "/templates/:id/start", setup::startFromTemplate);

    UsagePages usage = new UsagePages(gateway, renderer);
    get(router, gateway, "/usage", usage::usage);
    post(router, gateway, "/usage/budget", usage::setBudget);

    get(router, gateway, "/settings", setup::settings);
    post(router, gateway, "/settings/oauth-clients", setup::addOAuthClient);
    post(router, gateway, "/settings/oauth-clients/:id/delete", setup::deleteOAuthClient);

    WebhookPages webhooks = new WebhookPages(gateway, renderer);
    get(router, gateway, "/webhooks", webhooks::list);
    post(router, gateway, "/webhooks", webhooks::add);
    post(router, gateway, "/webhooks/:id/delete", webhooks::delete);
    get(router, gateway, "/audit", new AuditPage(gateway, renderer)::show);
    get(router, gateway, "/projects", projects::list);
    post(router, gateway, "/projects", projects::add);
    post(router, gateway, "/projects/:id/members", projects::members);
    post(router, gateway, "/projects/:id/delete", projects::delete);
    get(router, gateway, "/sessions/:id/changes", projects::fragment);
    post(router, gateway, "/sessions/:id/commit", projects::commit);
    post(router, gateway, "/sessions/:id/discard", projects::discard);
    post(router, gateway, "/sessions/:id/checkpoints/:checkpointId/restore", projects::restore);
  }

  private static BodyHandler body() {
    return BodyHandler.create(false).setBodyLimit(1 << 20);
  }

  private static void get(Router router, WebUiGateway gateway, String path, Handler<RoutingContext> h) {
    router.route(HttpMethod.GET, path).handler(rc -> requireUser(gateway, rc)).handler(h);
  }

  private static void post(Router router, WebUiGateway gateway, String path, Handler<RoutingContext> h) {
    Route r = router.route(HttpMethod.POST, path).handler(body());
    r.handler(rc -> requireUser(gateway, rc)).handler(Pages::requireCsrf).handler(h);
  }

  /**
   * Asks the gateway who the cookie's user is now. Not signed in, or the user was deleted (the
   * browser session is then ended): pages go to /login; forms and fragments fetched by scripts get
   * a plain 401.
   */
  static void requireUser(WebUiGateway gateway, RoutingContext rc) {
    if (WebUi.user(rc) == null) {
      signInFirst(rc);
      return;
    }
    gateway.principal(rc).onComplete(ar -> {
      if (ar.succeeded()) {
        rc.put(PRINCIPAL, ar.result());
        rc.next();
      } else if (OperationFailed.status(ar.cause()) == 401) {
        if (rc.session() != null) rc.session().destroy();
        signInFirst(rc);
      } else {
        rc.response().setStatusCode(OperationFailed.status(ar.cause())).putHeader("Content-Type", "text/plain; charset=utf-8")
            .putHeader("Cache-Control", "no-store").end(OperationFailed.message(ar.cause()));
      }
    });
  }

  private static void signInFirst(RoutingContext rc) {
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

  /** The user resolved for this request by {@link #requireUser} (null on /login). */
  static JsonObject principal(RoutingContext rc) {
    return rc.get(PRINCIPAL);
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
}
