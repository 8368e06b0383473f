package dev.maestro.gateway;

import dev.maestro.contracts.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;

import java.util.ArrayList;
import java.util.List;

/**
 * GET /health: pings every service over the bus and checks PostgreSQL and Redis, each with a short
 * timeout, so one missing part reads DOWN quickly instead of hanging the probe.
 */
public class HealthCheck {
  static final long TIMEOUT_MS = 1_500;

  private final Vertx vertx;
  private final Pool pool;
  private final RedisAPI redis;

  public HealthCheck(Vertx vertx, Pool pool, RedisAPI redis) {
    this.vertx = vertx;
    this.pool = pool;
    this.redis = redis;
  }

  /** → {status: UP|DEGRADED, services:{...}, postgres, redis, sandbox: bubblewrap|none|unavailable|unknown}. Never fails. */
  public Future<JsonObject> check() {
    JsonObject services = new JsonObject();
    JsonObject result = new JsonObject();
    List<Future<?>> all = new ArrayList<>();
    for (String service : Addresses.SERVICES) {
      if (service.equals("gateway")) {
        services.put(service, "UP");
        continue;
      }
      all.add(vertx.eventBus().request(Addresses.health(service), new JsonObject(),
              new DeliveryOptions().setSendTimeout(TIMEOUT_MS))
          .map(m -> {
            // tool-service says which sandbox runs commands: "none" (unconfined) must show in /health
            if (m.body() instanceof JsonObject b && b.getString("sandbox") != null) result.put("sandbox", b.getString("sandbox"));
            return "UP";
          }).otherwise("DOWN").onSuccess(s -> services.put(service, s)));
    }
    all.add(pool.query("SELECT 1").execute().map("UP").timeout(TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS)
        .otherwise("DOWN").onSuccess(s -> result.put("postgres", s)));
    all.add(redis.ping(List.of()).map("UP").timeout(TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS)
        .otherwise("DOWN").onSuccess(s -> result.put("redis", s)));
    return Future.join(all).otherwise(x -> null).map(x -> {
      JsonObject ordered = new JsonObject();
      for (String service : Addresses.SERVICES) ordered.put(service, services.getString(service, "DOWN"));
      boolean up = ordered.stream().allMatch(e -> "UP".equals(e.getValue()))
          && "UP".equals(result.getString("postgres")) && "UP".equals(result.getString("redis"));
      return new JsonObject().put("status", up ? "UP" : "DEGRADED").put("services", ordered)
          .put("postgres", result.getString("postgres", "DOWN")).put("redis", result.getString("redis", "DOWN"))
          .put("sandbox", result.getString("sandbox", "unknown"));
    });
  }
}
