package dev.maestro.tui.client;

/**
 * Tells a WebSocket that went silent without closing from one that is merely quiet. A gateway cut off by
 * the network (a partition, a dropped route) sends nothing and no FIN or RST reaches us: TCP reports such
 * a connection dead only after many minutes of retransmissions, and an idle socket never. So when nothing
 * arrived for {@link #PING_AFTER_MS}, the client sends a ping frame (the gateway answers {"type":"pong"});
 * if nothing at all arrives within {@link #PONG_WITHIN_MS} after it, the socket is dead and the client
 * reconnects (to another gateway, if there is one) instead of waiting for the network to come back
 * (chaos partition: the clients of the cut-off gateway were silent 13–19 s, until the heal and the merge).
 * Pure bookkeeping, no timers: the caller ticks it (at least twice a second for these figures) with the
 * time in milliseconds. A throttled tick (a browser tab in the background) only makes it slower, never
 * wrong: a socket is declared dead only when a ping sent at least PONG_WITHIN_MS before went unanswered.
 */
public final class SilenceWatch {
  /** Silence before the client asks; frames of a streaming reply come many times a second. */
  public static final long PING_AFTER_MS = 2_000;
  /**
   * How long an asked gateway may take to answer anything. A gateway on a loaded 2-core machine answered
   * within milliseconds (a ping is answered on the socket's event loop); a false alarm costs one reconnect,
   * resumed with afterSeq (nothing lost or repeated).
   */
  public static final long PONG_WITHIN_MS = 3_000;

  public enum Action { NONE, PING, DEAD }

  private final long pingAfterMs;
  private final long pongWithinMs;
  private long lastFrameMs;
  /** When the unanswered ping went out (-1: none outstanding). */
  private long pingSentMs = -1;

  public SilenceWatch(long nowMs) {
    this(nowMs, PING_AFTER_MS, PONG_WITHIN_MS);
  }

  public SilenceWatch(long nowMs, long pingAfterMs, long pongWithinMs) {
    this.lastFrameMs = nowMs;
    this.pingAfterMs = pingAfterMs;
    this.pongWithinMs = pongWithinMs;
  }

  /** Any frame arrived (an event, an ack, a pong, an error): the socket is alive. */
  public void onFrame(long nowMs) {
    lastFrameMs = nowMs;
    pingSentMs = -1;
  }

  /** What to do now: send a ping (it is then outstanding), declare the socket dead, or nothing. */
  public Action tick(long nowMs) {
    if (pingSentMs >= 0) return nowMs - pingSentMs >= pongWithinMs ? Action.DEAD : Action.NONE;
    if (nowMs - lastFrameMs >= pingAfterMs) {
      pingSentMs = nowMs;
      return Action.PING;
    }
    return Action.NONE;
  }
}
