package dev.maestro.gateway.auth;

import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Fixed-window counters in Redis, shared by every gateway instance. When Redis is unreachable the
 * limiter lets requests through (chat must keep working); it never holds state in memory.
 */
public class RateLimiter {
  static final long REDIS_TIMEOUT_MS = 500;

  private final RedisAPI redis;

  public RateLimiter(RedisAPI redis) {
    this.redis = redis;
  }

  /** Counts one hit → 0 when allowed, else the seconds until the window ends. */
  public Future<Long> hit(String key, int limit, int windowSeconds) {
    long now = System.currentTimeMillis() / 1000;
    long window = now / windowSeconds;
    String k = "maestro:rl:" + key + ":" + window;
    return redis.incr(k)
        .compose(count -> {
          long n = count.toLong();
          Future<Response> expire = n == 1 ? redis.expire(List.of(k, String.valueOf(windowSeconds + 1))) : Future.succeededFuture();
          return expire.map(x -> n > limit ? Math.max(1, (window + 1) * windowSeconds - now) : 0L);
        })
        .timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .otherwise(0L);
  }

  /** Seconds until {@code key}'s failure counter allows again, or 0. */
  public Future<Long> blockedFor(String key, int limit) {
    String k = "maestro:fail:" + key;
    return redis.get(k)
        .compose(v -> v == null || v.toLong() < limit ? Future.succeededFuture(0L)
            : redis.ttl(k).map(ttl -> Math.max(1L, ttl.toLong())))
        .timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .otherwise(0L);
  }

  /** Counts a failure; the counter lives for {@code windowSeconds} after the first failure. */
  public Future<Void> recordFailure(String key, int windowSeconds) {
    String k = "maestro:fail:" + key;
    return redis.incr(k)
        .compose(n -> n.toLong() == 1 ? redis.expire(List.of(k, String.valueOf(windowSeconds))).mapEmpty() : Future.<Void>succeededFuture())
        .timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .otherwise((Void) null);
  }

  public Future<Void> clearFailures(String key) {
    return redis.del(List.of("maestro:fail:" + key)).<Void>mapEmpty()
        .timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS).otherwise((Void) null);
  }
}
