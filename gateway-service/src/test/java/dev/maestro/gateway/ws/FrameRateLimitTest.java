package dev.maestro.gateway.ws;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-socket frame budget on a fake clock: burst, sustained rate, one notice per second, close on a flood. */
class FrameRateLimitTest {
  static final long MS = 1_000_000L;

  @Test
  void aBurstIsAcceptedThenFramesAreDroppedWithOneNoticePerSecond() {
    FrameRateLimit l = new FrameRateLimit(20, 40, 0);
    for (int i = 0; i < 40; i++) assertThat(l.onFrame(0)).isEqualTo(FrameRateLimit.Verdict.ACCEPT);
    assertThat(l.onFrame(0)).isEqualTo(FrameRateLimit.Verdict.DROP_AND_TELL);
    assertThat(l.retryAfterMs()).isBetween(1L, 50L);
    assertThat(l.onFrame(10 * MS)).isEqualTo(FrameRateLimit.Verdict.DROP);
    assertThat(l.onFrame(60 * MS)).isEqualTo(FrameRateLimit.Verdict.ACCEPT); // 50 ms = one token at 20/s
    assertThat(l.onFrame(61 * MS)).isEqualTo(FrameRateLimit.Verdict.DROP);
    assertThat(l.onFrame(1100 * MS)).isEqualTo(FrameRateLimit.Verdict.ACCEPT);
  }

  @Test
  void aSteadyClientAtTheRateIsNeverDropped() {
    FrameRateLimit l = new FrameRateLimit(20, 40, 0);
    for (int i = 0; i < 2000; i++) assertThat(l.onFrame(i * 50 * MS)).isEqualTo(FrameRateLimit.Verdict.ACCEPT);
  }

  @Test
  void aClientALittleTooFastIsThrottledButNotClosed() {
    FrameRateLimit l = new FrameRateLimit(20, 40, 0);
    int accepted = 0;
    for (int i = 0; i < 25 * 60; i++) { // 25 frames/s for a minute
      FrameRateLimit.Verdict v = l.onFrame(i * 40 * MS);
      assertThat(v).isNotEqualTo(FrameRateLimit.Verdict.CLOSE);
      if (v == FrameRateLimit.Verdict.ACCEPT) accepted++;
    }
    assertThat(accepted).isBetween(20 * 60, 20 * 60 + 41);
  }

  @Test
  void aFloodIsClosedAfterTheTolerance() {
    FrameRateLimit l = new FrameRateLimit(20, 40, 0);
    int i = 0;
    while (l.onFrame(i * MS / 10) != FrameRateLimit.Verdict.CLOSE) {
      i++;
      assertThat(i).isLessThan(1000);
    }
    // 40 burst + 100 tolerated drops (+ a few refilled while flooding at 10,000/s)
    assertThat(i).isBetween(140, 150);
  }
}
