package dev.maestro.auth;

import dev.maestro.testkit.oidc.OidcServer;
import dev.maestro.testkit.oidc.LoginDriver;
import dev.maestro.contracts.Addresses;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.platform.Database;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.testkit.TestEnv;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.Row;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Starts auth-service instances (each its own Vert.x, like separate processes sharing PostgreSQL)
 * against a freshly dropped schema, and offers direct SQL access for assertions.
 */
abstract class AuthTestBase {
  static final long T = 30;
  protected JsonObject config;
  protected Vertx testVertx;
  private Pool db;
  private final List<Vertx> instances = new ArrayList<>();

  record Instance(Vertx vertx, AuthService auth) {}

  /**
   * The test database of TestEnv with a "_auth" suffix: the machine's maestro_test is shared with
   * other modules' test runs, and one of them dropping schema auth mid-test was seen here.
   */
  static String pgUrl() {
    return TestEnv.pgUrl().replaceFirst("/([^/?]+)(\\?|$)", "/$1_auth$2");
  }

  @BeforeEach
  void freshSchema() throws Exception {
    testVertx = Vertx.vertx();
    ensureDatabase();
    config = TestEnv.config().put(MaestroConfig.PG_URL, pgUrl()).put(AuthServiceVerticle.REFRESH_PERIOD_MS, "200");
    Pool admin = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(PgConnectOptions.fromUri(pgUrl())).using(testVertx).build();
    admin.query("DROP SCHEMA IF EXISTS auth CASCADE").execute().eventually(admin::close).await(T, TimeUnit.SECONDS);
  }

  private void ensureDatabase() throws Exception {
    PgConnectOptions target = PgConnectOptions.fromUri(pgUrl());
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(new PgConnectOptions(target).setDatabase("postgres")).using(testVertx).build();
    try {
      boolean exists = pool.preparedQuery("SELECT 1 FROM pg_database WHERE datname = $1").execute(Tuple.of(target.getDatabase()))
          .await(T, TimeUnit.SECONDS).size() > 0;
      if (!exists) {
        pool.query("CREATE DATABASE \"" + target.getDatabase() + "\"").execute()
            .recover(err -> String.valueOf(err.getMessage()).contains("already exists") ? Future.succeededFuture() : Future.failedFuture(err))
            .await(T, TimeUnit.SECONDS);
      }
    } finally {
      pool.close().await(T, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void stopAll() throws Exception {
    for (Vertx v : instances) v.close().await(T, TimeUnit.SECONDS);
    instances.clear();
    if (db != null) db.close().await(T, TimeUnit.SECONDS);
    testVertx.close().await(T, TimeUnit.SECONDS);
  }

  Instance start() throws Exception {
    return start(config);
  }

  Instance start(JsonObject cfg) throws Exception {
    Vertx v = Vertx.vertx();
    instances.add(v);
    v.deployVerticle(new AuthServiceVerticle(), new DeploymentOptions().setConfig(cfg)).await(T, TimeUnit.SECONDS);
    return new Instance(v, AuthService.createProxy(v));
  }

  void stop(Instance i) throws Exception {
    instances.remove(i.vertx());
    i.vertx().close().await(T, TimeUnit.SECONDS);
  }

  Pool db() {
    if (db == null) db = Database.pool(testVertx, MaestroConfig.of(config), AuthServiceVerticle.SCHEMA, 2);
    return db;
  }

  List<Row> sql(String query) throws Exception {
    List<Row> out = new ArrayList<>();
    db().query(query).execute().await(T, TimeUnit.SECONDS).forEach(out::add);
    return out;
  }

  static <X> X await(Future<X> f) throws Exception {
    return f.await(T, TimeUnit.SECONDS);
  }

  static ServiceException failure(Future<?> f) throws Exception {
    try {
      f.await(T, TimeUnit.SECONDS);
    } catch (ServiceException e) {
      return e;
    }
    return fail("expected a ServiceException");
  }

  static BlockingQueue<JsonObject> statusEvents(Instance i) throws Exception {
    BlockingQueue<JsonObject> q = new LinkedBlockingQueue<>();
    i.vertx().eventBus().<JsonObject>consumer(Addresses.CREDENTIAL_STATUS, m -> q.add(m.body())).completion()
        .await(T, TimeUnit.SECONDS);
    return q;
  }

  /** What {@link Addresses#CREDENTIAL_CHANGED} announces (provider-service drops its cached secret on it). */
  static BlockingQueue<JsonObject> changeEvents(Instance i) throws Exception {
    BlockingQueue<JsonObject> q = new LinkedBlockingQueue<>();
    i.vertx().eventBus().<JsonObject>consumer(Addresses.CREDENTIAL_CHANGED, m -> q.add(m.body())).completion()
        .await(T, TimeUnit.SECONDS);
    return q;
  }

  static void eventually(String what, long timeoutMs, BooleanSupplier check) throws InterruptedException {
    Awaitility.await(what).atMost(Duration.ofMillis(timeoutMs)).pollInterval(Duration.ofMillis(50)).until(check::getAsBoolean);
  }

  /** Every row of every table of schema auth, as text (bytea shows as \x hex). */
  List<String> everyRowOfSchemaAuth() throws Exception {
    List<String> rows = new ArrayList<>();
    for (Row t : sql("SELECT table_name FROM information_schema.tables WHERE table_schema='auth'")) {
      for (Row r : sql("SELECT t::text AS row FROM auth.\"" + t.getString("table_name") + "\" t")) rows.add(r.getString("row"));
    }
    return rows;
  }

  void assertNoPlaintext(List<String> secrets) throws Exception {
    List<String> rows = everyRowOfSchemaAuth();
    assertThat(rows).isNotEmpty();
    for (String s : secrets) {
      String hex = java.util.HexFormat.of().formatHex(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      String b64 = java.util.Base64.getEncoder().encodeToString(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      for (String row : rows) {
        assertThat(row).doesNotContain(s).doesNotContain(hex).doesNotContain(b64);
      }
    }
  }

  static JsonObject oauthClientFor(OidcServer oidc) {
    return new JsonObject().put("provider", "openai").put("name", "test oidc-provider")
        .put("authorizeUrl", oidc.authorizeUrl()).put("tokenUrl", oidc.tokenUrl())
        .put("clientId", OidcServer.CLIENT_ID).put("clientSecret", OidcServer.CLIENT_SECRET)
        .put("scopes", new JsonArray().add("openid"));
  }

  /** The full sign-in over HTTP: start → authorization server login + consent → callback → credential. */
  static JsonObject signIn(AuthService auth, String userId, String oauthClientId, String account) throws Exception {
    JsonObject started = await(auth.startOAuth(userId, "openai",
        new JsonObject().put("label", "login " + account).put("oauthClientId", oauthClientId), OidcServer.REDIRECT_URI));
    LoginDriver.Callback cb = LoginDriver.login(started.getString("authorizeUrl"), account);
    assertThat(cb.error()).as("authorization error").isNull();
    assertThat(cb.state()).isEqualTo(started.getString("state"));
    return await(auth.completeOAuth(userId, cb.state(), cb.code()));
  }
}
