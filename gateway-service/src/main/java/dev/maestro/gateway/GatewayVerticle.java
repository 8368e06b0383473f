package dev.maestro.gateway;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.gateway.api.ApiAuth;
import dev.maestro.gateway.api.ApiRoutes;
import dev.maestro.gateway.api.BrowserGateway;
import dev.maestro.gateway.api.OpenApiDocument;
import dev.maestro.gateway.api.Problems;
import dev.maestro.gateway.auth.Accounts;
import dev.maestro.gateway.auth.PasswordHasher;
import dev.maestro.gateway.auth.RateLimiter;
import dev.maestro.gateway.auth.SessionGuard;
import dev.maestro.gateway.auth.TokenStore;
import dev.maestro.gateway.auth.UserStore;
import dev.maestro.gateway.presence.Presence;
import dev.maestro.gateway.webhooks.WebhookDispatcher;
import dev.maestro.gateway.webhooks.WebhookOperations;
import dev.maestro.gateway.webhooks.WebhookSettings;
import dev.maestro.gateway.webhooks.WebhookStore;
import dev.maestro.gateway.ws.WsGateway;
import dev.maestro.platform.net.OutboundHttp;
import dev.maestro.platform.Database;
import dev.maestro.platform.HealthResponder;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.platform.Retry;
import dev.maestro.platform.StartupException;
import dev.maestro.webui.WebUi;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.sqlclient.Pool;

import java.net.BindException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The HTTP edge. Owns schema {@code gateway} (users, API tokens). */
public class GatewayVerticle extends VerticleBase {
  public static final String SCHEMA = "gateway";
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

  private Pool pool;
  private Redis redis;
  private HttpServer server;
  private WsGateway webSockets;
  private Router router;
  private Accounts accounts;
  private WebhookDispatcher webhooks;
  private dev.maestro.gateway.audit.AuditLog auditLog;
  private dev.maestro.platform.DeadRequesterWatch members;

