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
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where tests find the real PostgreSQL and Redis that {@code deploy/maestro test} makes sure are up.
 * Override with MAESTRO_TEST_PG_URL / MAESTRO_TEST_REDIS_URL.
 *
 * <p>Modules test concurrently ({@code mvn -T 2}), system-tests in two surefire forks, and tests drop and
 * migrate whole schemas: so each module and fork gets its own database and Redis db, derived from the base
 * URLs with two system properties the parent pom's surefire configuration sets: {@code MAESTRO_TEST_DB_SUFFIX}
 * (the module's artifactId) and {@code MAESTRO_TEST_FORK} ("fork" + {@code surefire.forkNumber}, a number
 * that surefire keeps unique among the forks running at one time, across the modules of a parallel build:
 * 1 to forkCount × the -T thread count). Without them (a test run from an IDE) the base URLs are used as they are.
 */
public final class TestEnv {
  private TestEnv() {}

  /**
   * Tests talk to fake upstreams, OAuth and MCP servers on loopback ports picked at random, so their
   * services may reach any loopback port (hostile tests set a stricter list themselves).
   */
  public static final String ALLOWED_PRIVATE_HOSTS = "127.0.0.0/8:*,[::1]:*,localhost:*";

  /** Databases this JVM has made sure exist (once each: a test class may start before any other created it). */
  private static final Set<String> ENSURED = ConcurrentHashMap.newKeySet();

  /**
   * This module's (and fork's) test database: the base MAESTRO_TEST_PG_URL's database name plus
   * "_artifactId" and, for fork numbers above 1, "_forkNumber" (e.g. maestro_test_system_tests_2).
   * Created on first use.
   */
  public static String pgUrl() {
    String url = derivedPgUrl();
    if (!url.equals(basePgUrl()) && !ENSURED.contains(url)) {
      createDatabase(url);
    }
    return url;
  }

  /** The base database URL (MAESTRO_TEST_PG_URL) that per-module database names derive from. */
  public static String basePgUrl() {
    return env("MAESTRO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/maestro_test");
  }

  /**
   * MAESTRO_TEST_REDIS_URL with its db number moved by the fork number minus one (mod 16): the forks that
   * run at one time (at most 4: two modules, two forks each) never share a Redis db.
   */
  public static String redisUrl() {
    String base = env("MAESTRO_TEST_REDIS_URL", "redis://127.0.0.1:6379/7");
    int shift = fork() - 1;
    if (shift == 0) {
      return base;
    }
    Matcher m = Pattern.compile("^(rediss?://[^/?]*)(?:/(\\d+))?(\\?.*)?$").matcher(base);
    if (!m.matches()) {
      throw new IllegalStateException("cannot derive a per-module Redis db from MAESTRO_TEST_REDIS_URL=" + base);
    }
    int db = (m.group(2) == null ? 0 : Integer.parseInt(m.group(2))) + shift;
    return m.group(1) + "/" + Math.floorMod(db, 16) + (m.group(3) == null ? "" : m.group(3));
  }

  /**
   * The first Hazelcast port of this fork's test members: 15701 for fork 1, then 100 more per fork, so JVMs
   * that test at one time never share a range. A member without a port in its member list looks for the
   * others only on the first three ports of the range (hazelcast.tcp.join.port.try.count): a cluster
   * whose members were pushed up the range by another JVM's members did not find itself (seen with two
   * system-tests forks: five single-member clusters, "a service is not running").
   */
  public static int clusterPort() {
    return 15701 + 100 * (fork() - 1);
  }

  static String derivedPgUrl() {
    String suffix = System.getProperty("MAESTRO_TEST_DB_SUFFIX", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    if (fork() > 1) {
      suffix = suffix + "_" + fork();
    }
    String base = basePgUrl();
    return suffix.isEmpty() ? base
        : base.replaceFirst("/([^/?]+)(\\?|$)", "/$1_" + Matcher.quoteReplacement(suffix.replaceFirst("^_", "")) + "$2");
  }

  /** surefire.forkNumber of this JVM (the pom passes "fork&lt;n&gt;"); 1 outside surefire or when unresolved. */
  private static int fork() {
    String v = System.getProperty("MAESTRO_TEST_FORK", "").replaceFirst("^fork", "");
    return v.matches("\\d+") ? Math.max(1, Integer.parseInt(v)) : 1;
  }

  private static synchronized void createDatabase(String url) {
    if (ENSURED.contains(url)) {
      return;
    }
    // a private Vert.x instance, so this works from any thread (and from a test's own event loop) once per JVM
    Vertx vertx = Vertx.vertx();
    try {
      ensureDatabase(vertx, url).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      ENSURED.add(url);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create the test database of " + url, e);
    } finally {
      vertx.close();
    }
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
    return ensureDatabase(vertx, derivedPgUrl());
  }

  private static Future<Void> ensureDatabase(Vertx vertx, String url) {
    PgConnectOptions target = PgConnectOptions.fromUri(url);
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
