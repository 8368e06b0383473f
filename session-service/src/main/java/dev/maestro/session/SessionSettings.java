package dev.maestro.session;

import dev.maestro.contracts.Timeouts;
import dev.maestro.contracts.session.ElicitationForm;
import dev.maestro.platform.Settings;
import io.vertx.core.json.JsonObject;

/** Tunables of the live sessions, read through {@link Settings} (config keys are the env var names). */
record SessionSettings(long idleTimeoutMs, int maxToolRounds, long streamIdleTimeoutMs, int heldEvents,
                       long toolTimeoutSeconds, double compactThreshold, int keepRecentMessages, String modelsFile,
                       long elicitationTimeoutMs, int heldTurnEvents, int maxTurnsPerUser, int maxLivePerUser,
                       dev.maestro.session.subagent.SubagentLimits subagents) {

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
    Settings s = Settings.of(config);
    long toolSeconds = toolTimeout(config);
    long elicitationMs = s.whole(ElicitationForm.TIMEOUT, ElicitationForm.DEFAULT_TIMEOUT_MS, 1, Long.MAX_VALUE);
    try {
      Timeouts.checkElicitation(toolSeconds, elicitationMs);
    } catch (IllegalArgumentException e) {
      throw new dev.maestro.platform.StartupException(e.getMessage());
    }
    double forever = Double.MAX_VALUE;
    int most = Integer.MAX_VALUE;
    return new SessionSettings(
        (long) (s.decimal(IDLE_TIMEOUT, 300, 0, forever) * 1000),
        s.integer(MAX_TOOL_ROUNDS, 25, 1, most),
        (long) (s.decimal(STREAM_IDLE_TIMEOUT, 180, 0, forever) * 1000),
        s.integer(HELD_EVENTS, 5000, 1, most),
        toolSeconds,
        s.decimal(COMPACT_THRESHOLD, 0.8, 0, forever),
        s.integer(KEEP_RECENT, 6, 0, most),
        s.raw(MODELS_FILE),
        elicitationMs,
        s.integer(HELD_TURN_EVENTS, 10_000, 1, most),
        s.integer(MAX_TURNS_PER_USER, 8, 1, most),
        s.integer(MAX_LIVE_PER_USER, 100, 1, most),
        dev.maestro.session.subagent.SubagentLimits.from(s));
  }

  /** The tool timeout is the input every other timeout nests around ({@link Timeouts}). */
  private static long toolTimeout(JsonObject config) {
    try {
      return Timeouts.toolSeconds(config);
    } catch (IllegalArgumentException e) {
      throw new dev.maestro.platform.StartupException(e.getMessage());
    }
  }
}
