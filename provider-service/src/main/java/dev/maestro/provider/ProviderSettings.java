package dev.maestro.provider;

import io.vertx.core.json.JsonObject;

/**
 * provider-service tuning. Each value comes from the verticle config, else a same-named system
 * property, else the environment variable, else the default shown in the README.
 */
public record ProviderSettings(int maxRetries, long retryBaseMs, long retryMaxMs, long maxRetryAfterMs,
                               int connectTimeoutMs, long firstByteTimeoutMs, long idleTimeoutMs, int poolSize,
                               int breakerMaxFailures, long breakerResetMs, int maxSseLineBytes,
                               long maxResponseBytes) {
  public static final String MAX_RETRIES = "MAESTRO_PROVIDER_MAX_RETRIES";
  public static final String RETRY_BASE_MS = "MAESTRO_PROVIDER_RETRY_BASE_MS";
  public static final String RETRY_MAX_MS = "MAESTRO_PROVIDER_RETRY_MAX_MS";
  public static final String MAX_RETRY_AFTER_MS = "MAESTRO_PROVIDER_MAX_RETRY_AFTER_MS";
  public static final String CONNECT_TIMEOUT_MS = "MAESTRO_PROVIDER_CONNECT_TIMEOUT_MS";
  public static final String FIRST_BYTE_TIMEOUT_MS = "MAESTRO_PROVIDER_FIRST_BYTE_TIMEOUT_MS";
  public static final String IDLE_TIMEOUT_MS = "MAESTRO_PROVIDER_IDLE_TIMEOUT_MS";
  public static final String POOL_SIZE = "MAESTRO_PROVIDER_POOL_SIZE";
  public static final String BREAKER_MAX_FAILURES = "MAESTRO_PROVIDER_BREAKER_MAX_FAILURES";
  public static final String BREAKER_RESET_MS = "MAESTRO_PROVIDER_BREAKER_RESET_MS";
  public static final String MAX_SSE_LINE_BYTES = "MAESTRO_PROVIDER_MAX_SSE_LINE_BYTES";
  public static final String MAX_RESPONSE_BYTES = "MAESTRO_PROVIDER_MAX_RESPONSE_BYTES";

  public static ProviderSettings defaults() {
    return from(new JsonObject());
  }

  public static ProviderSettings from(JsonObject config) {
    return new ProviderSettings(
        (int) get(config, MAX_RETRIES, 2),
        get(config, RETRY_BASE_MS, 500),
        get(config, RETRY_MAX_MS, 8_000),
        get(config, MAX_RETRY_AFTER_MS, 60_000),
        (int) get(config, CONNECT_TIMEOUT_MS, 10_000),
        get(config, FIRST_BYTE_TIMEOUT_MS, 120_000),
        get(config, IDLE_TIMEOUT_MS, 120_000),
        (int) get(config, POOL_SIZE, 200),
        (int) get(config, BREAKER_MAX_FAILURES, 5),
        get(config, BREAKER_RESET_MS, 30_000),
        (int) Math.min(Integer.MAX_VALUE - 8, Math.max(1, get(config, MAX_SSE_LINE_BYTES, 1 << 20))),
        Math.max(1, get(config, MAX_RESPONSE_BYTES, 32L << 20)));
  }

  private static long get(JsonObject config, String name, long def) {
    Object v = config == null ? null : config.getValue(name);
    if (v == null) v = System.getProperty(name);
    if (v == null) v = System.getenv(name);
    if (v == null || String.valueOf(v).isBlank()) return def;
    try {
      return Long.parseLong(String.valueOf(v).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, got '" + v + "'");
    }
  }
}
