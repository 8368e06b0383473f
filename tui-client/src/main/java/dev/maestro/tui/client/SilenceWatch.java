package dev.maestro.tui.client;

/**
 * Tells a WebSocket that went silent without closing from one that is merely quiet. A gateway cut off by
 * the network (a partition, a dropped route) sends nothing and no FIN or RST reaches us: TCP reports such
 * a connection dead only after many minutes of retransmissions, and an idle socket never. So when nothing
 * arrived for a while, the client sends a ping frame (the gateway answers {"type":"pong"}); if nothing at
 * all arrives within {@link #PONG_WITHIN_MS} after it, the socket is dead and the client reconnects (to
 * another gateway, if there is one) instead of waiting for the network to come back (chaos partition: the
 * clients of the cut-off gateway were silent until the heal and the merge, 16–23 s).
 * <p>How long "a while" is depends on whether the client expects frames: while a reply streams or a send
 * waits for its acknowledgement, events come many times a second, so {@link #PING_AFTER_MS} of silence is
 * already odd (the cut is noticed within ~3.5 s); an idle socket is asked only after
 * {@link #IDLE_PING_AFTER_MS}, so a client that merely has a session open costs the gateway a ping every
 * few seconds, not every second.
 * <p>Pure bookkeeping, no timers: the caller ticks it (at least twice a second for these figures) with the
 * time in milliseconds. A throttled tick (a browser tab in the background) only makes it slower, never
 * wrong: a socket is declared dead only when a ping sent at least PONG_WITHIN_MS before went unanswered.
 */
public final class SilenceWatch {
  /** Silence before the client asks while it expects frames (a reply streaming, a send not yet acknowledged). */
  public static final long PING_AFTER_MS = 1_000;
  /** Silence before the client asks when it expects nothing. */
  public static final long IDLE_PING_AFTER_MS = 5_000;
  /**
   * How long an asked gateway may take to answer anything. A ping is answered on the socket's event loop, in
   * milliseconds also on a loaded 2-core machine; a false alarm costs one reconnect, resumed with afterSeq
   * (nothing lost or repeated).
   */
  public static final long PONG_WITHIN_MS = 2_000;

  public enum Action { NONE, PING, DEAD }

  private final long pingAfterMs;
  private final long idlePingAfterMs;
  private final long pongWithinMs;
  private long lastFrameMs;
  /** When the unanswered ping went out (-1: none outstanding). */
  private long pingSentMs = -1;

  public SilenceWatch(long nowMs) {
    this(nowMs, PING_AFTER_MS, IDLE_PING_AFTER_MS, PONG_WITHIN_MS);
  }

  public SilenceWatch(long nowMs, long pingAfterMs, long idlePingAfterMs, long pongWithinMs) {
    this.lastFrameMs = nowMs;
    this.pingAfterMs = pingAfterMs;
    this.idlePingAfterMs = idlePingAfterMs;
    this.pongWithinMs = pongWithinMs;
  }

  /** Any frame arrived (an event, an ack, a pong, an error): the socket is alive. */
  public void onFrame(long nowMs) {
    lastFrameMs = nowMs;
    pingSentMs = -1;
  }

  /**
   * What to do now: send a ping (it is then outstanding), declare the socket dead, or nothing. expecting:
   * the client waits for frames (a reply streaming, a send not yet acknowledged).
   */
  public Action tick(long nowMs, boolean expecting) {
    if (pingSentMs >= 0) return nowMs - pingSentMs >= pongWithinMs ? Action.DEAD : Action.NONE;
    if (nowMs - lastFrameMs >= (expecting ? pingAfterMs : idlePingAfterMs)) {
      pingSentMs = nowMs;
      return Action.PING;
    }
    return Action.NONE;
  }
}
