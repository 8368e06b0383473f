package dev.maestro.gateway;

import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.services.FakeSessionService;
import dev.maestro.testkit.TestEnv;
import dev.maestro.testkit.services.FakeAuthService;
import dev.maestro.testkit.services.FakeProviderService;
import dev.maestro.testkit.services.FakeToolService;
import dev.maestro.webui.WebUi;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.serviceproxy.ServiceBinder;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One Vert.x with fake services bound by ServiceBinder and one or more real GatewayVerticles on
 * port 0 (real PostgreSQL schema {@code gateway}, real Redis), plus HTTP and WebSocket helpers.
 */
public class GatewayFixture implements AutoCloseable {
  public static final String ADMIN_PASSWORD = "admin-test-password";

  public final Vertx vertx = Vertx.vertx();
  public final FakeSessionService sessions = FakeSessionService.recording(vertx);
  public final dev.maestro.gateway.fakes.FakeSessionRuntime runtime = new dev.maestro.gateway.fakes.FakeSessionRuntime(sessions);
  public final FakeAuthService auth = FakeAuthService.leakingSecrets().authorizeAt("https://auth.example/authorize");
  public final FakeToolService tools = FakeToolService.minimal();
  public final FakeProviderService providers = FakeProviderService.acceptingEveryKey();
  public final dev.maestro.testkit.services.FakeBudgetService budgets = new dev.maestro.testkit.services.FakeBudgetService();
  public final dev.maestro.testkit.services.FakeProjectService projects = new dev.maestro.testkit.services.FakeProjectService();
  public final List<GatewayVerticle> gateways = new ArrayList<>();
  public final WebClient client;
  public io.vertx.core.eventbus.MessageConsumer<JsonObject> sessionBinding;
  public final JsonObject config;
  private final List<WebSocket> sockets = new ArrayList<>();

