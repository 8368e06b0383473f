package dev.maestro.session;

import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.session.SessionEvents;
import dev.maestro.contracts.provider.ProviderService;
import dev.maestro.contracts.session.SessionService;
import dev.maestro.contracts.tool.ToolService;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** One Vert.x with session-service and the scripted provider and tool fakes; helpers for tests. */
final class Harness {
  final Vertx vertx;
  final FakeProvider provider;
  final FakeTools tools;
  final SessionService sessions;
  final SessionServiceVerticle verticle;

  private Harness(Vertx vertx, FakeProvider provider, FakeTools tools, SessionServiceVerticle verticle) {
    this.vertx = vertx;
    this.provider = provider;
    this.tools = tools;
    this.verticle = verticle;
    this.sessions = SessionService.createProxy(vertx);
  }

  static void resetSchema() throws Exception {
    Vertx v = Vertx.vertx();
    try {
      TestEnv.ensureDatabase(v).await(20, TimeUnit.SECONDS);
      TestEnv.dropSchema(v, SessionServiceVerticle.SCHEMA).await(20, TimeUnit.SECONDS);
    } finally {
      v.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Waits until {@code node} can reach session-service over the clustered bus: a handler registered on
   * another member is known to this one only once Hazelcast has spread the subscription, so a first
   * call right after start-up can fail with NO_HANDLERS. Any answer (even a refusal) means reachable.
   */
  static void awaitSessionServiceFrom(Vertx node) {
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
      try {
        node.eventBus().request(Addresses.SESSION_SERVICE, new JsonObject(),
            new io.vertx.core.eventbus.DeliveryOptions().addHeader("action", "list").setSendTimeout(5_000)).await(10, TimeUnit.SECONDS);
        return true;
      } catch (Exception e) {
        Throwable c = e;
        while (c != null && !(c instanceof io.vertx.core.eventbus.ReplyException)) c = c.getCause();
        return c == null || ((io.vertx.core.eventbus.ReplyException) c).failureType() != io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS;
      }
    });
  }

  static Harness start(JsonObject extraConfig) throws Exception {
    return start(Vertx.vertx(), extraConfig, true);
  }

  static Harness start(Vertx vertx, JsonObject extraConfig, boolean withFakes) throws Exception {
    FakeProvider provider = new FakeProvider(vertx);
    FakeTools tools = new FakeTools(vertx);
    if (withFakes) {
      new ServiceBinder(vertx).setAddress(ProviderService.ADDRESS).register(ProviderService.class, provider)
          .completion().await(20, TimeUnit.SECONDS);
      new ServiceBinder(vertx).setAddress(ToolService.ADDRESS).register(ToolService.class, tools)
          .completion().await(20, TimeUnit.SECONDS);
    }
    SessionServiceVerticle verticle = new SessionServiceVerticle();
    JsonObject config = TestEnv.config().mergeIn(extraConfig == null ? new JsonObject() : extraConfig);
    vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
    return new Harness(vertx, provider, tools, verticle);
  }

  /** The same with the real auth-service deployed first (credential ownership is checked against it). */
  static Harness startWithAuth(JsonObject extraConfig) throws Exception {
    Vertx vertx = Vertx.vertx();
    JsonObject config = TestEnv.config().mergeIn(extraConfig == null ? new JsonObject() : extraConfig);
    vertx.deployVerticle(new dev.maestro.auth.AuthServiceVerticle(), new DeploymentOptions().setConfig(config))
        .await(60, TimeUnit.SECONDS);
    return start(vertx, extraConfig, true);
  }

  /** A node with only the fakes (no session-service). */
  static Harness startFakesOnly(Vertx vertx) throws Exception {
    FakeProvider provider = new FakeProvider(vertx);
    FakeTools tools = new FakeTools(vertx);
    new ServiceBinder(vertx).setAddress(ProviderService.ADDRESS).register(ProviderService.class, provider)
        .completion().await(20, TimeUnit.SECONDS);
    new ServiceBinder(vertx).setAddress(ToolService.ADDRESS).register(ToolService.class, tools)
        .completion().await(20, TimeUnit.SECONDS);
    return new Harness(vertx, provider, tools, null);
  }

  void close() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  /** Two connections of the test's own beside the service's pool: to hold a user's lock from outside, or read rows. */
  io.vertx.sqlclient.Pool outsidePool() {
    return io.vertx.pgclient.PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(2))
        .connectingTo(io.vertx.pgclient.PgConnectOptions.fromUri(TestEnv.pgUrl())).using(vertx).build();
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.await(20, TimeUnit.SECONDS);
  }

  /** A call expected to fail (for assertThatThrownBy over checked calls). */
  interface ThrowingCall {
    void run() throws Exception;
  }

  static String newUser() {
    return "user-" + UUID.randomUUID();
  }

  JsonObject newSession(String user, JsonObject extra) throws Exception {
    JsonObject spec = new JsonObject().put("title", "test session").put("provider", "anthropic").put("model", "claude-sonnet-4-5");
    if (extra != null) spec.mergeIn(extra);
    return await(sessions.create(user, spec));
  }

  /** Records every event of one session, followed through this node's inbox like a gateway follows it. */
  Recorder record(String sessionId) throws Exception {
    Recorder r = new Recorder();
    r.follow = dev.maestro.platform.SessionInbox.of(vertx).follow(null, sessionId, e -> r.events.add(SessionEvents.read(e.bytes())));
    await(r.follow.ready());
    return r;
  }

  static final class Recorder {
    final List<JsonObject> events = new CopyOnWriteArrayList<>();
    dev.maestro.platform.SessionInbox.Follow follow;

    /** Waits (with a deadline) until an event matches; returns it. */
    JsonObject await(Predicate<JsonObject> match, long timeoutMs) throws InterruptedException {
      try {
        return Awaitility.await().atMost(Duration.ofMillis(timeoutMs)).pollInterval(Duration.ofMillis(10))
            .until(() -> events.stream().filter(e -> match.test(e.getJsonObject("event"))).findFirst(), Optional::isPresent)
            .orElseThrow();
      } catch (ConditionTimeoutException e) {
        throw new AssertionError("no matching event within " + timeoutMs + " ms; got " + types(), e);
      }
    }

    JsonObject awaitType(String type) throws InterruptedException {
      return await(e -> type.equals(e.getString("type")), 10_000);
    }

    /** Waits for the n-th turn_completed (1-based). */
    JsonObject awaitTurnCompleted(int n) throws InterruptedException {
      try {
        return Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
            .until(() -> ofType("turn_completed"), done -> done.size() >= n).get(n - 1);
      } catch (ConditionTimeoutException e) {
        throw new AssertionError("turn_completed #" + n + " did not come; got " + types(), e);
      }
    }

    List<JsonObject> ofType(String type) {
      List<JsonObject> out = new ArrayList<>();
      for (JsonObject e : events) if (type.equals(e.getJsonObject("event").getString("type"))) out.add(e);
      return out;
    }

    List<String> types() {
      List<String> out = new ArrayList<>();
      for (JsonObject e : events) out.add(e.getJsonObject("event").getString("type"));
      return out;
    }
  }
}
