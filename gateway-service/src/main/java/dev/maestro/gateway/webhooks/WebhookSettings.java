package dev.maestro.gateway.webhooks;

import dev.maestro.platform.Settings;
import io.vertx.core.json.JsonObject;

/**
 * Webhook delivery knobs (all optional), read through {@link Settings}: a bad value stops start-up
 * naming the variable. The n-th retry of a delivery waits {@code backoffMs * 2^(n-1)}, at most
 * {@code maxBackoffMs}; after {@code maxAttempts} attempts it is given up (shown as failed).
 */
public record WebhookSettings(int pollMs, int backoffMs, int maxBackoffMs, int maxAttempts, int timeoutMs, int retentionHours) {
  public static final String POLL_MS = "MAESTRO_WEBHOOK_POLL_MS";
  public static final String BACKOFF_MS = "MAESTRO_WEBHOOK_BACKOFF_MS";
  public static final String MAX_BACKOFF_MS = "MAESTRO_WEBHOOK_MAX_BACKOFF_MS";
  public static final String MAX_ATTEMPTS = "MAESTRO_WEBHOOK_MAX_ATTEMPTS";
  public static final String TIMEOUT_MS = "MAESTRO_WEBHOOK_TIMEOUT_MS";
  public static final String RETENTION_HOURS = "MAESTRO_WEBHOOK_RETENTION_HOURS";

  public static WebhookSettings from(JsonObject config) {
    Settings s = Settings.of(config);
    return new WebhookSettings(
        // a backstop only (WebhookDispatcher: new events and retries are sent when due without it)
        s.integer(POLL_MS, 30_000, 10, 3_600_000),
        s.integer(BACKOFF_MS, 5000, 1, 3_600_000),
        s.integer(MAX_BACKOFF_MS, 3_600_000, 1, 86_400_000),
        s.integer(MAX_ATTEMPTS, 15, 1, 1000),
        s.integer(TIMEOUT_MS, 10_000, 100, 300_000),
        s.integer(RETENTION_HOURS, 168, 1, 100_000));
  }

  /** The wait before attempt {@code attemptsMade + 1}. */
  public long backoffAfter(int attemptsMade) {
    int exp = Math.min(Math.max(attemptsMade - 1, 0), 30);
    return Math.min((long) backoffMs << exp, maxBackoffMs);
  }
}
