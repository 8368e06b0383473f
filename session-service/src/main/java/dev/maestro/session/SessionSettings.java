package dev.maestro.session;

import dev.maestro.contracts.Timeouts;
import dev.maestro.contracts.session.ElicitationForm;
import io.vertx.core.json.JsonObject;

/** Tunables of the live sessions (config keys are the env var names, like every Maestro setting). */
record SessionSettings(long idleTimeoutMs, int maxToolRounds, long streamIdleTimeoutMs, int heldEvents,
                       long toolTimeoutSeconds, double compactThreshold, int keepRecentMessages, String modelsFile,
                       long elicitationTimeoutMs, int heldTurnEvents, int maxTurnsPerUser, int maxLivePerUser) {

  static final String IDLE_TIMEOUT = "MAESTRO_SESSION_IDLE_SECONDS";
  static final String MAX_TOOL_ROUNDS = "MAESTRO_SESSION_MAX_TOOL_ROUNDS";
  static final String STREAM_IDLE_TIMEOUT = "MAESTRO_SESSION_STREAM_IDLE_SECONDS";
  static final String HELD_EVENTS = "MAESTRO_SESSION_HELD_EVENTS";
  static final String TOOL_TIMEOUT = Timeouts.TOOL_TIMEOUT;
  static final String COMPACT_THRESHOLD = "MAESTRO_SESSION_COMPACT_THRESHOLD";
  static final String KEEP_RECENT = "MAESTRO_SESSION_COMPACT_KEEP_MESSAGES";
  static final String MODELS_FILE = "MAESTRO_SESSION_MODELS_FILE";
  static final String HELD_TURN_EVENTS = "MAESTRO_SESSION_HELD_TURN_EVENTS";
  static final String MAX_TURNS_PER_USER = "MAESTRO_SESSION_MAX_TURNS_PER_USER";
  static final String MAX_LIVE_PER_USER = "MAESTRO_SESSION_MAX_LIVE_PER_USER";

  static SessionSettings from(JsonObject config) {
    long toolSeconds = toolTimeout(config);
    long elicitationMs = elicitationTimeout(config);
    try {
      Timeouts.checkElicitation(toolSeconds, elicitationMs);
    } catch (IllegalArgumentException e) {
      throw new dev.maestro.platform.StartupException(e.getMessage());
    }
    return new SessionSettings(
        (long) (num(config, IDLE_TIMEOUT, 300) * 1000),
        (int) num(config, MAX_TOOL_ROUNDS, 25),
        (long) (num(config, STREAM_IDLE_TIMEOUT, 180) * 1000),
        (int) num(config, HELD_EVENTS, 5000),
        toolSeconds,
        num(config, COMPACT_THRESHOLD, 0.8),
        (int) num(config, KEEP_RECENT, 6),
        str(config, MODELS_FILE),
        elicitationMs,
        atLeastOne(config, HELD_TURN_EVENTS, 10_000),
        atLeastOne(config, MAX_TURNS_PER_USER, 8),
        atLeastOne(config, MAX_LIVE_PER_USER, 100));
  }

  private static int atLeastOne(JsonObject config, String key, int def) {
    double v = num(config, key, def);
    if (v < 1 || v > Integer.MAX_VALUE) throw new dev.maestro.platform.StartupException(key + " must be at least 1, got '" + str(config, key) + "'");
    return (int) v;
  }

  private static long toolTimeout(JsonObject config) {
    try {
      return Timeouts.toolSeconds(config);
    } catch (IllegalArgumentException e) {
      throw new dev.maestro.platform.StartupException(e.getMessage());
    }
  }

  private static long elicitationTimeout(JsonObject config) {
    try {
      return ElicitationForm.timeoutMs(config);
    } catch (IllegalArgumentException e) {
      throw new dev.maestro.platform.StartupException(e.getMessage());
    }
  }

  private static double num(JsonObject config, String key, double def) {
    String v = str(config, key);
    if (v == null) return def;
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new dev.maestro.platform.StartupException(key + " must be a number, got '" + v + "'");
    }
  }

  private static String str(JsonObject config, String key) {
    Object v = config == null ? null : config.getValue(key);
    if (v == null) v = System.getProperty(key, System.getenv(key));
    return v == null || String.valueOf(v).isBlank() ? null : String.valueOf(v);
  }
}
