package dev.maestro.gateway;

import dev.maestro.platform.Database;
import dev.maestro.platform.HealthResponder;
import dev.maestro.platform.MaestroConfig;
import dev.maestro.platform.Retry;
import dev.maestro.platform.StartupException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.sqlclient.Pool;

import java.net.BindException;
import java.util.List;

/** The HTTP edge. Owns schema {@code gateway} (users, API tokens). */
public class GatewayVerticle extends VerticleBase {
  public static final String SCHEMA = "gateway";

  private Pool pool;
  private Redis redis;
  private HttpServer server;

  @Override
  public Future<?> start() {
    MaestroConfig cfg = MaestroConfig.of(config());
    return Database.migrate(vertx, cfg, SCHEMA)
        .compose(applied -> {
          pool = Database.pool(vertx, cfg, SCHEMA, 8);
          redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(cfg.redisUrl())
              .setMaxPoolSize(16).setMaxPoolWaiting(256));
          RedisAPI api = RedisAPI.api(redis);
          return Retry.atStartup(vertx, "Redis at " + cfg.redisUrl(), MaestroConfig.REDIS_URL,
              cfg.startupTimeoutSeconds(), () -> api.ping(List.of())).map(api);
        })
        .compose(api -> listen(cfg, router(api)))
        .compose(s -> HealthResponder.register(vertx, "gateway"));
  }

  private Router router(RedisAPI api) {
    HealthCheck health = new HealthCheck(vertx, pool, api);
    Router router = Router.router(vertx);
    router.get("/health").handler(rc -> health.check().onSuccess(h -> rc.response()
        .setStatusCode("UP".equals(h.getString("status")) ? 200 : 503)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(h.encode())));
    return router;
  }

  private Future<HttpServer> listen(MaestroConfig cfg, Router router) {
    HttpServerOptions options = new HttpServerOptions().setTcpNoDelay(true).setHost(cfg.httpHost()).setPort(cfg.httpPort());
    return vertx.createHttpServer(options).requestHandler(router).listen()
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

  @Override
  public Future<?> stop() {
    return Future.join(server == null ? Future.succeededFuture() : server.close(),
        pool == null ? Future.succeededFuture() : pool.close(),
        redis == null ? Future.succeededFuture() : redis.close());
  }
}