  @Override
  public Future<?> start() {
    MaestroConfig cfg = MaestroConfig.of(config());
    GatewaySettings settings = GatewaySettings.from(config());
    return Database.migrate(vertx, cfg, SCHEMA)
        .compose(applied -> {
          pool = Database.pool(vertx, cfg, SCHEMA, 8);
          redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(cfg.redisUrl())
              .setMaxPoolSize(16).setMaxPoolWaiting(16_384));
          RedisAPI api = RedisAPI.api(redis);
          return Retry.atStartup(vertx, "Redis at " + cfg.redisUrl(), MaestroConfig.REDIS_URL,
              cfg.startupTimeoutSeconds(), () -> api.ping(List.of())).map(api);
        })
        .compose(api -> {
          UserStore users = new UserStore(pool);
          accounts = new Accounts(users, new PasswordHasher(vertx, settings.argon2MemoryKb(), settings.argon2Iterations(), 1), new RateLimiter(api), settings);
          return accounts.bootstrapAdmin(cfg.get(MaestroConfig.ADMIN_PASSWORD), cfg.dataDir())
              .compose(v -> router(cfg, settings, api, users))
              .compose(r -> listen(cfg, r));
        })
        .compose(s -> HealthResponder.register(vertx, "gateway"));
  }

  private Future<Router> router(MaestroConfig cfg, GatewaySettings settings, RedisAPI api, UserStore users) {
    HealthCheck health = new HealthCheck(vertx, pool, api);
    TokenStore tokens = new TokenStore(pool);
    RateLimiter limiter = new RateLimiter(api);
    Presence presence = new Presence(vertx, redis, settings.presenceTtlSeconds());
    ApiAuth auth = new ApiAuth(tokens, users);
    router = Router.router(vertx);
    router.get("/health").handler(rc -> health.check().onSuccess(h -> rc.response()
        .setStatusCode("UP".equals(h.getString("status")) ? 200 : 503)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(h.encode())));
    WebUi.installSessions(vertx, router, redis);
    router.route().handler(new SessionGuard(users));

    // a read or keyed send handed to a session node killed outright is sent again once the cluster sees
    // the node leave, instead of waiting out its timeout (issue 17)
    members = dev.maestro.platform.DeadRequesterWatch.start(vertx);
    SessionService sessions = dev.maestro.platform.RetryOnMemberLoss.wrap(vertx, SessionService.class, SessionService.createProxy(vertx),
        SAFE_TO_REPEAT, members);
    AuthService credentials = AuthService.createProxy(vertx);
    ApiRoutes api1 = new ApiRoutes(vertx, router, new OpenApiDocument(), auth, accounts, users, tokens, limiter, presence, settings,
        sessions, credentials, ToolService.createProxy(vertx), ProviderService.createProxy(vertx),
        cfg.publicUrl() + "/oauth/callback");
    auditLog = new dev.maestro.gateway.audit.AuditLog(vertx, pool);
    api1.audit(auditLog);
    accounts.auditTo(new dev.maestro.platform.AuditTrail(vertx));
    webSockets = new WsGateway(vertx, auth, api1.operations(), presence, settings);
    accounts.onSignedOut(key -> vertx.eventBus().publish(Addresses.GATEWAY_REVOKED, new JsonObject().put("webSession", key)));
    accounts.onUserRevoked(id -> vertx.eventBus().publish(Addresses.GATEWAY_REVOKED, new JsonObject().put("userId", id)));
    router.get("/api/v1/ws").handler(webSockets::handle);
    OutboundHttp outbound = new OutboundHttp(vertx, cfg.outboundPolicy());
    WebhookStore hooks = new WebhookStore(pool);
    webhooks = new WebhookDispatcher(vertx, hooks, outbound, WebhookSettings.from(config()));
    api1.with(new WebhookOperations(hooks, outbound, webhooks)::register);
    api1.mount();
    router.get("/oauth/callback").handler(rc -> oauthCallback(rc, credentials));
    router.get(ClientMetadataDocument.PATH).handler(
        new ClientMetadataDocument(cfg.oauthClientMetadataUrl(), cfg.publicUrl() + "/oauth/callback")::handle);

    // The pages are a renderer over the same operations as the JSON API (no proxies of their own).
    WebUi.mountPages(vertx, router, new BrowserGateway(accounts, users, api1.operations(),
        cfg.get(MaestroConfig.PUBLIC_URL) != null));

    router.errorHandler(404, rc -> Problems.send(rc, 404, "no such resource: " + truncate(rc.request().path())));
    router.errorHandler(405, rc -> Problems.send(rc, 405, "method " + rc.request().method() + " is not allowed here"));
    router.errorHandler(413, rc -> Problems.send(rc, 413, "the body is larger than " + settings.bodyLimitBytes() + " bytes"));
    router.errorHandler(400, rc -> Problems.send(rc, 400, "bad request"));
    router.errorHandler(500, rc -> Problems.fail(rc, rc.failure() == null ? new RuntimeException("unknown") : rc.failure()));
    return webSockets.start().compose(v -> webhooks.start()).compose(v -> auditLog.start()).map(router);
  }

  /**
   * The provider sent the browser back: finish the flow for the user signed in in this browser (the
   * auth service refuses, 403, when that is not who started it), then land on the credentials page.
   */
  private void oauthCallback(RoutingContext rc, AuthService credentials) {
    JsonObject signedIn = WebUi.user(rc);
    if (signedIn == null || signedIn.getString("userId") == null) {
      Problems.send(rc, 401, "sign in to Maestro in this browser first, then start the sign-in again from the credentials page");
      return;
    }
    String state = rc.request().getParam("state");
    String code = rc.request().getParam("code");
    String error = rc.request().getParam("error");
    if (error != null || state == null || code == null || state.length() > 500 || code.length() > 5000
        || dev.maestro.platform.TextRules.problem(state) != null || dev.maestro.platform.TextRules.problem(code) != null) {
      redirect(rc, "/credentials?error=" + URLEncoder.encode(error != null ? truncate(error) : "missing code or state", StandardCharsets.UTF_8));
      return;
    }
    // RFC 9207: the authorization server's iss travels on, auth-service compares it with the issuer the flow went to.
    String iss = rc.request().getParam("iss");
    if (iss != null && (iss.length() > 2000 || dev.maestro.platform.TextRules.problem(iss) != null)) {
      redirect(rc, "/credentials?error=" + URLEncoder.encode("the iss parameter of the sign-in callback is not valid", StandardCharsets.UTF_8));
      return;
    }
    JsonObject callback = new JsonObject().put("state", state).put("code", code);
    if (iss != null) callback.put("iss", iss);
    credentials.completeOAuthCallback(signedIn.getString("userId"), callback)
        .onSuccess(c -> redirect(rc, "/credentials?connected=" + URLEncoder.encode(String.valueOf(c.getString("id")), StandardCharsets.UTF_8)))
        .onFailure(err -> {
          JsonObject problem = dev.maestro.platform.ServiceFailures.toProblem(err);
          if (problem.getInteger("status") == 403) {
            Problems.send(rc, problem);
          } else {
            redirect(rc, "/credentials?error=" + URLEncoder.encode(problem.getString("detail"), StandardCharsets.UTF_8));
          }
        });
  }

  private static void redirect(RoutingContext rc, String location) {
    rc.response().setStatusCode(303).putHeader("Location", location).putHeader("Cache-Control", "no-store").end();
  }

  private static String truncate(String s) {
    return s == null ? "" : s.length() > 200 ? s.substring(0, 200) : s;
  }

  /** Every response gets the security headers; pages may set a stricter CSP of their own. */
  private static void secure(HttpServerRequest req) {
    req.response().headers()
        .set("X-Content-Type-Options", "nosniff")
        .set("X-Frame-Options", "DENY")
        .set("Referrer-Policy", "no-referrer")
        .set("Content-Security-Policy", CSP)
        .set("Cross-Origin-Opener-Policy", "same-origin");
  }

  private Future<HttpServer> listen(MaestroConfig cfg, Router router) {
    HttpServerOptions options = new HttpServerOptions().setTcpNoDelay(true).setHost(cfg.httpHost()).setPort(cfg.httpPort())
        .setMaxWebSocketFrameSize(65_536).setMaxWebSocketMessageSize(1 << 20).setMaxFormAttributeSize(1 << 20);
    return vertx.createHttpServer(options).requestHandler(req -> {
          secure(req);
          router.handle(req);
        }).listen()
        .recover(err -> Future.failedFuture(err instanceof BindException || String.valueOf(err.getMessage()).contains("Address already in use")
            ? new StartupException("port " + cfg.httpPort() + " on " + cfg.httpHost() + " is already in use; stop what uses it or set "
                + MaestroConfig.HTTP_PORT)
            : new StartupException("cannot listen on " + cfg.httpHost() + ":" + cfg.httpPort() + " (" + Retry.describe(err)
                + "); check " + MaestroConfig.HTTP_HOST + " and " + MaestroConfig.HTTP_PORT)))
        .onSuccess(s -> server = s);
  }

  /** The port actually bound (tests use port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** The router (tests compare its routes with the OpenAPI document). */
  public Router router() {
    return router;
  }

  /** What the web UI uses to check passwords (login rate limits included). */
  public Accounts webUiGateway() {
    return accounts;
  }

  /** WebSockets open on this instance. */
  /** The WebSocket side (tests: a catch-up as after a healed partition). */
  public WsGateway webSockets() {
    return webSockets;
  }

  /** The webhook dispatcher (tests: what it queued). */
  public WebhookDispatcher webhookDispatcher() {
    return webhooks;
  }

  public int openSockets() {
    return webSockets == null ? 0 : webSockets.openSockets();
  }

  /** SessionService calls that do no harm when run twice: reads, and the send with an idempotency key. */
  static final java.util.Set<String> SAFE_TO_REPEAT = java.util.Set.of("get", "list", "events", "checkAccess", "export",
      "listTemplates", "getTemplate", "sendIdempotent");

  @Override
  public Future<?> stop() {
    if (members != null) members.stop();
    return Future.join(webSockets == null ? Future.succeededFuture() : webSockets.stop(),
            webhooks == null ? Future.succeededFuture() : webhooks.stop(),
            server == null ? Future.succeededFuture() : server.close())
        .eventually(() -> Future.join(pool == null ? Future.succeededFuture() : pool.close(),
            redis == null ? Future.succeededFuture() : redis.close()));
  }
}
