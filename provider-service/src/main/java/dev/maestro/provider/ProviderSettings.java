package dev.maestro.provider;

import dev.maestro.platform.Settings;
import io.vertx.core.json.JsonObject;

/**
 * provider-service tuning, read through {@link Settings}: the verticle config, else a same-named system
 * property, else the environment variable, else the default shown in the README; a bad value fails
 * start-up naming the variable.
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

  public static final String CREDENTIAL_TTL_MS = "MAESTRO_PROVIDER_CREDENTIAL_TTL_MS";

  /** How long a resolved credential may be served from memory (0: ask auth-service every time). */
  public static long credentialTtlMillis(JsonObject config) {
    return Settings.of(config).whole(CREDENTIAL_TTL_MS, Credentials.DEFAULT_TTL_MILLIS, 0, 3_600_000);
  }

  public static ProviderSettings defaults() {
    return from(new JsonObject());
  }

  public static ProviderSettings from(JsonObject config) {
    Settings s = Settings.of(config);
    long forever = Long.MAX_VALUE;
    return new ProviderSettings(
        s.integer(MAX_RETRIES, 2, 0, 100),
        s.whole(RETRY_BASE_MS, 500, 0, forever),
        s.whole(RETRY_MAX_MS, 8_000, 0, forever),
        s.whole(MAX_RETRY_AFTER_MS, 60_000, 0, forever),
        s.integer(CONNECT_TIMEOUT_MS, 10_000, 1, Integer.MAX_VALUE),
        s.whole(FIRST_BYTE_TIMEOUT_MS, 120_000, 1, forever),
        s.whole(IDLE_TIMEOUT_MS, 120_000, 1, forever),
        s.integer(POOL_SIZE, 200, 1, Integer.MAX_VALUE),
        s.integer(BREAKER_MAX_FAILURES, 5, 1, Integer.MAX_VALUE),
        s.whole(BREAKER_RESET_MS, 30_000, 0, forever),
        (int) s.bytes(MAX_SSE_LINE_BYTES, 1 << 20, 1, Integer.MAX_VALUE - 8),
        s.bytes(MAX_RESPONSE_BYTES, 32L << 20, 1, forever));
  }
}