  public GatewayFixture(JsonObject overrides) throws Exception {
    // cheap Argon2id parameters keep the suite fast; production defaults are tested in PasswordHasherTest
    config = TestEnv.config().put(GatewaySettings.ARGON2_MEMORY_KB, "1024").put(GatewaySettings.ARGON2_ITERATIONS, "1").mergeIn(overrides);
    TestEnv.ensureDatabase(vertx).compose(v -> TestEnv.dropSchema(vertx, GatewayVerticle.SCHEMA)).await(30, TimeUnit.SECONDS);
    // login failures from this host are counted in Redis across runs; start each fixture clean
    io.vertx.redis.client.Redis redis = io.vertx.redis.client.Redis.createClient(vertx, TestEnv.redisUrl());
    io.vertx.redis.client.RedisAPI.api(redis).del(List.of("maestro:login:addr:127.0.0.1")).eventually(redis::close)
        .await(10, TimeUnit.SECONDS);
    ServiceBinder binder = new ServiceBinder(vertx);
    sessionBinding = binder.setAddress(SessionService.ADDRESS).register(SessionService.class, sessions);
    binder.setAddress(AuthService.ADDRESS).register(AuthService.class, auth);
    binder.setAddress(ToolService.ADDRESS).register(ToolService.class, tools);
    binder.setAddress(ProviderService.ADDRESS).register(ProviderService.class, providers);
    binder.setAddress(dev.maestro.contracts.budget.BudgetService.ADDRESS).register(dev.maestro.contracts.budget.BudgetService.class, budgets);
    binder.setAddress(dev.maestro.contracts.session.SessionRuntime.ADDRESS)
        .register(dev.maestro.contracts.session.SessionRuntime.class, runtime);
    binder.setAddress(dev.maestro.contracts.project.ProjectService.ADDRESS)
        .register(dev.maestro.contracts.project.ProjectService.class, projects);
    sessions.bindFollows().completion().await(10, TimeUnit.SECONDS);
    long t0 = System.currentTimeMillis();
    addGateway();
    System.out.println("fixture: gateway started in " + (System.currentTimeMillis() - t0) + " ms");
    client = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false).setDefaultHost("127.0.0.1").setDefaultPort(port()));
  }

  public GatewayFixture() throws Exception {
    this(new JsonObject());
  }

  public GatewayVerticle addGateway() throws Exception {
    GatewayVerticle g = new GatewayVerticle();
    vertx.deployVerticle(g, new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    gateways.add(g);
    return g;
  }

  public int port() {
    return gateways.get(0).actualPort();
  }

  public record Resp(int status, MultiMap headers, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public String header(String name) {
      return headers.get(name);
    }
  }

  public Resp call(HttpMethod method, String path, String token, Object body) {
    return call(port(), method, path, token, body, null);
  }

  public Resp call(int port, HttpMethod method, String path, String token, Object body, MultiMap headers) {
    HttpRequest<Buffer> req = client.request(method, port, "127.0.0.1", path);
    if (token != null) req.putHeader("Authorization", "Bearer " + token);
    if (headers != null) req.putHeaders(headers);
    Future<HttpResponse<Buffer>> f;
    if (body == null) {
      f = req.send();
    } else if (body instanceof Buffer b) {
      f = req.sendBuffer(b);
    } else if (body instanceof String s) {
      if (headers == null || headers.get("Content-Type") == null) req.putHeader("Content-Type", "application/json");
      f = req.sendBuffer(Buffer.buffer(s));
    } else {
      f = req.sendJson(body);
    }
    try {
      HttpResponse<Buffer> r = f.await(20, TimeUnit.SECONDS);
      return new Resp(r.statusCode(), r.headers(), r.bodyAsString() == null ? "" : r.bodyAsString());
    } catch (Exception e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    }
  }

  public Resp get(String path, String token) {
    return call(HttpMethod.GET, path, token, null);
  }

  public Resp post(String path, String token, Object body) {
    return call(HttpMethod.POST, path, token, body);
  }

  /** A fresh API token for username/password. */
  public String token(String username, String password) {
    Resp r = post("/api/v1/auth/token", null, new JsonObject().put("username", username).put("password", password)
        .put("name", "test-" + UUID.randomUUID()));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("token");
  }

  public String adminToken() {
    return token("admin", ADMIN_PASSWORD);
  }

  /** Creates a user (as admin) → {id, token}. */
  public JsonObject newUser(String adminToken, String role) {
    String name = "u" + UUID.randomUUID().toString().substring(0, 8);
    Resp r = post("/api/v1/users", adminToken, new JsonObject().put("username", name).put("password", "password-" + name).put("role", role));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return new JsonObject().put("id", r.json().getString("id")).put("username", name)
        .put("token", token(name, "password-" + name));
  }

  public String newSession(String token) {
    Resp r = post("/api/v1/sessions", token, new JsonObject().put("provider", "openai").put("model", "gpt-test").put("title", "t"));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  /** A WebSocket client that queues every text frame and remembers how it closed. */
  public class Ws {
    public final WebSocket socket;
    public final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    public volatile Short closeCode;
    public volatile String closeReason;

    Ws(WebSocket socket) {
      this.socket = socket;
      socket.textMessageHandler(t -> frames.add(new JsonObject(t)));
      socket.closeHandler(v -> {
        closeCode = socket.closeStatusCode() == null ? -1 : socket.closeStatusCode();
        closeReason = socket.closeReason();
      });
    }

    public void send(JsonObject frame) {
      socket.writeTextMessage(frame.encode()).await();
    }

    public void sendText(String text) {
      socket.writeTextMessage(text).await();
    }

    /** The next frame matching, skipping others; fails after the timeout. */
    public JsonObject next(Predicate<JsonObject> match, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        JsonObject f = left <= 0 ? null : frames.poll(left, TimeUnit.NANOSECONDS);
        if (f == null) throw new AssertionError("no matching frame within " + timeout + "; close=" + closeCode);
        if (match.test(f)) return f;
      }
    }

    public JsonObject next(String type) throws InterruptedException {
      return next(f -> type.equals(f.getString("type")), Duration.ofSeconds(10));
    }

    public short awaitClose(Duration timeout) throws InterruptedException {
      Awaitility.await("socket closed").atMost(timeout).pollInterval(Duration.ofMillis(10)).until(() -> closeCode != null);
      return closeCode;
    }
  }

  /**
   * One client for every socket of the fixture, held in a field: a Vert.x 5 client nobody references is shut
   * down by a Cleaner when the GC runs, closing its sockets (mid-handshake or mid-test).
   */
  private WebSocketClient wsc;

  public Ws ws(int port, String token, MultiMap headers, String query) throws Exception {
    if (wsc == null) wsc = vertx.createWebSocketClient();
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/api/v1/ws" + (query == null ? "" : "?" + query));
    if (token != null) o.addHeader("Authorization", "Bearer " + token);
    if (headers != null) headers.forEach(o::addHeader);
    WebSocket s = wsc.connect(o).await(10, TimeUnit.SECONDS);
    sockets.add(s);
    return new Ws(s);
  }

  public Ws ws(String token) throws Exception {
    return ws(port(), token, null, null);
  }

  /** Subscribes and waits for the ack (the bus consumer is registered by then). */
  public void subscribe(Ws ws, String sessionId, Long afterSeq) throws InterruptedException {
    JsonObject f = new JsonObject().put("type", "subscribe").put("sessionId", sessionId);
    if (afterSeq != null) f.put("afterSeq", afterSeq);
    ws.send(f);
    ws.next(x -> "ack".equals(x.getString("type")) && "subscribe".equals(x.getString("action"))
        && sessionId.equals(x.getString("sessionId")), Duration.ofSeconds(10));
  }

  private boolean testLoginMounted;

  /** Signs a browser in through a test-only route → {cookie, csrf}. */
  public JsonObject browserLogin(String username, String password) {
    if (!testLoginMounted) {
      // mounted once: the credentials travel in headers, so every call signs in whom it names
      testLoginMounted = true;
      gateways.get(0).router().post("/__test/login").handler(rc -> {
        gateways.get(0).webUiGateway().login(rc.request().getHeader("X-Test-User"), rc.request().getHeader("X-Test-Password"), "127.0.0.1")
            .onSuccess(principal -> {
              rc.session().regenerateId();
              String csrf = UUID.randomUUID().toString();
              rc.session().put(WebUi.SESSION_USER, principal);
              rc.session().put(WebUi.SESSION_CSRF, csrf);
              rc.json(new JsonObject().put("csrf", csrf));
            }).onFailure(rc::fail);
      });
    }
    Resp r = call(port(), HttpMethod.POST, "/__test/login", null, null,
        MultiMap.caseInsensitiveMultiMap().add("X-Test-User", username).add("X-Test-Password", password));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    String cookie = r.headers().getAll("Set-Cookie").stream().filter(c -> c.startsWith(WebUi.COOKIE_NAME + "="))
        .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElseThrow();
    return new JsonObject().put("cookie", cookie).put("csrf", r.json().getString("csrf"));
  }

  @Override
  public void close() throws Exception {
    for (WebSocket s : sockets) {
      try {
        s.close().await(2, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // already closed by the server
      }
    }
    long t0 = System.currentTimeMillis();
    vertx.close().await(30, TimeUnit.SECONDS);
    System.out.println("fixture: vertx closed in " + (System.currentTimeMillis() - t0) + " ms");
  }

  /** Signs {@code user} in through the login form (password {@code password-<username>}) → {cookie, csrf}. */
  public String[] browser(JsonObject user) {
    var r = client.post(port(), "127.0.0.1", "/login").sendForm(io.vertx.core.MultiMap.caseInsensitiveMultiMap()
        .add("username", user.getString("username")).add("password", "password-" + user.getString("username"))).await();
    String cookie = r.cookies().stream().filter(c -> c.startsWith("maestro_session=")).map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElseThrow();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"").matcher(page(cookie, "/sessions"));
    assertThat(m.find()).isTrue();
    return new String[] {cookie, m.group(1)};
  }

  /** A page's HTML as the browser session with this cookie sees it. */
  public String page(String cookie, String path) {
    return client.get(port(), "127.0.0.1", path).putHeader("Cookie", cookie).send().await().bodyAsString();
  }

  /** Posts a form as a browser session from {@link #browser}; → the status (not following redirects). */
  public int form(String[] browser, String path, String... pairs) {
    io.vertx.core.MultiMap f = io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("_csrf", browser[1]);
    for (int i = 0; i < pairs.length; i += 2) f.add(pairs[i], pairs[i + 1]);
    return client.post(port(), "127.0.0.1", path).putHeader("Cookie", browser[0]).sendForm(f).await().statusCode();
  }

}
