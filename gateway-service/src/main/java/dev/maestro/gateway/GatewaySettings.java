package dev.maestro.gateway;

import dev.maestro.platform.Settings;
import io.vertx.core.json.JsonObject;

/**
 * The gateway's own knobs (beyond {@link dev.maestro.platform.MaestroConfig}), read through
 * {@link Settings}: verticle config, then a same-named system property, then the environment, then the
 * default; a value that is not a whole number of at least 1 fails start-up naming the variable.
 */
public record GatewaySettings(
    int bodyLimitBytes,
    int apiPerMinute,
    int sendsPerMinute,
    int loginMaxPerUser,
    int loginMaxPerAddress,
    int loginWindowSeconds,
    int wsMaxQueuedFrames,
    int wsHeartbeatSeconds,
    int presenceTtlSeconds,
    int argon2MemoryKb,
    int argon2Iterations,
    int wsFramesPerSecond,
    int wsFrameBurst) {

  public static final String BODY_LIMIT = "MAESTRO_BODY_LIMIT_BYTES";
  public static final String API_PER_MINUTE = "MAESTRO_RATE_API_PER_MINUTE";
  public static final String SENDS_PER_MINUTE = "MAESTRO_RATE_SENDS_PER_MINUTE";
  public static final String LOGIN_MAX_PER_USER = "MAESTRO_LOGIN_MAX_PER_USER";
  public static final String LOGIN_MAX_PER_ADDRESS = "MAESTRO_LOGIN_MAX_PER_ADDRESS";
  public static final String LOGIN_WINDOW = "MAESTRO_LOGIN_WINDOW_SECONDS";
  public static final String WS_MAX_QUEUED = "MAESTRO_WS_MAX_QUEUED_FRAMES";
  public static final String WS_HEARTBEAT = "MAESTRO_WS_HEARTBEAT_SECONDS";
  public static final String PRESENCE_TTL = "MAESTRO_PRESENCE_TTL_SECONDS";
  public static final String ARGON2_MEMORY_KB = "MAESTRO_ARGON2_MEMORY_KB";
  public static final String ARGON2_ITERATIONS = "MAESTRO_ARGON2_ITERATIONS";
  public static final String WS_FRAMES_PER_SECOND = "MAESTRO_WS_FRAMES_PER_SECOND";
  public static final String WS_FRAME_BURST = "MAESTRO_WS_FRAME_BURST";

  public static GatewaySettings from(JsonObject config) {
    Settings s = Settings.of(config);
    return new GatewaySettings(
        s.integer(BODY_LIMIT, 1 << 20, 1, Integer.MAX_VALUE),
        s.integer(API_PER_MINUTE, 1200, 1, Integer.MAX_VALUE),
        s.integer(SENDS_PER_MINUTE, 60, 1, Integer.MAX_VALUE),
        s.integer(LOGIN_MAX_PER_USER, 10, 1, Integer.MAX_VALUE),
        s.integer(LOGIN_MAX_PER_ADDRESS, 50, 1, Integer.MAX_VALUE),
        s.integer(LOGIN_WINDOW, 300, 1, Integer.MAX_VALUE),
        s.integer(WS_MAX_QUEUED, 4096, 1, Integer.MAX_VALUE),
        s.integer(WS_HEARTBEAT, 20, 1, Integer.MAX_VALUE),
        s.integer(PRESENCE_TTL, 60, 1, Integer.MAX_VALUE),
        s.integer(ARGON2_MEMORY_KB, 19 * 1024, 8, Integer.MAX_VALUE),
        s.integer(ARGON2_ITERATIONS, 2, 1, Integer.MAX_VALUE),
        s.integer(WS_FRAMES_PER_SECOND, 20, 1, Integer.MAX_VALUE),
        s.integer(WS_FRAME_BURST, 40, 1, Integer.MAX_VALUE));
  }
}
