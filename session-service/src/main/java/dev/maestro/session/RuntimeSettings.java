package dev.maestro.session;

import dev.maestro.platform.Settings;
import io.vertx.core.json.JsonObject;

/**
 * Tunables of the session runtime (issue 16), read through {@link Settings}: how long an approval
 * waits before it is denied, and how often a node looks for queued messages whose session has no
 * live owner (after a restart or a node's death).
 */
record RuntimeSettings(long approvalTimeoutMs, long queueSweepMs) {
  static final String APPROVAL_TIMEOUT = "MAESTRO_APPROVAL_TIMEOUT_SECONDS";
  static final String QUEUE_SWEEP = "MAESTRO_SESSION_QUEUE_SWEEP_SECONDS";

  static RuntimeSettings from(JsonObject config) {
    Settings s = Settings.of(config);
    return new RuntimeSettings((long) (s.decimal(APPROVAL_TIMEOUT, 3600, 0.05, Double.MAX_VALUE) * 1000),
        (long) (s.decimal(QUEUE_SWEEP, 10, 0.1, Double.MAX_VALUE) * 1000));
  }

  static RuntimeSettings defaults() {
    return from(new JsonObject());
  }
}
