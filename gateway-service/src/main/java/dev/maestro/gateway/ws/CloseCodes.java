package dev.maestro.gateway.ws;

/** WebSocket close codes the gateway uses (4000–4999 are the application's range). */
public final class CloseCodes {
  private CloseCodes() {}

  /** A message over the size limit (1 MiB), as RFC 6455 defines it. */
  public static final short TOO_BIG = 1009;
  /** No frame (not even a pong) within three heartbeat periods. */
  public static final short HEARTBEAT_TIMEOUT = 4000;
  /** The token was revoked or expired, or the user was deleted. */
  public static final short REVOKED = 4001;
  /** The client read too slowly and its bounded outbound buffer filled up. */
  public static final short SLOW_CONSUMER = 4002;
  /** The client kept sending frames faster than the per-socket limit after being told (rate_limited). */
  public static final short TOO_MANY_FRAMES = 4003;
}
