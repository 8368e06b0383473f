package dev.maestro.webui;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.handler.SessionHandler;
import io.vertx.ext.web.sstore.redis.RedisSessionStore;
import io.vertx.redis.client.Redis;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;

/**
 * The browser side of Maestro, mounted by the gateway:
 * <ol>
 *   <li>{@link #installSessions} first (cookie sessions kept in Redis, so any gateway serves any browser);</li>
 *   <li>then the gateway's own routes (JSON API, WebSocket), which use {@link #user} and {@link #csrfOk}
 *       for cookie-authenticated requests;</li>
 *   <li>then {@link #mountPages}: /login, /logout, every page and /assets/*.</li>
 * </ol>
 */
public final class WebUi {
  /** Session key holding the signed-in principal {userId, username, role}. */
  public static final String SESSION_USER = "user";
  /** Session key holding the synchronizer CSRF token. */
  public static final String SESSION_CSRF = "csrf";
  /** Header (fetch / WebSocket-less calls) or form field carrying the CSRF token. */
  public static final String CSRF_HEADER = "X-CSRF-Token";
  public static final String CSRF_FIELD = "_csrf";
  public static final String COOKIE_NAME = "maestro_session";

  private WebUi() {}

  public static void installSessions(Vertx vertx, Router router, Redis redis) {
    // Lazy: a request that never touches its session (every bearer-token API call) stores nothing
    // in Redis and gets no cookie.
    SessionHandler sessions = SessionHandler.create(new OutageAwareSessionStore(RedisSessionStore.create(vertx, redis)))
        .setLazySession(true)
        .setSessionCookieName(COOKIE_NAME).setCookieHttpOnlyFlag(true)
        .setCookieSameSite(io.vertx.core.http.CookieSameSite.LAX)
        .setSessionTimeout(7L * 24 * 3600 * 1000);
    router.route().handler(sessions);
    // Kept per request so a redirect can store the session first (see flushSession).
    router.route().handler(rc -> {
      rc.put(SESSION_HANDLER_KEY, sessions);
      rc.next();
    });
  }

  private static final String SESSION_HANDLER_KEY = "maestro.webui.sessionHandler";

  /**
   * Stores the session now. The automatic store happens when the headers go out and does not
   * delay them, so without this a browser following a redirect can read the previous session
   * (no principal after login, a lost flash message). Fails when the store is unreachable: a
   * redirect that pretends the sign-in worked would only lead back to the login form.
   */
  static io.vertx.core.Future<Void> flushSession(RoutingContext rc) {
    SessionHandler h = rc.get(SESSION_HANDLER_KEY);
    if (h == null || rc.session() == null) return io.vertx.core.Future.succeededFuture();
    return h.flush(rc);
  }

  public static void mountPages(Vertx vertx, Router router, WebUiGateway gateway) {
    Pages.mount(vertx, router, gateway);
  }

  /** The signed-in browser user, or null. */
  public static JsonObject user(RoutingContext rc) {
    Session s = rc.session();
    if (s == null) return null;
    Object u = s.get(SESSION_USER);
    return u instanceof JsonObject j ? j : u instanceof String str ? new JsonObject(str) : null;
  }

  /**
   * A stable name for the browser session that is not the cookie value itself (that is a
   * credential and must not travel the event bus): the SHA-256 of the session id, hex.
   */
  public static String sessionKey(Session s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.id().getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** True when a cookie-authenticated state change carries this session's CSRF token. */
  public static boolean csrfOk(RoutingContext rc) {
    Session s = rc.session();
    if (s == null) return false;
    String expected = s.get(SESSION_CSRF);
    if (expected == null) return false;
    String given = rc.request().getHeader(CSRF_HEADER);
    if (given == null) given = rc.request().getFormAttribute(CSRF_FIELD);
    return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }
}
