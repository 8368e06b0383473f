package dev.maestro.platform;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * PostgreSQL for one service: a reactive pool whose {@code search_path} is the service's own
 * schema, and the Flyway migrations of that schema (blocking, so run off the event loop).
 */
public final class Database {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private Database() {}

  public static PgConnectOptions connectOptions(String pgUrl, String schema) {
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(pgUrl);
    } catch (RuntimeException e) {
      throw new StartupException(MaestroConfig.PG_URL + " is not a valid PostgreSQL URL: '" + redact(pgUrl) + "'");
    }
    options.setReconnectAttempts(2).setReconnectInterval(500);
    // Every statement of the services is a fixed SQL text with parameters: cache its server-side
    // prepared form per connection (saves a Parse round per execution; issue 14).
    options.setCachePreparedStatements(true).setPreparedStatementCacheMaxSize(256);
    if (schema != null) options.addProperty("search_path", schema + ",public");
    options.addProperty("application_name", "maestro-" + (schema == null ? "admin" : schema));
    return options;
  }

  /** The pool reconnects by itself: a lost connection is replaced on the next use, no restart needed. */
  public static Pool pool(Vertx vertx, MaestroConfig config, String schema, int maxSize) {
    return pool(vertx, config, schema, maxSize, DEFAULT_WAIT_QUEUE);
  }

  /** Requests waiting for a connection beyond which the pool refuses (the 503 "overloaded" of ServiceFailures). */
  public static final int DEFAULT_WAIT_QUEUE = 1024;

  /** The same with the pool's own wait queue bounded at maxWaitQueue requests. */
  public static Pool pool(Vertx vertx, MaestroConfig config, String schema, int maxSize, int maxWaitQueue) {
    return pool(vertx, config, schema, maxSize, maxWaitQueue, 0);
  }

  /**
   * The same, and PostgreSQL ends any transaction of these connections that waits for its client longer than
   * idleInTransactionMs (0: never; {@code idle_in_transaction_session_timeout}, sent at connect), closing
   * that connection. For a service whose transactions are SQL only, pipelined, over in milliseconds: a node
   * cut off by a network partition mid-transaction otherwise keeps the transaction's locks for as long as
   * the cut lasts plus TCP's retransmission backoff, and every other node waits on them (chaos partition:
   * the per-user lock of turn starts and the user's budget row stalled the whole cluster 12–15 s). Not
   * for a service that holds a transaction across a remote call (auth's OAuth refresh).
   */
  public static Pool pool(Vertx vertx, MaestroConfig config, String schema, int maxSize, int maxWaitQueue,
                          int idleInTransactionMs) {
    PgConnectOptions options = connectOptions(config.pgUrl(), schema);
    if (idleInTransactionMs > 0) options.addProperty(IDLE_IN_TRANSACTION, String.valueOf(idleInTransactionMs));
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(maxSize).setMaxWaitQueueSize(maxWaitQueue).setIdleTimeout(60)
            .setPoolCleanerPeriod(10_000))
        .connectingTo(options)
        .using(vertx)
        .build();
  }

  /** The PostgreSQL setting {@link #pool(Vertx, MaestroConfig, String, int, int, int)} sets. */
  static final String IDLE_IN_TRANSACTION = "idle_in_transaction_session_timeout";

  /**
   * Waits for PostgreSQL (visible backoff, bounded by MAESTRO_STARTUP_TIMEOUT_SECONDS), then applies
   * {@code classpath:db/<schema>} to schema {@code schema}. A second run is a no-op.
   */
  public static Future<Integer> migrate(Vertx vertx, MaestroConfig config, String schema) {
    PgConnectOptions o = connectOptions(config.pgUrl(), null);
    String what = "PostgreSQL at " + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
    return Retry.atStartup(vertx, what, MaestroConfig.PG_URL, config.startupTimeoutSeconds(),
        () -> vertx.executeBlocking(() -> runFlyway(config.pgUrl(), schema), false));
  }

  private static int runFlyway(String pgUrl, String schema) {
    Jdbc jdbc = Jdbc.from(pgUrl);
    Flyway flyway = Flyway.configure(Database.class.getClassLoader())
        .dataSource(jdbc.url, jdbc.user, jdbc.password)
        .schemas(schema)
        .defaultSchema(schema)
        .createSchemas(true)
        .locations("classpath:db/" + schema)
        .connectRetries(0)
        .load();
    MigrateResult result = flyway.migrate();
    if (result.migrationsExecuted > 0) {
      LOG.info("schema {}: applied {} migration(s), now at version {}", schema, result.migrationsExecuted, result.targetSchemaVersion);
    } else {
      LOG.info("schema {}: up to date", schema);
    }
    return result.migrationsExecuted;
  }

  /** postgresql://user:pw@host:port/db?x=y → JDBC url, user, password. */
  record Jdbc(String url, String user, String password) {
    static Jdbc from(String pgUrl) {
      URI uri = URI.create(pgUrl.replaceFirst("^postgres(ql)?://", "http://"));
      String user = "postgres";
      String password = null;
      if (uri.getRawUserInfo() != null) {
        String[] parts = uri.getRawUserInfo().split(":", 2);
        user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
        if (parts.length > 1) password = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
      }
      int port = uri.getPort() < 0 ? 5432 : uri.getPort();
      String db = uri.getPath() == null || uri.getPath().length() <= 1 ? user : uri.getPath().substring(1);
      return new Jdbc("jdbc:postgresql://" + uri.getHost() + ":" + port + "/" + db + "?connectTimeout=5", user, password);
    }
  }

  /** For messages: the URL without its password. */
  public static String redact(String url) {
    return url == null ? null : url.replaceAll("(://[^:/@]+):[^@]*@", "$1:***@");
  }
}
