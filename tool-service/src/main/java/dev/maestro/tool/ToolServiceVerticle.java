package dev.maestro.tool;

import dev.maestro.platform.Database;
import dev.maestro.platform.HealthResponder;
import dev.maestro.platform.MaestroConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;

/** tool-service: migrates schema `tool`, then answers on the bus. */
public class ToolServiceVerticle extends VerticleBase {
  public static final String SCHEMA = "tool";
  private Pool pool;

  @Override
  public Future<?> start() {
    MaestroConfig cfg = MaestroConfig.of(config());
    return Database.migrate(vertx, cfg, SCHEMA)
        .compose(applied -> {
          pool = Database.pool(vertx, cfg, SCHEMA, 8);
          return HealthResponder.register(vertx, SCHEMA);
        });
  }

  @Override
  public Future<?> stop() {
    return pool == null ? Future.succeededFuture() : pool.close();
  }
}
