package dev.maestro.testkit;

import dev.maestro.platform.MaestroConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Where tests find the real PostgreSQL and Redis that {@code deploy/maestro test} makes sure are up.
 * Override with MAESTRO_TEST_PG_URL / MAESTRO_TEST_REDIS_URL.
 */
public final class TestEnv {
  private TestEnv() {}

  /**
   * Tests talk to fake upstreams, OAuth and MCP servers on loopback ports picked at random, so their
   * services may reach any loopback port (hostile tests set a stricter list themselves).
   */
  public static final String ALLOWED_PRIVATE_HOSTS = "127.0.0.0/8:*,[::1]:*,localhost:*";

  public static String pgUrl() {
    return env("MAESTRO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/maestro_test");
  }

  public static String redisUrl() {
    return env("MAESTRO_TEST_REDIS_URL", "redis://127.0.0.1:6379/7");
  }

  /** A configuration for services under test: test database, HTTP port 0, a fresh data dir. */
  public static JsonObject config() {
    Path dataDir;
    try {
      dataDir = Files.createTempDirectory("maestro-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new JsonObject()
        .put(MaestroConfig.PG_URL, pgUrl())
        .put(MaestroConfig.REDIS_URL, redisUrl())
        .put(MaestroConfig.HTTP_HOST, "127.0.0.1")
        .put(MaestroConfig.HTTP_PORT, "0")
        .put(MaestroConfig.DATA_DIR, dataDir.toString())
        .put(MaestroConfig.ADMIN_PASSWORD, "admin-test-password")
        .put(MaestroConfig.MASTER_KEY, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
        .put(MaestroConfig.STARTUP_TIMEOUT, "20")
        .put(MaestroConfig.ALLOWED_PRIVATE_HOSTS, ALLOWED_PRIVATE_HOSTS)
        .put(MaestroConfig.CLUSTER_NAME, "test-" + UUID.randomUUID());
  }

  /** Creates the test database when it does not exist yet. */
  public static Future<Void> ensureDatabase(Vertx vertx) {
    PgConnectOptions target = PgConnectOptions.fromUri(pgUrl());
    PgConnectOptions admin = new PgConnectOptions(target).setDatabase("postgres");
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(admin).using(vertx).build();
    return pool.preparedQuery("SELECT 1 FROM pg_database WHERE datname = $1").execute(Tuple.of(target.getDatabase()))
        .compose(rows -> rows.size() > 0 ? Future.succeededFuture()
            : pool.query("CREATE DATABASE \"" + target.getDatabase().replace("\"", "") + "\"").execute()
                .recover(err -> String.valueOf(err.getMessage()).contains("already exists")
                    ? Future.succeededFuture() : Future.failedFuture(err)))
        .<Void>mapEmpty()
        .eventually(pool::close);
  }

  /** Drops a service's schema so the next start migrates from scratch. */
  public static Future<Void> dropSchema(Vertx vertx, String schema) {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(PgConnectOptions.fromUri(pgUrl())).using(vertx).build();
    return pool.query("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE").execute().<Void>mapEmpty()
        .eventually(pool::close);
  }

  private static String env(String name, String def) {
    String v = System.getProperty(name, System.getenv(name));
    return v == null || v.isBlank() ? def : v;
  }
}
