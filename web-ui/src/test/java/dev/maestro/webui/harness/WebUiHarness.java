package dev.maestro.webui.harness;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.TestEnv;
import dev.maestro.testkit.services.FakeAuthService;
import dev.maestro.testkit.services.FakeProviderService;
import dev.maestro.testkit.services.FakeSessionService;
import dev.maestro.testkit.services.FakeToolService;
import dev.maestro.webui.WebUi;
import dev.maestro.webui.WebUiGateway;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.redis.client.Redis;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.serviceproxy.ServiceException;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in gateway for web-UI tests: real cookie sessions in Redis, fake services on the bus,
 * the WebSocket and users API of {@link FakeGatewayApi}, and the real {@link WebUi#mountPages}.
 * Run {@link #main} to click through the UI by hand (admin / admin-password).
 */
public final class WebUiHarness {
  public static final String ADMIN = "admin";
  public static final String ADMIN_PASSWORD = "admin-password";
  public static final String MEMBER = "mia";
  public static final String MEMBER_PASSWORD = "mia-password";
  /** Logging in as this user answers 429 with retryAfter 42. */
  public static final String THROTTLED = "throttled";

  public final Vertx vertx;
  public final FakeSessionService sessions;
  public final FakeAuthService auth;
  public final FakeProviderService providers;
  public final FakeToolService tools;
  public final FakeGatewayApi api;
  public final AtomicInteger logins = new AtomicInteger();
  private HttpServer server;

  public WebUiHarness(Vertx vertx) {
    this.vertx = vertx;
    this.sessions = FakeSessionService.demo(vertx);
    this.auth = FakeAuthService.likeTheRealService();
    this.providers = FakeProviderService.checkingKeys(auth, key -> key.startsWith("sk-"))
        .models(new JsonObject().put("id", "fake-small").put("displayName", "Fake Small"),
            new JsonObject().put("id", "fake-large").put("displayName", "Fake Large <b>beta</b>"));
    this.tools = FakeToolService.demo();
    this.api = new FakeGatewayApi(vertx);
    this.gateway = new FakeOperations(vertx, this);
  }

  static final Map<String, JsonObject> USERS = Map.of(
      ADMIN, new JsonObject().put("userId", "u-admin").put("username", ADMIN).put("role", "admin").put("password", ADMIN_PASSWORD),
      MEMBER, new JsonObject().put("userId", "u-mia").put("username", MEMBER).put("role", "member").put("password", MEMBER_PASSWORD));

  /** Operation ids the pages called, in order (tests check the pages go through operations). */
  public final java.util.Queue<String> calls = new java.util.concurrent.ConcurrentLinkedQueue<>();
  final WebUiGateway gateway;

  Future<JsonObject> login(String username, String password) {
    logins.incrementAndGet();
    if (THROTTLED.equals(username)) return ServiceException.fail(ErrorCodes.TOO_MANY, "slow down", new JsonObject().put("retryAfter", 42));
    JsonObject u = USERS.get(username);
    if (u == null || !u.getString("password").equals(password)) return ServiceException.fail(ErrorCodes.UNAUTHORIZED, "wrong credentials");
    JsonObject p = u.copy();
    p.remove("password");
    return Future.succeededFuture(p);
  }

  /** Demotes, promotes or (role null) deletes a user in the fake user store, as an admin would. */
  public void setRole(String userId, String role) {
    if (role == null) api.users.remove(userId);
    else api.users.get(userId).put("role", role);
  }

  /** → the port it listens on (127.0.0.1). */
  public Future<Integer> start() {
    ServiceBinder binder = new ServiceBinder(vertx);
    binder.setAddress(SessionService.ADDRESS).register(SessionService.class, sessions);
    binder.setAddress(AuthService.ADDRESS).register(AuthService.class, auth);
    binder.setAddress(ProviderService.ADDRESS).register(ProviderService.class, providers);
    binder.setAddress(ToolService.ADDRESS).register(ToolService.class, tools);
    api.users.put("u-admin", new JsonObject().put("id", "u-admin").put("username", ADMIN).put("role", "admin"));
    api.users.put("u-mia", new JsonObject().put("id", "u-mia").put("username", MEMBER).put("role", "member"));

    Router router = Router.router(vertx);
    WebUi.installSessions(vertx, router, Redis.createClient(vertx, TestEnv.redisUrl()));
    api.mount(router);
    WebUi.mountPages(vertx, router, gateway);
    return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").map(s -> {
      server = s;
      return s.actualPort();
    });
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    WebUiHarness h = new WebUiHarness(vertx);
    h.sessions.hideLastSeq = Boolean.getBoolean("harness.hideLastSeq");
    int port = h.start().await();
    System.out.println("web UI harness on http://127.0.0.1:" + port + "/ (admin / " + ADMIN_PASSWORD + ")");
  }
}
