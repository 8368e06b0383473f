package dev.maestro.gateway.auth;

import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.redis.client.RedisAPI;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Fixed-window counters in Redis, shared by every gateway instance; it never holds state in memory.
 * When Redis is unreachable the request limits ({@link #hit}) let requests through (chat must keep
 * working) but the login limits ({@link #reserveLogin}) refuse: sign-in fails closed.
 */
public class RateLimiter {
  static final long REDIS_TIMEOUT_MS = 500;
  /** Sign-in waits longer than a request limit would (it fails closed, and is rare), but not forever. */
  static final long LOGIN_REDIS_TIMEOUT_MS = 3_000;

  private final RedisAPI redis;

  public RateLimiter(RedisAPI redis) {
    this.redis = redis;
  }

  /**
   * Counts one hit → 0 when allowed, else the seconds until the window ends. One Redis round trip per
   * request (issue 14): the INCR and, on a window's first hit, its EXPIRE run as one script.
   */
  public Future<Long> hit(String key, int limit, int windowSeconds) {
    long now = System.currentTimeMillis() / 1000;
    long window = now / windowSeconds;
    String k = "maestro:rl:" + key + ":" + window;
    return redis.eval(List.of(HIT_SCRIPT, "1", k, String.valueOf(windowSeconds + 1)))
        .map(count -> {
          long n = count.toLong();
          return n > limit ? Math.max(1, (window + 1) * windowSeconds - now) : 0L;
        })
        .timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .otherwise(0L);
  }

  /**
   * Counts one login attempt against every key at once, in a single Lua script (INCR, and EXPIRE on
   * the first hit of a window), so parallel attempts cannot all pass a check made before any of
   * them was counted → 0 when every key is within its limit, else the seconds until the longest
   * blocked window ends. Unlike {@link #hit}, this fails closed: when Redis cannot be reached the
   * future fails with 503, because letting every guess through is worse than refusing sign-ins.
   */
  public Future<Long> reserveLogin(List<String> keys, List<Integer> limits, int windowSeconds) {
    List<String> args = new ArrayList<>();
    args.add(RESERVE_SCRIPT);
    args.add(String.valueOf(keys.size()));
    for (String k : keys) args.add(LOGIN_PREFIX + k);
    args.add(String.valueOf(windowSeconds));
    for (Integer l : limits) args.add(String.valueOf(l));
    return redis.eval(args)
        .map(r -> r.toLong())
        .timeout(LOGIN_REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .recover(err -> ServiceException.fail(ErrorCodes.UNAVAILABLE,
            "sign-in is unavailable: the login limiter (Redis) cannot be reached; try again shortly",
            new JsonObject().put("retryAfter", 5)));
  }

  /**
   * Gives back an attempt that was not a wrong guess (a successful sign-in, or one the server could
   * not check): {@code forget} keys are cleared, {@code refund} keys are decremented. Best effort.
   */
  public Future<Void> releaseLogin(List<String> forget, List<String> refund) {
    List<String> args = new ArrayList<>();
    args.add(RELEASE_SCRIPT);
    args.add(String.valueOf(forget.size() + refund.size()));
    for (String k : forget) args.add(LOGIN_PREFIX + k);
    for (String k : refund) args.add(LOGIN_PREFIX + k);
    args.add(String.valueOf(forget.size()));
    return redis.eval(args).<Void>mapEmpty()
        .timeout(LOGIN_REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS).otherwise((Void) null);
  }

  /** KEYS[1]: the window's counter; ARGV[1]: its lifetime in seconds, set on the first hit. */
  static final String HIT_SCRIPT = "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n";

  static final String LOGIN_PREFIX = "maestro:login:";

  /**
   * KEYS: counters; ARGV[1]: window seconds; ARGV[2..]: each key's limit. An attempt refused
   * because some key is already at its limit is not counted anywhere: it reaches no hash, so it is
   * no guess, and it must not use up the budget of the other keys (a user locked out on one
   * address must not also drain that address's budget for everybody else behind it).
   */
  static final String RESERVE_SCRIPT = """
      local blocked = 0
      local window = tonumber(ARGV[1])
      for i, k in ipairs(KEYS) do
        local n = tonumber(redis.call('GET', k) or '0')
        if n >= tonumber(ARGV[i + 1]) then
          local ttl = redis.call('TTL', k)
          if ttl < 0 then
            redis.call('EXPIRE', k, window)
            ttl = window
          end
          if ttl < 1 then ttl = 1 end
          if ttl > blocked then blocked = ttl end
        end
      end
      if blocked > 0 then return blocked end
      for i, k in ipairs(KEYS) do
        local n = redis.call('INCR', k)
        if n == 1 or redis.call('TTL', k) < 0 then redis.call('EXPIRE', k, window) end
      end
      return 0
      """;

  /** KEYS: the first ARGV[1] are deleted, the rest decremented (never below zero). */
  static final String RELEASE_SCRIPT = """
      local forget = tonumber(ARGV[1])
      for i, k in ipairs(KEYS) do
        if i <= forget then
          redis.call('DEL', k)
        elseif tonumber(redis.call('GET', k) or '0') > 0 then
          redis.call('DECR', k)
        end
      end
      return 0
      """;
}
