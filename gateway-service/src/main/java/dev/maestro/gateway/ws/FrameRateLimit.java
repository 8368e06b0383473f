package dev.maestro.gateway.ws;

/**
 * Frames per second for one socket: a token bucket ({@code perSecond} sustained, {@code burst} at
 * once). A frame over the limit is dropped; the first dropped frame of each second is answered with
 * an error frame (one per second, so a flood cannot make the gateway write a flood back). Dropped
 * frames draw on a second bucket, the tolerance ({@code 5 × perSecond} frames, refilled at
 * {@code perSecond / 2} per second): a client a little too fast is only throttled, a client that
 * keeps flooding empties it and is closed with {@link CloseCodes#TOO_MANY_FRAMES}. Not thread-safe:
 * one per socket, on its event loop.
 */
final class FrameRateLimit {
  enum Verdict { ACCEPT, DROP_AND_TELL, DROP, CLOSE }

  private final double perNano;
  private final double burst;
  private final double tolerance;
  private final double tolerancePerNano;
  private double tokens;
  private double allowance;
  private long last;
  private long lastTold = Long.MIN_VALUE;

  FrameRateLimit(int perSecond, int burst, long nowNanos) {
    this.perSecond = Math.max(1, perSecond);
    this.burstFrames = Math.max(1, burst);
    this.perNano = Math.max(1, perSecond) / 1e9;
    this.burst = Math.max(1, burst);
    this.tolerance = Math.max(1, perSecond) * 5.0;
    this.tolerancePerNano = Math.max(1, perSecond) / 2.0 / 1e9;
    this.tokens = this.burst;
    this.allowance = tolerance;
    this.last = nowNanos;
  }

  private final int perSecond;
  private final int burstFrames;

  @Override
  public String toString() {
    return perSecond + " frames per second (bursts of " + burstFrames + ")";
  }

  Verdict onFrame(long nowNanos) {
    long elapsed = Math.max(0, nowNanos - last);
    last = nowNanos;
    tokens = Math.min(burst, tokens + elapsed * perNano);
    allowance = Math.min(tolerance, allowance + elapsed * tolerancePerNano);
    if (tokens >= 1) {
      tokens -= 1;
      return Verdict.ACCEPT;
    }
    allowance -= 1;
    if (allowance < 0) return Verdict.CLOSE;
    if (lastTold == Long.MIN_VALUE || nowNanos - lastTold >= 1_000_000_000L) {
      lastTold = nowNanos;
      return Verdict.DROP_AND_TELL;
    }
    return Verdict.DROP;
  }

  /** Milliseconds until the next frame would be accepted. */
  long retryAfterMs() {
    return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perNano / 1e6);
  }
}
